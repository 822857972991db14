"""Organisation and estate services: plain functions that flush, never commit."""
from __future__ import annotations

import json

from sqlalchemy import func

from walkapp.extensions import db
from walkapp.orgs.areas import area_for_new
from walkapp.orgs.models import Area, Estate, Organisation


def organisation_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """True when another organisation has this name (ignoring case and outer spaces)."""
    query = db.select(Organisation.id).where(func.lower(Organisation.name) == name.strip().lower())
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


def create_organisation(name: str, org_type: str) -> Organisation:
    """Add an organisation."""
    organisation = Organisation(name=name.strip(), type=org_type)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, name: str, org_type: str) -> Organisation:
    """Rename an organisation or change its type."""
    organisation.name = name.strip()
    organisation.type = org_type
    db.session.flush()
    return organisation


def list_estates(organisation_id: int | None = None) -> list[Estate]:
    """Estates by organisation and name, optionally of one organisation only."""
    query = (
        db.select(Estate)
        .join(Estate.organisation)
        .order_by(func.lower(Organisation.name), func.lower(Estate.name))
    )
    if organisation_id is not None:
        query = query.where(Estate.organisation_id == organisation_id)
    return list(db.session.execute(query).scalars())


def estate_name_taken(name: str, organisation_id: int, exclude_id: int | None = None) -> bool:
    """True when the organisation already has another estate of this name (ignoring case)."""
    query = db.select(Estate.id).where(
        Estate.organisation_id == organisation_id,
        func.lower(Estate.name) == name.strip().lower(),
    )
    if exclude_id is not None:
        query = query.where(Estate.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


def create_estate(
    name: str, organisation: Organisation, boundary: dict | None, area: Area | None = None
) -> Estate:
    """Add an estate to the area (default: the asker's only one); the boundary is an already
    validated GeoJSON Polygon or None."""
    estate = Estate(name=name.strip(), organisation=organisation, boundary=boundary,
                    area=area or area_for_new())
    db.session.add(estate)
    db.session.flush()
    return estate


def update_estate(
    estate: Estate, name: str, organisation: Organisation, boundary: dict | None
) -> Estate:
    """Change an estate's name, organisation and boundary (validated Polygon or None)."""
    estate.name = name.strip()
    estate.organisation = organisation
    estate.boundary = boundary
    db.session.flush()
    return estate


def boundary_json(boundary: dict | None) -> str:
    """A stored boundary as the JSON text the map editor reads ("" for none)."""
    return json.dumps(boundary, separators=(",", ":")) if boundary else ""

