"""Organisations and estates by id or exact name: the API and filters accept both (DESIGN §5)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, true

from walkapp.extensions import db
from walkapp.orgs.area_scope import current_scope
from walkapp.orgs.models import Estate, Organisation, area_memberships
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
    """An organisation the asker works with (walkapp.orgs.area_scope), by id or exact name."""
    found = by_id_or_name(Organisation, value, **where)
    if found is None or current_scope() is None:
        return found
    visible = db.session.execute(
        db.select(Organisation.id).where(Organisation.id == found.id, organisation_in_scope())
    ).first()
    return found if visible else None


def organisation_in_scope() -> ColumnElement[bool]:
    """WHERE clause for the organisations the asker works with: the members of their areas
    (every organisation outside a request). Organisations are not filtered by area_scope
    itself, since a finding's reporter stays named after their organisation left the area."""
    scope = current_scope()
    if scope is None:
        return true()
    members = select(area_memberships.c.organisation_id).where(
        area_memberships.c.area_id.in_(scope.area_ids)
    )
    return Organisation.id.in_(members)



def find_estate(value: Any) -> Estate | None:
    """An estate by id or exact (unambiguous) name."""
    return by_id_or_name(Estate, value)
