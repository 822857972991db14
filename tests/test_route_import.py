"""Route import from GPX/GeoJSON files: the pure parser, and the walk form refusing each bad
file with an error next to the field while leaving the walk unchanged."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import DEMO_ROUTE, csrf_token
from tests.walk_helpers import form_data, gpx_with_points, walk_count, walk_row
from walkapp.walks.routes import MESSAGES, RouteError, parse_route_file, validate_line

ROUTES = Path(__file__).resolve().parent / "resources" / "routes"
MAX_POINTS = 5000
MAX_BYTES = 5 * 1024 * 1024
FIRST_LINE = [[12.6035, 55.666], [12.6054, 55.6664], [12.6072, 55.6668]]


def resource(name: str) -> bytes:
    return (ROUTES / name).read_bytes()


def oversized_gpx() -> bytes:
    """A well-formed GPX just over 5 MB (padded with a long comment)."""
    body = gpx_with_points(3)
    return body.replace(b"<trk>", b"<!--" + b"x" * (MAX_BYTES + 1 - len(body)) + b"--><trk>", 1)


def parse(name: str, data: bytes | None = None) -> dict:
    return parse_route_file(name, resource(name) if data is None else data, MAX_POINTS, max_bytes=MAX_BYTES)


# ---------------------------------------------------------------- parser: good files


def test_gpx_uses_first_track_with_its_segments_merged():
    assert parse("valid-track.gpx") == {"type": "LineString", "coordinates": FIRST_LINE}


def test_gpx_without_tracks_uses_first_route_in_its_declared_encoding():
    line = parse("valid-route-latin1.gpx")
    assert line["coordinates"] == FIRST_LINE + [[12.608, 55.667]]


def test_geojson_feature_line_drops_altitude():
    assert parse("valid-feature.geojson")["coordinates"] == FIRST_LINE


def test_geojson_feature_collection_uses_first_line_not_points():
    line = parse("valid-collection.geojson")
    assert line["coordinates"] == FIRST_LINE + [[12.609, 55.667]]


def test_multilinestring_uses_first_line():
    data = json.dumps({"type": "MultiLineString", "coordinates": [FIRST_LINE, [[1, 1], [2, 2]]]}).encode()
    assert parse("route.geojson", data)["coordinates"] == FIRST_LINE


def test_demo_route_file_imports():
    data = (Path(__file__).resolve().parent.parent / "walkapp" / "data" / "amagerbro-demo-route.geojson").read_bytes()
    line = parse("amagerbro-demo-route.geojson", data)
    assert len(line["coordinates"]) >= 2
    assert all(12.5 < lon < 12.7 and 55.6 < lat < 55.7 for lon, lat in line["coordinates"])


def test_exactly_5000_points_are_accepted():
    assert len(parse("long.gpx", gpx_with_points(5000))["coordinates"]) == 5000


def test_content_decides_not_the_file_name():
    # Phones rename attachments; a GeoJSON saved as .txt is still a route.
    assert parse("route.txt", resource("valid-feature.geojson"))["coordinates"] == FIRST_LINE


# ---------------------------------------------------------------- parser: bad files


BAD_FILES = [
    ("photo.png", None, "unsupported_route_format"),
    ("notes.txt", None, "unsupported_route_format"),
    ("kml-route.kml", None, "unsupported_route_format"),
    ("broken.gpx", None, "invalid_route_file"),
    ("billion-laughs.gpx", None, "xml_forbidden"),
    ("external-entity.gpx", None, "xml_forbidden"),
    ("polygon.geojson", None, "wrong_geometry"),
    ("point.geojson", None, "wrong_geometry"),
    ("out-of-range.geojson", None, "coordinates_out_of_range"),
    ("out-of-range.gpx", None, "coordinates_out_of_range"),
    ("one-point.gpx", None, "too_few_points"),
    ("one-point.geojson", None, "too_few_points"),
    ("5001-points.gpx", gpx_with_points(5001), "too_many_points"),
    ("huge.gpx", oversized_gpx(), "route_too_large"),
]


@pytest.mark.parametrize("name, data, code", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_route_file_is_refused_with_stable_code(name, data, code):
    with pytest.raises(RouteError) as caught:
        parse(name, data)
    assert caught.value.code == code
    assert caught.value.message == MESSAGES[code]


def test_size_is_checked_before_parsing():
    # Garbage over the limit is "too large", not "invalid": nothing was parsed.
    with pytest.raises(RouteError) as caught:
        parse_route_file("x.gpx", b"<" * (MAX_BYTES + 1), MAX_POINTS, max_bytes=MAX_BYTES)
    assert caught.value.code == "route_too_large"
    assert caught.value.params == {"max_mb": "5"}


@pytest.mark.parametrize("geometry, code", [
    (None, "invalid_route_file"),
    ([[12.6, 55.6], [12.7, 55.7]], "invalid_route_file"),
    ({"type": "LineString"}, "invalid_route_file"),
    ({"type": "LineString", "coordinates": [[True, 55.6], [12.7, 55.7]]}, "invalid_route_file"),
    ({"type": "LineString", "coordinates": [[12.6], [12.7, 55.7]]}, "invalid_route_file"),
    ({"type": "LineString", "coordinates": [[float("nan"), 55.6], [12.7, 55.7]]}, "coordinates_out_of_range"),
    ({"type": "LineString", "coordinates": [[-180.5, 55.6], [12.7, 55.7]]}, "coordinates_out_of_range"),
    ({"type": "LineString", "coordinates": []}, "too_few_points"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "wrong_geometry"),
])
def test_validate_line_refuses_bad_geometry(geometry, code):
    with pytest.raises(RouteError) as caught:
        validate_line(geometry, MAX_POINTS)
    assert caught.value.code == code


def test_validate_line_keeps_valid_line_and_limits_points():
    assert validate_line(DEMO_ROUTE, MAX_POINTS) == DEMO_ROUTE
    with pytest.raises(RouteError) as caught:
        validate_line(DEMO_ROUTE, 2)
    assert caught.value.code == "too_many_points" and caught.value.params == {"max_points": 2}


# ---------------------------------------------------------------- through the walk form


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def post_upload(client, url: str, data: dict):
    """POST a multipart form with a CSRF token. The body is encoded in memory: the test
    client would spool a 5 MB upload to a temporary file and never close it."""
    boundary, body = encode_multipart({**data, "csrf_token": csrf_token(client)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def translated(app, code: str, **params) -> str:
    """The route error as the (Danish by default) page shows it, HTML-escaped."""
    from flask_babel import gettext
    from markupsafe import escape

    with app.test_request_context("/"):
        defaults = {"route_too_large": {"max_mb": "5"}, "too_many_points": {"max_points": 5000}}
        return str(escape(gettext(MESSAGES[code], **defaults.get(code, params))))


@pytest.mark.parametrize("name, data, code", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_on_edit_shows_error_next_to_field_and_keeps_walk(app, logged_in, make_walk, name, data, code):
    walk = make_walk(status="planned")
    before = walk_row(app, walk["id"])
    payload = form_data(title="Skulle ikke gemmes", route_file=upload(data if data is not None else resource(name), name))
    response = post_upload(logged_in, f"/walks/{walk['id']}/edit", payload)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error_at = page.index('id="route_file-error"')
    # The message sits in the route file field's own block, right after the input.
    field_block = page[page.rindex('<div class="field', 0, error_at):error_at + 400]
    assert 'name="route_file"' in field_block
    assert translated(app, code) in field_block
    assert walk_row(app, walk["id"]) == before


@pytest.mark.parametrize("name, code", [("billion-laughs.gpx", "xml_forbidden"), ("polygon.geojson", "wrong_geometry")])
def test_bad_file_on_new_walk_stores_nothing(app, logged_in, name, code):
    response = post_upload(logged_in, "/walks/new", form_data(route_file=upload(resource(name), name)))
    assert response.status_code == 400
    assert translated(app, code) in response.get_data(as_text=True)
    assert walk_count(app) == 0


def test_valid_file_replaces_the_drawn_route(app, logged_in, make_walk):
    walk = make_walk(status="planned", route=DEMO_ROUTE)
    drawn = json.dumps({"type": "LineString", "coordinates": [[12.0, 55.0], [12.1, 55.1]]})
    response = post_upload(logged_in, f"/walks/{walk['id']}/edit",
                         form_data(route=drawn, route_file=upload(resource("valid-track.gpx"), "valid-track.gpx")))
    assert response.status_code == 302
    assert walk_row(app, walk["id"])["route"] == {"type": "LineString", "coordinates": FIRST_LINE}


def test_valid_file_on_new_walk_sets_route(app, logged_in):
    response = post_upload(logged_in, "/walks/new",
                         form_data(route="", route_file=upload(resource("valid-collection.geojson"), "rute.geojson")))
    assert response.status_code == 302
    walk_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert walk_row(app, walk_id)["route"]["coordinates"][0] == FIRST_LINE[0]


def test_route_error_messages_are_danish_by_default(app):
    # Needs the lead's compiled catalogue (msgids from walkapp/walks/routes.py, marked with N_).
    untranslated = [code for code in MESSAGES if translated(app, code) == str(MESSAGES[code] % {
        "max_mb": "5", "max_points": 5000})]
    assert not untranslated, f"route errors without a Danish translation: {untranslated}"
