"""Areas (the tenants) and their member organisations: lookups and the operator's services."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.orgs.area_scope import current_scope
from walkapp.orgs.lookups import by_id_or_name, organisation_in_scope  # noqa: F401 (re-exported)
from walkapp.orgs.models import Area, Organisation, area_memberships


def area_ids_of_organisation(organisation_id: int | None) -> frozenset[int]:
    """The areas an organisation is a member of."""
    if organisation_id is None:
        return frozenset()
    rows = db.session.execute(
        select(area_memberships.c.area_id).where(area_memberships.c.organisation_id == organisation_id)
    ).scalars()
    return frozenset(rows)


def find_area(value) -> Area | None:
    """An area by id or exact name."""
    return by_id_or_name(Area, value)


def area_name_taken(name: str) -> bool:
    """True when an area already has this exact name."""
    return db.session.execute(select(Area.id).where(Area.name == name.strip())).first() is not None


def create_area(name: str) -> Area:
    """A new area; the name must be new (400 `area_exists`) and not blank (`name_required`)."""
    name = (name or "").strip()
    if not name:
        raise ApiError(400, "name_required", _("Give the area a name."))
    if area_name_taken(name):
        raise ApiError(400, "area_exists", _("An area with this name already exists."))
    area = Area(name=name)
    db.session.add(area)
    db.session.flush()
    return area


def add_member(area: Area, organisation: Organisation) -> bool:
    """Make the organisation a member of the area; False when it already was."""
    if organisation in area.organisations:
        return False
    area.organisations.append(organisation)
    db.session.flush()
    return True


def remove_member(area: Area, organisation: Organisation) -> bool:
    """End the organisation's membership; False when it was not a member."""
    if organisation not in area.organisations:
        return False
    area.organisations.remove(organisation)
    db.session.flush()
    return True


def visible_areas() -> list[Area]:
    """The areas the asker may work in (every area outside a request: the CLI)."""
    query = select(Area).order_by(Area.name)
    scope = current_scope()
    if scope is not None:
        query = query.where(Area.id.in_(scope.area_ids))
    return list(db.session.execute(query).scalars())


def area_for_new(value=None) -> Area:
    """The area a new walk, estate or measure goes into: the one given (id or exact name; one
    the asker may not see answers 404 `unknown_area`), else the asker's only area. Several
    areas and none given: 400 `area_required`; none at all: 400 `no_area`."""
    areas = visible_areas()
    if value not in (None, ""):
        area = find_area(value)
        if area is None or area not in areas:
            raise ApiError(404, "unknown_area", _("The area was not found."))
        return area
    if len(areas) == 1:
        return areas[0]
    if not areas:
        raise ApiError(400, "no_area", _("Your organisation is not a member of any area. "
                                          "Ask the operator to add it to one."))
    raise ApiError(400, "area_required", _("Your organisation works in several areas: choose one."))
