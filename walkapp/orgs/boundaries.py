"""Estate boundary validation: GeoJSON text in, a clean GeoJSON Polygon out.

Pure module: no Flask imports. Errors carry a stable code (and parameters); the form layer
turns the code into a translated message, so this module stays free of the UI language."""
from __future__ import annotations

import json
from typing import Any

from walkapp.geo import valid_lat_lon

BOUNDARY_MAX_BYTES = 5 * 1024 * 1024
BOUNDARY_MAX_POINTS = 5000
MIN_DISTINCT_POINTS = 3


class BoundaryError(ValueError):
    """A boundary that cannot be used; `code` is stable, `params` fill the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def _reject_constant(name: str) -> float:
    # json.loads accepts NaN and Infinity by default; they are not valid GeoJSON numbers.
    raise BoundaryError("not_json")


def _load_json(data: bytes | str, max_bytes: int) -> Any:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BoundaryError("too_large", mb=max_bytes // (1024 * 1024))
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, BoundaryError):
            raise
        raise BoundaryError("not_json") from None


def _first_polygon(obj: Any) -> list:
    """Coordinates of the first Polygon (or the first polygon of a MultiPolygon) in obj."""
    if not isinstance(obj, dict):
        raise BoundaryError("no_polygon", found="null" if obj is None else "?")
    kind = obj.get("type")
    if kind == "Polygon":
        return obj.get("coordinates")
    if kind == "MultiPolygon":
        polygons = obj.get("coordinates")
        if isinstance(polygons, list) and polygons:
            return polygons[0]
        raise BoundaryError("bad_coordinates")
    if kind == "Feature":
        return _first_polygon(obj.get("geometry"))
    if kind in ("FeatureCollection", "GeometryCollection"):
        members = obj.get("features" if kind == "FeatureCollection" else "geometries")
        for member in members if isinstance(members, list) else []:
            geometry = member
            if kind == "FeatureCollection":
                geometry = member.get("geometry") if isinstance(member, dict) else None
            if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
                return _first_polygon(geometry)
        raise BoundaryError("no_polygon", found=kind)
    raise BoundaryError("no_polygon", found=str(kind) if kind else "?")


def _clean_ring(ring: Any) -> list[list[float]]:
    """A closed ring of [lon, lat] positions (altitude dropped) with ≥ 3 distinct points."""
    if not isinstance(ring, list):
        raise BoundaryError("bad_coordinates")
    positions: list[list[float]] = []
    for position in ring:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise BoundaryError("bad_coordinates")
        lon, lat = position[0], position[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
            raise BoundaryError("bad_coordinates")
        if not valid_lat_lon(lat, lon):
            raise BoundaryError("out_of_range")
        positions.append([float(lon), float(lat)])
    # Consecutive repeats (a double tap on the map) add nothing to the shape.
    deduped = [p for i, p in enumerate(positions) if i == 0 or p != positions[i - 1]]
    if len({tuple(p) for p in deduped}) < MIN_DISTINCT_POINTS:
        raise BoundaryError("too_few_points", min=MIN_DISTINCT_POINTS)
    if deduped[0] != deduped[-1]:
        deduped.append(list(deduped[0]))
    return deduped


def clean_polygon(coordinates: Any, max_points: int = BOUNDARY_MAX_POINTS) -> dict:
    """Validate Polygon coordinates (outer ring, optional holes) → GeoJSON Polygon geometry."""
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError("bad_coordinates")
    total = sum(len(r) for r in coordinates if isinstance(r, list))
    if total > max_points:
        raise BoundaryError("too_many_points", max=max_points)
    return {"type": "Polygon", "coordinates": [_clean_ring(ring) for ring in coordinates]}


def parse_boundary(
    data: bytes | str,
    max_bytes: int = BOUNDARY_MAX_BYTES,
    max_points: int = BOUNDARY_MAX_POINTS,
) -> dict:
    """GeoJSON text (Polygon, MultiPolygon, Feature or FeatureCollection) → Polygon geometry.

    Raises BoundaryError with one of: too_large, not_json, no_polygon, bad_coordinates,
    out_of_range, too_few_points, too_many_points."""
    return clean_polygon(_first_polygon(_load_json(data, max_bytes)), max_points)
