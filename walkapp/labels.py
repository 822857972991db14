"""Translated display names of the stable English codes, one table per code family.

The codes themselves (API, database, Open311) never change; only these labels are shown. Pages
and exports read the same tables: pages in the request's language (`label`), exports in the
export's own language (`label_in`)."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol

from babel.support import NullTranslations, Translations
from flask_babel import LazyString, gettext

from walkapp.i18n import TRANSLATIONS_DIR


class Label(LazyString):
    """A label translated when shown that keeps its msgid, so an export can translate it into
    its own language outside a request."""

    def __init__(self, msgid: str) -> None:
        super().__init__(gettext, msgid)
        self.msgid = msgid


def _l(msgid: str) -> Label:
    """Mark a label for extraction (pybabel -k _l) and translate it lazily."""
    return Label(msgid)


PARTICIPANT_ROLE_LABELS = {
    "resident": _l("Resident"),
    "board": _l("Estate board"),
    "housing": _l("Housing organisation"),
    "operations": _l("Operations (driftsafdeling)"),
    "municipality": _l("Municipality"),
    "police": _l("Police"),
    "coordinator": _l("Coordinator"),
    "other": _l("Other"),
}

# The optional, anonymous profile of the join page (walkapp.walks.models AGE_BANDS, GENDERS);
# participants see them on the join page, staff as the rows of the group table.
AGE_BAND_LABELS = {
    "under_18": _l("Under 18"),
    "18_39": _l("18–39"),
    "40_64": _l("40–64"),
    "65_plus": _l("65+"),
}
GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "other": _l("Other"),
    "undisclosed": _l("I would rather not say"),
}


def profile_group_label(group: str, value: str) -> str:
    """A row of the profile-group table: the age band, the gender, or the walker/wheelchair group."""
    if group == "age_band":
        return str(AGE_BAND_LABELS[value])
    if group == "gender":
        return str(GENDER_LABELS[value])
    return gettext("Uses a walker or a wheelchair")


WALK_KIND_LABELS = {"walk": _l("Safety walk"), "inspection": _l("Safety inspection")}

WALK_STATUS_LABELS = {"planned": _l("Planned"), "active": _l("Active"), "closed": _l("Closed")}

# Why a walk's status changed, when it was not a coordinator's button (WalkStatusChange.reason).
WALK_STATUS_REASON_LABELS = {"first_finding": _l("Started by the first finding")}

# The partners the helhedsplan's agreement commits to one evening walk a year, in display order.
PARTNER_KIND_LABELS = {
    "police": _l("The police"),
    "municipality": _l("The municipality"),
    "board": _l("The estate board"),
    "operations": _l("The operations department"),
}
# Which partner a participant's role stands for (residents, coordinators and others stand for none).
ROLE_PARTNER_KINDS = {
    "police": "police",
    "municipality": "municipality",
    "board": "board",
    "operations": "operations",
    "housing": "operations",
}
# Which partner a staff user who captured a finding stands for, by their organisation's type.
ORG_TYPE_PARTNER_KINDS = {"police": "police", "municipality": "municipality", "housing": "operations"}

FINDING_STATE_LABELS = {
    "new": _l("New"),
    "triaged": _l("Triaged"),
    "duplicate": _l("Duplicate"),
    "dismissed": _l("Dismissed"),
    # Put off by the follow-up meeting ("decide later"); still on its agenda.
    "parked": _l("Parked"),
}

# The standard categories' names (walkapp.seed.CATEGORIES, msgid = name_en) for the participant
# languages the Category row has no column for; da and en keep the row's own (editable) names.
CATEGORY_LABELS = {
    "lighting": _l("Lighting"),
    "graffiti": _l("Graffiti"),
    "vandalism": _l("Vandalism"),
    "vegetation": _l("Vegetation"),
    "hidden_corner": _l("Hidden corners / sight lines"),
    "access": _l("Access / basement"),
    "litter": _l("Litter"),
    "traffic": _l("Traffic"),
    "other": _l("Other"),
    "entrance": _l("Stairwells and entrances"),
    "wayfinding": _l("Signs and wayfinding"),
    "path": _l("Paths, paving and getting through"),
    "parking": _l("Parking"),
    "transit": _l("Bus and train stops"),
    "life": _l("Life and eyes on the street"),
}


class NamedCategory(Protocol):
    """What category_name needs of a Category (labels stays below the models layer)."""

    code: str

    def name(self, locale: str = "da") -> str: ...


def category_name(category: NamedCategory, language: str) -> str:
    """A category's name on a participant page: the row's own name in da/en, the standard
    category's translated name in the other participant languages, and the Danish name of a
    category an administrator made (no translation exists for it)."""
    if language in ("da", "en") or category.code not in CATEGORY_LABELS:
        return category.name(language)
    return label_in(CATEGORY_LABELS, category.code, language)


# A finding's kind (walkapp.findings.models.FINDING_KINDS): the "Type" of the exports.
FINDING_KIND_LABELS = {
    "problem": _l("Problem"),
    "good": _l("Good place"),
}

MEASURE_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "agreed": _l("Agreed"),
    "in_plan": _l("Added to the 10-year plan"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "rejected": _l("Rejected"),
    "referred": _l("Referred"),
}

# What the exports say about a finding's measures as a whole (exports.queries.follow_up_status):
# a measure status, or none yet, or all closed without any carried out.
FOLLOW_UP_STATUS_LABELS = {
    "none": _l("No measure"),
    **MEASURE_STATUS_LABELS,
    "closed": _l("Closed without action"),
}

# The safety rating a participant gives a finding: 0 (most unsafe) … 3 (safe). The number is the
# stable code; people read it with its words, on every page, map popup and export.
RATING_WORDS = {
    0: _l("Very unsafe"),
    1: _l("Unsafe"),
    2: _l("Fairly safe"),
    3: _l("Safe"),
}


def rating_label(rating: int | None) -> str:
    """A rating as people read it, the number with its words ("1 – Utryg"); "–" for none."""
    if rating not in RATING_WORDS:
        return "–"
    return f"{rating} – {RATING_WORDS[rating]}"


# Lazy, so form choices built at import are translated when shown.
RATING_LABELS = {rating: LazyString(rating_label, rating) for rating in RATING_WORDS}


@lru_cache(maxsize=4)
def _catalogue(lang: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [lang])


def rating_label_in(rating: int | None, lang: str) -> str:
    """rating_label in a given language without a request: for the pure export modules, which
    choose their language themselves (`?lang=en`) and may run outside a request."""
    if rating not in RATING_WORDS:
        return "–"
    return f"{rating} – {_catalogue(lang).gettext(RATING_WORDS[rating].msgid)}"


def label_in(table: Mapping[str, Label], code: str | None, lang: str) -> str:
    """`label` in a given language without a request (the export's language, e.g. `?lang=en`):
    the same words the pages show."""
    entry = table.get(code or "")
    if entry is None:
        return code or ""
    return _catalogue(lang).gettext(entry.msgid)


def short_id(finding_id: uuid.UUID | str) -> str:
    """The first 8 hex digits of a finding's id: what people say in a meeting and see in a row,
    on pages and in exports alike."""
    return str(finding_id)[:8]


def label(table: Mapping[str, object], code: str | None) -> str:
    """The translated label of a code, or the code itself when the table doesn't know it."""
    return str(table.get(code or "", code or ""))


# The follow-up walk's verdict on a finding of the previous walk (FindingCheck.verdict).
CHECK_VERDICT_LABELS = {
    "fixed": _l("Fixed"),
    "still": _l("Still a problem"),
    "worse": _l("Worse"),
}
