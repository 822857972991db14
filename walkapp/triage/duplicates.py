"""The bulk "mark as duplicate" choice: which finding is the original, validated as a whole
before anything changes, and the list of possible originals of one walk."""
from __future__ import annotations

import uuid

from flask_babel import gettext as _

from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.labels import short_id

# How many findings of one walk the "Duplicate of" list offers; a walk has a few dozen.
ORIGINAL_CHOICES_LIMIT = 500


def original_choices(walk_id: int, locale: str) -> list[tuple[str, str]]:
    """(id, "short id · category · first 40 chars") of the walk's findings that can be an
    original (not themselves duplicates), oldest first; one statement."""
    rows = db.session.execute(
        db.select(Finding.id, Finding.description, Category.name_da, Category.name_en)
        .join(Category, Category.id == Finding.category_id)
        .where(Finding.walk_id == walk_id, Finding.state != "duplicate")
        .order_by(Finding.observed_at, Finding.created_at, Finding.id)
        .limit(ORIGINAL_CHOICES_LIMIT)
    ).all()
    choices = []
    for fid, description, name_da, name_en in rows:
        text = " ".join((description or "").split())
        label = f"{short_id(fid)} · {name_en if locale == 'en' else name_da}"
        if text:
            label += f" · {text[:40]}{'…' if len(text) > 40 else ''}"
        choices.append((str(fid), label))
    return choices


def resolve_duplicates(findings: list[Finding], choice: str) -> tuple[Finding, list[Finding]]:
    """(original, findings to mark) for the bulk "duplicate" action.

    An empty choice keeps the oldest selected finding as the original and marks the others;
    otherwise `choice` is the id of another finding of the same walk, outside the selection.
    Anything else is refused as a whole (400) before a finding is changed."""
    choice = (choice or "").strip()
    if not choice:
        if len(findings) < 2:
            raise ApiError(400, "duplicate_needs_two", _(
                "Select at least two findings: the oldest is kept as the original, "
                "the others are marked as its duplicates."
            ))
        # observed_at is when it was seen on the walk; created_at and id only break ties.
        ordered_findings = sorted(findings, key=lambda f: (f.observed_at, f.created_at, str(f.id)))
        original, marked = ordered_findings[0], ordered_findings[1:]
    else:
        try:
            original_id = uuid.UUID(choice)
        except ValueError:
            raise ApiError(400, "unknown_original", _("Choose an existing finding as the original.")) from None
        if original_id in {f.id for f in findings}:
            raise ApiError(400, "duplicate_of_self", _(
                "The original cannot be one of the selected findings. Choose \"The oldest selected "
                "finding\" to keep the oldest of them as the original."
            ))
        original = db.session.get(Finding, original_id)
        if original is None:
            raise ApiError(400, "unknown_original", _("Choose an existing finding as the original."))
        if original.walk_id != findings[0].walk_id:
            raise ApiError(400, "original_other_walk", _(
                "The original must belong to the same walk as the selected findings. Nothing was changed."
            ))
        marked = findings
    if original.state == "duplicate":
        raise ApiError(400, "original_is_duplicate", _(
            "Finding %(id)s is itself marked as a duplicate; choose its original instead.",
            id=short_id(original.id),
        ))
    return original, marked
