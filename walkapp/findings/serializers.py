"""JSON and GeoJSON shapes of findings and photos for the capture API."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import geojson

from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.findings.access import Viewer
from walkapp.findings.models import Finding, Photo
from walkapp.findings.photo_urls import photo_url
from walkapp.geo import to_geojson_position
from walkapp.i18n import current_language

# Staff findings get a role in the participants' vocabulary, from the user's organisation.
ORG_TYPE_ROLE = {
    "housing": "housing",
    "municipality": "municipality",
    "police": "police",
    "helhedsplan": "coordinator",
    "other": "other",
}


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def photo_json(photo: Photo, url: Callable[..., str] = photo_url) -> dict[str, Any]:
    """{id, url, thumb_url, width, height} of one photo (`url(photo, thumb=…)` gives its URLs:
    a finding's photo by default, a check's photo from walkapp.followup)."""
    return {
        "id": str(photo.id),
        "url": url(photo),
        "thumb_url": url(photo, thumb=True),
        "width": photo.width,
        "height": photo.height,
    }


def reporter_role(finding: Finding) -> str | None:
    """The participant's role, or for staff findings the role implied by their organisation."""
    if finding.participant is not None:
        return finding.participant.role
    if finding.user_id is not None:
        user = db.session.get(User, finding.user_id)
        if user is not None:
            return ORG_TYPE_ROLE.get(user.organisation.type, "other")
    return None


def finding_json(
    finding: Finding, viewer: Viewer, nearby: list[str] | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The finding as the capture page and the outbox see it; `earlier` lists the findings of
    earlier walks at the same spot (walkapp.measures.recurrence.earlier_with_status)."""
    return {
        "id": str(finding.id),
        "walk_id": finding.walk_id,
        "lat": finding.lat,
        "lon": finding.lon,
        "accuracy_m": finding.accuracy_m,
        "location_source": finding.location_source,
        "kind": finding.kind,
        "location_text": finding.location_text,
        "category": finding.category.code,
        "category_name": finding.category.name(current_language()),
        "rating": finding.rating,
        "description": finding.description,
        # The language the text was written in (a participant language code, or None).
        "language": finding.language,
        "observed_at": iso(finding.observed_at),
        # Set when the phone's clock was not believed (observed_at is then the receive time).
        "phone_observed_at": finding.phone_observed_at,
        "created_at": iso(finding.created_at),
        "state": finding.state,
        "mine": viewer.owns(finding),
        "reporter_role": reporter_role(finding),
        "photos": [
            photo_json(p) for p in finding.photos if viewer.is_staff or not p.hidden
        ],
        "nearby": nearby or [],
        "earlier": earlier or [],
    }


def feature_collection(
    findings: list[Finding], viewer: Viewer, nearby: dict[uuid.UUID, list[str]],
    earlier: dict[uuid.UUID, list[dict[str, Any]]] | None = None,
) -> geojson.FeatureCollection:
    """GeoJSON of a walk's findings: Point [lon, lat], properties = finding JSON minus lat/lon."""
    features = []
    earlier = earlier or {}
    for finding in findings:
        properties = finding_json(finding, viewer, nearby.get(finding.id), earlier.get(finding.id))
        del properties["lat"], properties["lon"]
        features.append(geojson.Feature(
            id=str(finding.id),
            geometry=geojson.Point(to_geojson_position(finding.lat, finding.lon), precision=7),
            properties=properties,
        ))
    return geojson.FeatureCollection(features)
