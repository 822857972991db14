"""Walks JSON API: create/show/list, authentication and CSRF, and every bad input → 400 with
a stable code and nothing stored."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.capture_api_helpers import bearer
from tests.conftest import DEMO_ROUTE, csrf_token, login
from tests.walk_helpers import gpx_with_points, walk_count, walk_row
from walkapp.extensions import db


def body(**overrides) -> dict:
    data = {
        "kind": "walk",
        "title": "Tryghedsvandring Holmbladsgade",
        "starts_at": "2030-11-26T18:30:00+01:00",
        "meeting_point": "Ved vaskeriet",
        "route": DEMO_ROUTE,
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_token(app, make_user):
    """A bearer token for a plain staff user (may read, may not plan)."""
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    user = make_user("drift@example.org", "staff", organisation="DAB")
    with app.app_context():
        token = issue_token(db.session.get(User, user["id"]))
        db.session.commit()
    return token


@pytest.fixture
def estate_id(make_estate):
    """An estate named "Urbanplanen" (committed)."""
    return make_estate("Urbanplanen", "fsb")


# ---------------------------------------------------------------- happy path


def test_create_walk_returns_201_with_join_code_and_link(app, client, api_token, estate_id):
    response = client.post("/api/v1/walks", json=body(estates=["Urbanplanen"], follow_up_on="2031-05-20",
                                                      notes="Husk lygter"), headers=bearer(api_token))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["title"] == "Tryghedsvandring Holmbladsgade"
    assert data["kind"] == "walk" and data["status"] == "planned"
    assert data["starts_at"] == "2030-11-26T17:30:00+00:00"
    assert data["route"] == DEMO_ROUTE
    assert len(data["join_code"]) == 13
    assert data["join_url"] == f"http://localhost/j/{data['join_code']}"
    assert data["url"] == f"http://localhost/walks/{data['id']}"
    assert data["estates"] == [{"id": estate_id, "name": "Urbanplanen"}]
    assert data["follow_up_on"] == "2031-05-20"
    assert response.headers["Location"].endswith(f"/api/v1/walks/{data['id']}")
    stored = walk_row(app, data["id"])
    assert stored["join_code"] == data["join_code"] and stored["notes"] == "Husk lygter"


def test_naive_start_time_means_copenhagen_time(app, client, api_token):
    response = client.post("/api/v1/walks", json=body(starts_at="2030-07-01T19:00"), headers=bearer(api_token))
    assert response.status_code == 201
    # July: Copenhagen is UTC+2.
    assert walk_row(app, response.get_json()["id"])["starts_at"] == datetime(2030, 7, 1, 17, 0, tzinfo=UTC)


def test_zulu_time_and_estate_by_id_and_null_route(app, client, api_token, estate_id):
    response = client.post("/api/v1/walks", json=body(starts_at="2030-11-26T17:30:00Z", route=None,
                                                      estates=[estate_id], kind="inspection"),
                           headers=bearer(api_token))
    assert response.status_code == 201
    data = response.get_json()
    assert data["route"] is None and data["kind"] == "inspection"
    assert data["estates"][0]["id"] == estate_id


def test_route_may_be_sent_as_a_feature(app, client, api_token):
    feature = {"type": "Feature", "properties": {}, "geometry": DEMO_ROUTE}
    response = client.post("/api/v1/walks", json=body(route=feature), headers=bearer(api_token))
    assert response.status_code == 201
    assert response.get_json()["route"] == DEMO_ROUTE


def test_get_walk_has_counts(app, client, api_token, make_walk, make_finding):
    from walkapp.walks.models import Participant

    walk = make_walk()
    make_finding(walk["id"])
    make_finding(walk["id"], "graffiti")
    with app.app_context():
        db.session.add(Participant(walk_id=walk["id"], display_name="Aisha", role="resident"))
        db.session.commit()
    response = client.get(f"/api/v1/walks/{walk['id']}", headers=bearer(api_token))
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == walk["id"] and data["join_code"] == walk["join_code"]
    assert data["participant_count"] == 1 and data["finding_count"] == 2
    assert data["route"] == DEMO_ROUTE


def test_get_unknown_walk_is_404_json(client, api_token):
    response = client.get("/api/v1/walks/4040", headers=bearer(api_token))
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_list_walks(client, api_token, make_walk, staff_token):
    first = make_walk(title="Første", starts_at=datetime(2030, 1, 1, 17, 0, tzinfo=UTC))
    second = make_walk(title="Anden", starts_at=datetime(2030, 2, 1, 17, 0, tzinfo=UTC))
    response = client.get("/api/v1/walks", headers=bearer(staff_token))
    assert response.status_code == 200
    walks = response.get_json()["walks"]
    assert [w["id"] for w in walks] == [second["id"], first["id"]]
    assert all("join_url" in w and "finding_count" in w for w in walks)


# ---------------------------------------------------------------- access


def test_without_auth_is_401_json(client, make_walk):
    walk = make_walk()
    for method, path in (("post", "/api/v1/walks"), ("get", "/api/v1/walks"), ("get", f"/api/v1/walks/{walk['id']}")):
        response = getattr(client, method)(path, json=body() if method == "post" else None)
        assert response.status_code in (400, 401)
        # A POST without a session fails on CSRF or auth; either way it is JSON and stores nothing.
        assert response.is_json
    assert client.get("/api/v1/walks").status_code == 401
    assert client.get("/api/v1/walks").get_json()["error"] == "unauthorized"


def test_unknown_token_is_401(client):
    response = client.post("/api/v1/walks", json=body(), headers=bearer("wk_not-a-token"))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_plain_staff_cannot_create(app, client, staff_token):
    response = client.post("/api/v1/walks", json=body(), headers=bearer(staff_token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert walk_count(app) == 0


def test_cookie_post_needs_csrf_header(app, client, coordinator):
    assert login(client, coordinator["email"]).status_code == 302
    response = client.post("/api/v1/walks", json=body())
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"
    assert walk_count(app) == 0
    response = client.post("/api/v1/walks", json=body(), headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201
    assert walk_count(app) == 1


def test_bearer_post_needs_no_csrf(app, client, api_token):
    assert client.post("/api/v1/walks", json=body(), headers=bearer(api_token)).status_code == 201


# ---------------------------------------------------------------- bad input


def line(points: int) -> dict:
    return {"type": "LineString", "coordinates": [[12.6 + i * 1e-6, 55.66] for i in range(points)]}


BAD_BODIES = [
    ("kind", body(kind="party"), "invalid_kind"),
    ("title missing", {k: v for k, v in body().items() if k != "title"}, "invalid_title"),
    ("title blank", body(title="   "), "invalid_title"),
    ("title not text", body(title=42), "invalid_title"),
    ("title too long", body(title="x" * 201), "invalid_title"),
    ("start missing", {k: v for k, v in body().items() if k != "starts_at"}, "invalid_starts_at"),
    ("start garbage", body(starts_at="i morgen kl. 18"), "invalid_starts_at"),
    ("start number", body(starts_at=1700000000), "invalid_starts_at"),
    ("start year 1", body(starts_at="0001-01-01T00:00:00"), "invalid_starts_at"),
    ("polygon", body(route={"type": "Polygon", "coordinates": [[[12.6, 55.66], [12.61, 55.66], [12.61, 55.67], [12.6, 55.66]]]}), "wrong_geometry"),
    ("point", body(route={"type": "Point", "coordinates": [12.6, 55.66]}), "wrong_geometry"),
    ("out of range", body(route={"type": "LineString", "coordinates": [[12.6, 55.66], [190.0, 55.66]]}), "coordinates_out_of_range"),
    ("one point", body(route=line(1)), "too_few_points"),
    ("5001 points", body(route=line(5001)), "too_many_points"),
    ("route not geojson", body(route="<gpx/>"), "invalid_route_file"),
    ("estate unknown", body(estates=["Findes ikke"]), "invalid_estate"),
    ("follow-up garbage", body(follow_up_on="20.05.2031"), "invalid_follow_up_on"),
    ("meeting location", body(meeting_lat=95, meeting_lon=12.6), "invalid_meeting_location"),
    ("array body", [body()], "invalid_json"),
]


@pytest.mark.parametrize("case, payload, code", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_body_is_400_with_stable_code_and_nothing_stored(app, client, api_token, case, payload, code):
    response = client.post("/api/v1/walks", json=payload, headers=bearer(api_token))
    assert response.status_code == 400
    data = response.get_json()
    assert data["error"] == code
    assert data["message"]
    assert walk_count(app) == 0


@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"),
    (b"kind=walk&title=x", "application/x-www-form-urlencoded"),
    (b"", "application/json"),
])
def test_body_that_is_not_json_is_invalid_json(app, client, api_token, raw, content_type):
    response = client.post("/api/v1/walks", data=raw, content_type=content_type, headers=bearer(api_token))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert walk_count(app) == 0


def test_body_over_route_size_limit_is_route_too_large(app, client, api_token):
    padding = "x" * (5 * 1024 * 1024)
    response = client.post("/api/v1/walks", json=body(notes=padding), headers=bearer(api_token))
    assert response.status_code == 400
    assert response.get_json()["error"] == "route_too_large"
    assert walk_count(app) == 0


def test_api_refuses_5001_points_but_takes_5000(app, client, api_token):
    assert client.post("/api/v1/walks", json=body(route=line(5001)), headers=bearer(api_token)).status_code == 400
    response = client.post("/api/v1/walks", json=body(route=line(5000)), headers=bearer(api_token))
    assert response.status_code == 201
    assert len(response.get_json()["route"]["coordinates"]) == 5000
    # Sanity check on the helper shared with the file tests: same limits, same code.
    assert b"<trkpt" in gpx_with_points(2)
    assert json.loads(json.dumps(line(2)))["type"] == "LineString"
