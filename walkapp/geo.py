"""Coordinate helpers, the one place that knows GeoJSON is [lon, lat] and Leaflet [lat, lon].

Pure module: no Flask imports."""
from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8


def valid_lat_lon(lat: float, lon: float) -> bool:
    """True for finite WGS84 coordinates."""
    return (
        isinstance(lat, int | float) and isinstance(lon, int | float)
        and not isinstance(lat, bool) and not isinstance(lon, bool)
        and math.isfinite(lat) and math.isfinite(lon)
        and -90 <= lat <= 90 and -180 <= lon <= 180
    )


def to_geojson_position(lat: float, lon: float) -> list[float]:
    """[lat, lon] (Leaflet, folium, our columns) → GeoJSON [lon, lat]."""
    return [lon, lat]


def from_geojson_position(position: Sequence[float]) -> tuple[float, float]:
    """GeoJSON [lon, lat, (alt)] → (lat, lon)."""
    return position[1], position[0]


def to_leaflet_path(line_coordinates: Sequence[Sequence[float]]) -> list[list[float]]:
    """GeoJSON LineString coordinates → Leaflet/folium [[lat, lon], …]."""
    return [[p[1], p[0]] for p in line_coordinates]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for 25 m near-duplicate checks)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _point_in_ring(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting on a GeoJSON ring ([lon, lat] positions)."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(lat: float, lon: float, polygon: dict | None) -> bool:
    """True when (lat, lon) lies inside a GeoJSON Polygon (outer ring minus holes)."""
    if not polygon or polygon.get("type") != "Polygon" or not polygon.get("coordinates"):
        return False
    outer, *holes = polygon["coordinates"]
    return _point_in_ring(lat, lon, outer) and not any(_point_in_ring(lat, lon, h) for h in holes)


def project_onto_line(
    lat: float, lon: float, line_coordinates: Sequence[Sequence[float]]
) -> tuple[float, float]:
    """(metres along the line to the nearest point on it, metres from the point to the line)
    for a GeoJSON LineString's [lon, lat] positions.

    A local flat projection around the line's first position: a walk's route spans a few
    kilometres, where it is off from the great circle by far less than a GPS fix."""
    if not line_coordinates:
        raise ValueError("a line needs at least one position")
    lat0 = math.radians(line_coordinates[0][1])
    metres_per_degree = math.radians(1) * EARTH_RADIUS_M

    def flat(p_lat: float, p_lon: float) -> tuple[float, float]:
        return p_lon * metres_per_degree * math.cos(lat0), p_lat * metres_per_degree

    px, py = flat(lat, lon)
    points = [flat(p[1], p[0]) for p in line_coordinates]
    if len(points) == 1:
        return 0.0, math.hypot(px - points[0][0], py - points[0][1])
    best_along, best_off = 0.0, math.inf
    walked = 0.0
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        # Where along this segment (0…1) the perpendicular from the point lands.
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length**2))
        off = math.hypot(px - (ax + t * dx), py - (ay + t * dy))
        if off < best_off:
            best_along, best_off = walked + t * length, off
        walked += length
    return best_along, best_off
