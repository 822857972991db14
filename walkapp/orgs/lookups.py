"""Organisations and estates by id or exact name: the API and filters accept both (DESIGN §5)."""
from __future__ import annotations

from typing import Any

from walkapp.extensions import db
from walkapp.orgs.models import Estate, Organisation
from walkapp.request_input import ID_MAX


def by_id_or_name(model: type, value: Any, **where: Any) -> Any:
    """The row with this id (a number, or a string of digits) or this exact name.

    Unknown, empty and ambiguous references give None: estate names are unique only within
    one housing organisation, and a guess could attach a measure to the wrong estate. So does
    a number no id column can hold (the database driver would fail on it)."""
    if value is None or isinstance(value, bool):
        return None
    stmt = db.select(model).filter_by(**where)
    if isinstance(value, int):
        if not 0 < value <= ID_MAX:
            return None
        return db.session.execute(stmt.where(model.id == value)).scalar_one_or_none()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # not "²" or "٣": str.isdigit() takes those too
        number = int(text)
        return None if number > ID_MAX else db.session.execute(
            stmt.where(model.id == number)).scalar_one_or_none()
    matches = db.session.execute(stmt.where(model.name == text)).scalars().all()
    return matches[0] if len(matches) == 1 else None


def find_organisation(value: Any, **where: Any) -> Organisation | None:
    """An organisation by id or exact name."""
    return by_id_or_name(Organisation, value, **where)


def find_estate(value: Any) -> Estate | None:
    """An estate by id or exact (unambiguous) name."""
    return by_id_or_name(Estate, value)
