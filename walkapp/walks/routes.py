"""Route files (GPX, GeoJSON) and drawn routes → a validated GeoJSON LineString.

Pure module: no Flask imports. Errors carry a stable code (API) and an English msgid that
the caller translates (UI); the msgids are marked with N_ so Babel extracts them."""
from __future__ import annotations

import json
import math
import re
from typing import Any

import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


# Stable error codes (API `error` values) and their English msgids (translated in the UI).
MESSAGES: dict[str, str] = {
    "route_too_large": N_("The route file is too large (at most %(max_mb)s MB)."),
    "unsupported_route_format": N_("The route file must be a GPX or GeoJSON file."),
    "invalid_route_file": N_("The route file could not be read. Check that it is a valid GPX or GeoJSON file."),
    "xml_forbidden": N_("The route file contains XML declarations that are not allowed (DTD or entities)."),
    "wrong_geometry": N_("The route must be a line (LineString or GPX track); the file contains another kind of geometry."),
    "coordinates_out_of_range": N_("The route has coordinates outside the valid range (latitude −90 to 90, longitude −180 to 180)."),
    "too_few_points": N_("The route must have at least 2 points."),
    "too_many_points": N_("The route has too many points (at most %(max_points)s)."),
}

# Seven decimals ≈ 1 cm: more precision only bloats the stored JSON.
PRECISION = 7


class RouteError(ValueError):
    """A route that cannot be used; `code` is stable, `message` an untranslated msgid."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.message = MESSAGES[code]
        self.params = params
        super().__init__(code)


def too_large(max_bytes: int) -> RouteError:
    """The error for a route file (or API body) over the size limit."""
    return RouteError("route_too_large", max_mb=_megabytes(max_bytes))


def parse_route_file(filename: str, data: bytes, max_points: int, max_bytes: int | None = None) -> dict:
    """A GPX or GeoJSON file's first track/line as a validated GeoJSON LineString geometry."""
    if max_bytes is not None and len(data) > max_bytes:
        raise too_large(max_bytes)
    kind = _sniff(filename, data)
    if kind == "gpx":
        geometry = _line_from_gpx(data)
    else:
        geometry = extract_line(_load_json(data))
    return validate_line(geometry, max_points)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def _sniff(filename: str, data: bytes) -> str:
    """Decide by content, not by the name: phones and mail programs rename files freely."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "gpx"
    if head.startswith((b"{", b"[")):
        return "geojson"
    raise RouteError("unsupported_route_format")


# ---------------------------------------------------------------- GPX

_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _decode_xml(data: bytes) -> str:
    """gpxpy wants text; honour the declared encoding (old Garmin files use ISO-8859-1)."""
    match = _XML_ENCODING.match(data.lstrip(b"\xef\xbb\xbf"))
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        text = data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except (LookupError, UnicodeDecodeError):
        raise RouteError("invalid_route_file") from None
    # The declaration would now lie about the (already decoded) text; ElementTree rejects that.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _line_from_gpx(data: bytes) -> dict:
    # defusedxml first: it refuses DTDs and entity declarations (billion laughs, external
    # entities) before anything expands them; only then does gpxpy see the document.
    try:
        root = defused_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise RouteError("xml_forbidden") from None
    except (ParseError, ValueError, RecursionError):
        raise RouteError("invalid_route_file") from None
    if root.tag.rsplit("}", 1)[-1].lower() != "gpx":
        raise RouteError("unsupported_route_format")
    try:
        gpx = gpxpy.parse(_decode_xml(data))
    except (gpxpy.gpx.GPXException, ValueError, TypeError):
        raise RouteError("invalid_route_file") from None

    for track in gpx.tracks:
        # Segments are GPS pauses within one walk, so the first track's segments form one line.
        points = [p for segment in track.segments for p in segment.points]
        if points:
            return _line(points)
    for route in gpx.routes:
        if route.points:
            return _line(route.points)
    if gpx.waypoints:
        raise RouteError("wrong_geometry")
    raise RouteError("too_few_points")


def _line(points: list) -> dict:
    return {"type": "LineString", "coordinates": [[p.longitude, p.latitude] for p in points]}


# ---------------------------------------------------------------- GeoJSON


def _load_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RouteError("unsupported_route_format") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise RouteError("invalid_route_file") from None


GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
     "GeometryCollection"}
)


def extract_line(obj: Any) -> dict:
    """The first LineString in a GeoJSON geometry, Feature or FeatureCollection."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise RouteError("invalid_route_file")
    found = _first_line(obj, depth=0)
    if found is None:
        raise RouteError("wrong_geometry")
    return found


def _first_line(obj: Any, depth: int) -> dict | None:
    if not isinstance(obj, dict) or depth > 4:
        return None
    kind = obj.get("type")
    if kind == "LineString":
        return obj
    if kind == "MultiLineString":
        lines = obj.get("coordinates")
        if not isinstance(lines, list) or not lines:
            raise RouteError("invalid_route_file")
        return {"type": "LineString", "coordinates": lines[0]}
    if kind == "Feature":
        return _first_line(obj.get("geometry"), depth + 1)
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise RouteError("invalid_route_file")
        return _first_of(features, depth)
    if kind == "GeometryCollection":
        geometries = obj.get("geometries")
        if not isinstance(geometries, list):
            raise RouteError("invalid_route_file")
        return _first_of(geometries, depth)
    if kind in GEOMETRY_TYPES:
        return None
    raise RouteError("invalid_route_file")


def _first_of(items: list, depth: int) -> dict | None:
    for item in items:
        line = _first_line(item, depth + 1)
        if line is not None:
            return line
    return None


# ---------------------------------------------------------------- validation


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_line(geometry: Any, max_points: int) -> dict:
    """A clean {"type": "LineString", "coordinates": [[lon, lat], …]} or RouteError."""
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise RouteError("invalid_route_file")
    if geometry["type"] != "LineString":
        raise RouteError("wrong_geometry")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise RouteError("invalid_route_file")
    # Count first: a huge list is refused without walking through it.
    if len(coordinates) > max_points:
        raise RouteError("too_many_points", max_points=max_points)
    if len(coordinates) < 2:
        raise RouteError("too_few_points")
    clean: list[list[float]] = []
    for position in coordinates:
        if (
            not isinstance(position, list | tuple)
            or not 2 <= len(position) <= 4
            or not all(_is_number(v) for v in position)
        ):
            raise RouteError("invalid_route_file")
        lon, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise RouteError("coordinates_out_of_range")
        clean.append([round(lon, PRECISION), round(lat, PRECISION)])
    return {"type": "LineString", "coordinates": clean}
