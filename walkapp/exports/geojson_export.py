"""GeoJSON (RFC 7946) export of a walk's route and findings. Pure module: no Flask imports.

A FeatureCollection whose first feature (when the walk has a route) is the route as a
LineString with properties `{"kind": "route", "walk_id", "title"}`, followed by one Point
feature per finding in route order (walkapp/findings/route_order.py), coordinates
`[lon, lat]`, with properties:

- `kind`: `"finding"`
- `id`: the finding's UUID
- `number`: the finding's number on its walk (the same on every map and list of the walk)
- `along_route_m`, `off_route_m`: metres along the route to its nearest point, and from it
  (null without a route; over 50 m off is a detour, listed after the others)
- `category`: the stable category code; `category_name`: its name in the chosen language
- `rating`: 0–3 (0 = very unsafe … 3 = safe) or null
- `description`: the text as written
- `observed_at`: ISO 8601 with the Copenhagen offset, e.g. `2026-11-29T19:30:00+01:00`
- `finding_kind`: `problem`, or `good` for a good place ("Godt sted")
- `marker-color`: the finding's colour on the follow-up map (simplestyle; good places green)
- `state`: `new`, `triaged`, `duplicate`, `dismissed` or `parked`
- `follow_up_status`: the summary status used to colour the follow-up map: `dismissed`,
  `duplicate`, `good`, `none`, a measure status, or `closed` (exports.queries.follow_up_status)
- `dismiss_reason`: why a dismissed finding was dismissed, else null
- `duplicate_of`: the UUID of the finding a duplicate repeats, else null;
  `duplicate_of_number`: that finding's number on the walk (null on another walk)
- `measures`: list of `{id, title, status, responsible, due_on}` (`due_on` ISO date or null)
- `photos`: URLs of the visible photos (hidden photos are never listed)

Participant names are never included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from walkapp.dates import to_local
from walkapp.exports.folium_map import STATUS_COLOURS
from walkapp.exports.queries import ExportFinding, follow_up_status
from walkapp.geo import to_geojson_position


def iso8601(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in Copenhagen time with its offset (seconds precision);
    in UTC for the last hours of year 9999, which have no Copenhagen time."""
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds")


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def measure_properties(measure: Any) -> dict[str, Any]:
    """The measure fields every export shares."""
    return {
        "id": measure.id,
        "title": measure.title,
        "status": measure.status,
        "responsible": measure.responsible_org.name if measure.responsible_org else None,
        "due_on": iso_date(measure.due_on),
    }


def finding_feature(
    item: ExportFinding, locale: str = "da", photo_url: Callable[[Any], str] | None = None
) -> dict[str, Any]:
    """One finding as a GeoJSON Point feature."""
    finding = item.finding
    status = follow_up_status(item)
    return {
        "type": "Feature",
        "id": str(finding.id),
        "geometry": {"type": "Point", "coordinates": to_geojson_position(finding.lat, finding.lon)},
        "properties": {
            "kind": "finding",
            "id": str(finding.id),
            "number": item.number,
            "along_route_m": item.along_route_m,
            "off_route_m": item.off_route_m,
            "category": finding.category.code,
            "category_name": finding.category.name(locale),
            "rating": finding.rating,
            "description": finding.description,
            "observed_at": iso8601(finding.observed_at),
            "finding_kind": finding.kind,
            "marker-color": STATUS_COLOURS[status],
            "state": finding.state,
            "follow_up_status": status,
            "dismiss_reason": (finding.dismiss_reason or None) if finding.state == "dismissed" else None,
            "duplicate_of": str(finding.duplicate_of_id) if finding.state == "duplicate" and finding.duplicate_of_id else None,
            "duplicate_of_number": item.original_number if finding.state == "duplicate" else None,
            "measures": [measure_properties(m) for m in item.measures],
            "photos": [photo_url(p) for p in item.photos] if photo_url else [],
        },
    }


def route_feature(walk: Any) -> dict[str, Any] | None:
    """The walk's route as a LineString feature, or None without a route."""
    route = walk.route
    if not route or route.get("type") != "LineString" or len(route.get("coordinates") or []) < 2:
        return None
    return {
        "type": "Feature",
        "id": f"route-{walk.id}",
        "geometry": {"type": "LineString", "coordinates": [list(p[:2]) for p in route["coordinates"]]},
        "properties": {"kind": "route", "walk_id": walk.id, "title": walk.title},
    }


def feature_collection(
    items: Iterable[ExportFinding],
    walk: Any | None = None,
    locale: str = "da",
    photo_url: Callable[[Any], str] | None = None,
) -> dict[str, Any]:
    """Route (if any) plus findings as a FeatureCollection."""
    features: list[dict[str, Any]] = []
    if walk is not None and (route := route_feature(walk)) is not None:
        features.append(route)
    features.extend(finding_feature(item, locale, photo_url) for item in items)
    return {"type": "FeatureCollection", "features": features}
