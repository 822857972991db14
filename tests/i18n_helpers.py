"""The participant side's msgids (the strings every participant language must translate) and a
small tool that writes a language's draft .po from a {msgid: translation} table.

`python -m tests.i18n_helpers` lists the participant msgids that some participant catalogue
lacks, so a new string on a participant page is noticed before tests/test_i18n.py fails."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "walkapp" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "N_": None}

# Templates a participant or resident sees (join, capture page and sheet, offline, feedback,
# privacy, participant error pages) and the code whose strings they show.
PARTICIPANT_TEMPLATES = (
    "base.html", "_language_switch.html", "_language_choices.html", "error.html",
    "walks/join.html", "walks/join_unavailable.html", "walks/capture.html", "pwa/offline.html",
    "privacy/privacy.html", "privacy/_controller.html", "followup/feedback_base.html",
    "followup/feedback.html", "followup/feedback_gone.html", "followup/svg_map.html",
)
PARTICIPANT_CODE = (
    "walkapp/walks/participation.py", "walkapp/followup/feedback.py",
    # The capture page's API calls (findings, photos, voice notes, a follow-up walk's checks, the
    # CSRF token): their refusals' `message` is what the outbox shows under "needs attention"
    # and the sheet shows on a failed send, so it must be in the participant's language.
    "walkapp/findings/api.py", "walkapp/findings/api_input.py", "walkapp/findings/access.py",
    "walkapp/findings/services.py", "walkapp/findings/audio_api.py", "walkapp/followup/api.py",
    "walkapp/followup/services.py", "walkapp/request_input.py", "walkapp/auth/security.py",
    "walkapp/errors.py",
    # On the same path with no message of their own today (their refusals are codes that
    # api_input.py / audio_api.py word): listed so a message added there is noticed.
    "walkapp/findings/phone_clock.py", "walkapp/findings/images.py", "walkapp/findings/audio.py",
    "walkapp/findings/audio_services.py", "walkapp/walks/participants.py",
)
# Messages of other modules shown on participant pages (role names, error pages).
PARTICIPANT_EXTRA = (
    "Resident", "Estate board", "Housing organisation", "Operations (driftsafdeling)",
    "Municipality", "Police", "Coordinator", "Other",
    # The join page's anonymous profile (walkapp/labels.py AGE_BAND_LABELS, GENDER_LABELS).
    "Under 18", "18–39", "40–64", "65+", "Woman", "Man", "I would rather not say",
    "The request could not be understood.", "You must log in.", "You do not have access to this.",
    "The page was not found.", "This action is not allowed here.", "The file is too large.",
    "This file type is not supported.",
    # The standard categories' names (walkapp.labels.CATEGORY_LABELS) on the capture sheet.
    "Lighting", "Graffiti", "Vandalism", "Vegetation", "Hidden corners / sight lines",
    "Access / basement", "Litter", "Traffic", "Stairwells and entrances", "Signs and wayfinding",
    "Paths, paving and getting through", "Parking", "Bus and train stops",
    "Life and eyes on the street",
    # A follow-up walk's capture page shows each earlier finding's measures with their status
    # (walkapp.labels.MEASURE_STATUS_LABELS, via followup/capture_data.py).
    "Proposed", "Agreed", "Added to the 10-year plan", "In progress", "Done", "Rejected", "Referred",
)
PARTICIPANT_ONLY_LANGUAGES = ("ar", "fa", "ur", "tr", "so", "pl", "uk")


INCLUDE = re.compile(r"""{%-?\s*(?:include|from|import)\s+["']([^"']+)["']""")


def participant_templates() -> list[str]:
    """PARTICIPANT_TEMPLATES and every template they include or import, transitively: a partial
    added to the capture sheet is a participant page's text too."""
    found: list[str] = []
    todo = list(PARTICIPANT_TEMPLATES)
    while todo:
        name = todo.pop(0)
        if name in found:
            continue
        found.append(name)
        todo += INCLUDE.findall((ROOT / "templates" / name).read_text(encoding="utf-8"))
    return found


def participant_msgids() -> list[str]:
    """Every msgid a participant page can show, sorted."""
    msgids: set[str] = set(PARTICIPANT_EXTRA)
    sources = [(ROOT / "templates" / name, "jinja2.ext:babel_extract") for name in participant_templates()]
    sources += [(ROOT / name, "python") for name in PARTICIPANT_CODE]
    for path, method in sources:
        for _lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS):
            msgids.add(message[0] if isinstance(message, tuple) else message)
    return sorted(msgids)


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(language: str) -> Catalog:
    with open(po_path(language), "rb") as handle:
        return read_po(handle, locale=language)


def write_draft(language: str, table: dict[str, str]) -> None:
    """Write (or rewrite) a language's .po from {msgid: translation}, marked as a draft."""
    catalog = Catalog(locale=language, project="walkapp", charset="utf-8", fuzzy=False,
                      last_translator="Draft, not yet reviewed by a native speaker")
    catalog.header_comment = (
        f"# Draft {language} translation of walkapp's participant pages, written without a\n"
        "# native speaker. Review: see README, \"Participant languages\"."
    )
    for msgid in sorted(table):
        catalog.add(msgid, table[msgid])
    po_path(language).parent.mkdir(parents=True, exist_ok=True)
    with open(po_path(language), "wb") as handle:
        write_po(handle, catalog, width=100, no_location=True)


if __name__ == "__main__":
    wanted = participant_msgids()
    gaps = 0
    for language in PARTICIPANT_ONLY_LANGUAGES:
        have = read_catalogue(language) if po_path(language).exists() else Catalog()
        for msgid in wanted:
            entry = have.get(msgid)
            if not (entry and entry.string):
                gaps += 1
                print(f"{language}\t{msgid}")
    sys.exit(1 if gaps else 0)
