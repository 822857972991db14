"""Capture API: findings posted from phones (idempotent on the phone's id), edits, access."""
from __future__ import annotations

import threading
import uuid

import pytest

from tests.capture_api_helpers import (
    NEAR_LAT,
    NEAR_LON,
    bearer,
    close_walk,
    finding_payload,
    findings_url,
    send,
    stored,
    stored_findings,
)
from tests.conftest import join_walk
from walkapp.extensions import db
from walkapp.findings.models import FindingChange
from walkapp.orgs.models import Estate
from walkapp.walks.models import Walk

# ---------------------------------------------------------------- create


def test_participant_posts_a_finding(app, participant, walk):
    payload = finding_payload()
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == payload["id"]
    assert body["walk_id"] == walk["id"]
    assert (body["lat"], body["lon"]) == (NEAR_LAT, NEAR_LON)
    assert body["category"] == "lighting" and body["category_name"]
    assert body["rating"] == 1 and body["accuracy_m"] == 8.5
    assert body["description"] == "Mørk sti bag blok 3"
    assert body["mine"] is True and body["reporter_role"] == "resident"
    assert body["state"] == "new" and body["photos"] == [] and body["nearby"] == []
    assert body["observed_at"].startswith("2026-11-24T18:42:10.123")
    row = stored(app, payload["id"])
    assert row.participant_id is not None and row.user_id is None


def test_same_finding_twice_is_stored_once_and_answered_the_same(app, participant, walk):
    payload = finding_payload()
    first = send(participant, "POST", findings_url(walk["id"]), payload)
    second = send(participant, "POST", findings_url(walk["id"]), payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json() == first.get_json()
    assert len(stored_findings(app, walk["id"])) == 1


def test_observed_at_in_another_offset_is_the_same_instant(app, participant, walk):
    payload = finding_payload(observed_at="2026-11-24T19:42:10+01:00")
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    payload["observed_at"] = "2026-11-24T18:42:10Z"
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 200


def test_same_id_with_other_content_is_409_and_the_row_unchanged(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    changed = dict(payload, description="Noget helt andet", rating=3)
    response = send(participant, "POST", findings_url(walk["id"]), changed)
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    row = stored(app, payload["id"])
    assert row.description == "Mørk sti bag blok 3" and row.rating == 1


def test_id_already_used_on_another_walk_is_409(app, make_walk, api_token):
    walk_a, walk_b = make_walk(title="A"), make_walk(title="B")
    client = app.test_client()
    payload = finding_payload()
    assert client.post(findings_url(walk_a["id"]), json=payload, headers=bearer(api_token)).status_code == 201
    response = client.post(findings_url(walk_b["id"]), json=payload, headers=bearer(api_token))
    assert response.status_code == 409
    assert stored(app, payload["id"]).walk_id == walk_a["id"]


def test_sixteen_concurrent_posts_of_one_finding_store_one_row(app, walk, api_token):
    payload = finding_payload()
    barrier = threading.Barrier(16)
    results: list = []
    errors: list = []

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        try:
            response = client.post(findings_url(walk["id"]), json=payload, headers=bearer(api_token))
            results.append((response.status_code, response.get_json()))
        except Exception as exc:  # a 500 or "database is locked" would surface here in TESTING
            errors.append(repr(exc))

    threads = [threading.Thread(target=post) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 15 + [201]
    assert all(body["id"] == payload["id"] for _, body in results)
    assert len(stored_findings(app, walk["id"])) == 1


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"id": None}, "invalid_id"),
        ({"id": "not-a-uuid"}, "invalid_id"),
        ({"id": 12345}, "invalid_id"),
        ({"lat": 91}, "invalid_coordinates"),
        ({"lat": -90.5}, "invalid_coordinates"),
        ({"lon": 180.01}, "invalid_coordinates"),
        ({"lat": "55.66"}, "invalid_coordinates"),
        ({"lon": None}, "invalid_coordinates"),
        ({"lat": True}, "invalid_coordinates"),
        ({"accuracy_m": -3}, "invalid_accuracy"),
        ({"accuracy_m": "8"}, "invalid_accuracy"),
        ({"location_source": "wifi"}, "invalid_location_source"),
        ({"category": "unicorns"}, "unknown_category"),
        ({"category": None}, "unknown_category"),
        ({"rating": 4}, "invalid_rating"),
        ({"rating": -1}, "invalid_rating"),
        ({"rating": "2"}, "invalid_rating"),
        ({"rating": 1.5}, "invalid_rating"),
        ({"rating": True}, "invalid_rating"),
        ({"description": "x" * 2001}, "description_too_long"),
        ({"observed_at": "yesterday"}, "invalid_observed_at"),
        ({"observed_at": "2026-11-24T19:42:10"}, "invalid_observed_at"),
        ({"observed_at": 1732473730}, "invalid_observed_at"),
    ],
)
def test_bad_finding_is_400_with_a_stable_code_and_nothing_stored(app, participant, walk, overrides, code):
    payload = finding_payload(**overrides)
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == code
    assert body["message"]
    assert stored_findings(app) == []


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b'"text"', b'{"lat": NaN}'])
def test_body_that_is_not_a_json_object_is_400(app, participant, walk, raw):
    response = send(
        participant, "POST", findings_url(walk["id"]), data=raw,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_json", "invalid_id")
    assert stored_findings(app) == []


def test_description_of_exactly_2000_characters_and_null_rating_are_fine(participant, walk):
    payload = finding_payload(description="æ" * 2000, rating=None, accuracy_m=None, location_source="map")
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["description"]) == 2000 and body["rating"] is None
    assert body["location_source"] == "map" and body["accuracy_m"] is None


# ---------------------------------------------------------------- auth, CSRF, access


def test_cookie_write_without_csrf_token_is_400_json(app, participant, walk):
    response = participant.post(findings_url(walk["id"]), json=finding_payload())
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"
    assert stored_findings(app) == []


def test_staff_cookie_write_without_csrf_token_is_400_json(app, logged_in, walk):
    response = logged_in.post(findings_url(walk["id"]), json=finding_payload())
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"


def test_bearer_token_needs_no_csrf_token(app, client, walk, api_token):
    response = client.post(findings_url(walk["id"]), json=finding_payload(), headers=bearer(api_token))
    assert response.status_code == 201
    body = response.get_json()
    assert body["mine"] is True and body["reporter_role"] == "coordinator"
    assert stored(app, body["id"]).user_id is not None


def test_anonymous_cannot_read_or_write(app, client, walk, make_finding):
    assert client.get(findings_url(walk["id"])).status_code == 401
    response = send(client, "POST", findings_url(walk["id"]), finding_payload())
    assert response.status_code == 401
    finding_id = make_finding(walk["id"])
    assert send(client, "DELETE", f"/api/v1/findings/{finding_id}").status_code == 401
    assert len(stored_findings(app)) == 1


def test_participant_of_walk_a_cannot_touch_walk_b(app, make_walk, make_finding):
    walk_a, walk_b = make_walk(title="A"), make_walk(title="B")
    client = app.test_client()
    join_walk(client, walk_a["join_code"])
    b_finding = make_finding(walk_b["id"], description="B's finding")
    assert client.get(findings_url(walk_b["id"])).status_code == 404
    response = send(client, "POST", findings_url(walk_b["id"]), finding_payload())
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert send(client, "PATCH", f"/api/v1/findings/{b_finding}", {"description": "x"}).status_code == 404
    assert send(client, "DELETE", f"/api/v1/findings/{b_finding}").status_code == 404
    addition = {"id": str(uuid.uuid4()), "description": "x"}
    assert send(client, "POST", f"/api/v1/findings/{b_finding}/additions", addition).status_code == 404
    assert stored(app, b_finding).description == "B's finding"
    assert len(stored_findings(app, walk_b["id"])) == 1


def test_unknown_or_malformed_finding_id_is_404(participant):
    assert send(participant, "PATCH", f"/api/v1/findings/{uuid.uuid4()}", {"rating": 1}).status_code == 404
    assert send(participant, "PATCH", "/api/v1/findings/nonsense", {"rating": 1}).status_code == 404


# ---------------------------------------------------------------- closed walk


def test_finding_after_the_walk_closed_is_409_walk_closed(app, participant, walk):
    close_walk(app, walk["id"])
    response = send(participant, "POST", findings_url(walk["id"]), finding_payload())
    assert response.status_code == 409
    assert response.get_json()["error"] == "walk_closed"
    assert stored_findings(app) == []


def test_staff_can_still_add_the_finding_after_close(app, client, walk, api_token):
    close_walk(app, walk["id"])
    payload = finding_payload()
    response = client.post(findings_url(walk["id"]), json=payload, headers=bearer(api_token))
    assert response.status_code == 201
    assert stored(app, payload["id"]) is not None


def test_resend_of_a_finding_stored_before_close_is_still_200(app, participant, walk):
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    close_walk(app, walk["id"])
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 200


# ---------------------------------------------------------------- edit and delete


def test_participant_edits_own_finding_and_history_is_kept(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    response = send(participant, "PATCH", f"/api/v1/findings/{payload['id']}",
                    {"category": "vegetation", "rating": 0, "description": "Buskene skjuler stien"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["category"], body["rating"], body["description"]) == ("vegetation", 0, "Buskene skjuler stien")
    with app.app_context():
        fields = set(db.session.execute(
            db.select(FindingChange.field).where(FindingChange.finding_id == uuid.UUID(payload["id"]))
        ).scalars())
    assert fields == {"category", "rating", "description"}


def test_patch_moves_the_pin_and_validates(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    url = f"/api/v1/findings/{payload['id']}"
    moved = send(participant, "PATCH", url, {"lat": 55.667, "lon": 12.607, "location_source": "map", "accuracy_m": None})
    assert moved.status_code == 200
    assert (moved.get_json()["lat"], moved.get_json()["location_source"]) == (55.667, "map")
    bad = send(participant, "PATCH", url, {"rating": 4})
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_rating"
    half = send(participant, "PATCH", url, {"lat": 55.1})
    assert half.status_code == 400 and half.get_json()["error"] == "invalid_coordinates"
    assert stored(app, payload["id"]).lat == 55.667


def test_other_participants_finding_cannot_be_edited_or_deleted(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    other = app.test_client()
    join_walk(other, walk["join_code"], role="police")
    url = f"/api/v1/findings/{payload['id']}"
    response = send(other, "PATCH", url, {"description": "overskrevet"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert send(other, "DELETE", url).status_code == 403
    assert stored(app, payload["id"]).description == "Mørk sti bag blok 3"
    listed = other.get(findings_url(walk["id"])).get_json()
    assert listed["features"][0]["properties"]["mine"] is False


def test_coordinator_may_correct_any_finding_but_plain_staff_only_their_own(app, participant, walk, make_user):
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    staff = make_user("drift@example.org", role="staff", organisation="VIBO")
    with app.app_context():
        staff_token = issue_token(db.session.get(User, staff["id"]))
        db.session.commit()
    client = app.test_client()
    url = f"/api/v1/findings/{payload['id']}"
    assert client.patch(url, json={"rating": 2}, headers=bearer(staff_token)).status_code == 403
    logged = app.test_client()
    from tests.conftest import login
    login(logged, "koordinator@example.org")
    assert send(logged, "PATCH", url, {"rating": 2}).status_code == 200
    assert stored(app, payload["id"]).rating == 2


def test_participant_cannot_edit_after_close_but_staff_can(app, participant, walk, logged_in):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    close_walk(app, walk["id"])
    url = f"/api/v1/findings/{payload['id']}"
    response = send(participant, "PATCH", url, {"rating": 3})
    assert response.status_code == 409 and response.get_json()["error"] == "walk_closed"
    assert send(participant, "DELETE", url).status_code == 409
    assert send(logged_in, "PATCH", url, {"rating": 3}).status_code == 200


def test_participant_deletes_own_finding(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    response = send(participant, "DELETE", f"/api/v1/findings/{payload['id']}")
    assert response.status_code == 204
    assert stored_findings(app) == []
    assert send(participant, "DELETE", f"/api/v1/findings/{payload['id']}").status_code == 404


# ---------------------------------------------------------------- "Samme sted" and nearby


def test_nearby_lists_same_category_within_25_metres(participant, walk):
    first = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), first)
    # ~11 m north: same spot. ~45 m north: not. Same spot but other category: not.
    near = send(participant, "POST", findings_url(walk["id"]), finding_payload(lat=NEAR_LAT + 0.0001))
    far = send(participant, "POST", findings_url(walk["id"]), finding_payload(lat=NEAR_LAT + 0.0004))
    other = send(participant, "POST", findings_url(walk["id"]), finding_payload(category="graffiti"))
    assert near.get_json()["nearby"] == [first["id"]]
    assert far.get_json()["nearby"] == []
    assert other.get_json()["nearby"] == []


def test_addition_appends_text_once(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    other = app.test_client()
    join_walk(other, walk["join_code"], role="board")
    addition = {"id": str(uuid.uuid4()), "description": "Lampen har været slukket i en måned"}
    url = f"/api/v1/findings/{payload['id']}/additions"
    first = send(other, "POST", url, addition)
    again = send(other, "POST", url, addition)
    assert first.status_code == 200 and again.status_code == 200
    expected = "Mørk sti bag blok 3\n\nLampen har været slukket i en måned"
    assert first.get_json()["description"] == expected
    assert again.get_json()["description"] == expected
    assert stored(app, payload["id"]).description == expected
    bad = send(other, "POST", url, {"id": "x", "description": "y"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_id"


def rating_history(app, finding_id) -> list[tuple[str, str]]:
    """(before, after) of every recorded rating change of a finding, oldest first."""
    with app.app_context():
        return [(c.old_value, c.new_value) for c in db.session.execute(
            db.select(FindingChange).where(
                FindingChange.finding_id == uuid.UUID(str(finding_id)), FindingChange.field == "rating")
            .order_by(FindingChange.id)
        ).scalars()]


@pytest.mark.parametrize(("stored_rating", "added", "kept", "history"), [
    (2, 0, 0, [("2", "0")]),     # the newcomer feels less safe: their rating wins
    (1, 3, 1, []),               # the newcomer feels safer: the worry already recorded stays
    (1, 1, 1, []),               # the same rating changes nothing
    (None, 2, 2, [("", "2")]),   # no rating yet: the newcomer's is the first
    (0, None, 0, []),            # no rating given: nothing changes
])
def test_addition_keeps_the_more_unsafe_rating(app, participant, walk, stored_rating, added, kept, history):
    payload = finding_payload(rating=stored_rating)
    send(participant, "POST", findings_url(walk["id"]), payload)
    other = app.test_client()
    join_walk(other, walk["join_code"], role="board")
    addition = {"id": str(uuid.uuid4()), "description": "", "rating": added}
    url = f"/api/v1/findings/{payload['id']}/additions"
    first = send(other, "POST", url, addition)
    again = send(other, "POST", url, addition)  # a re-send from the outbox records nothing new
    assert first.status_code == 200 and again.status_code == 200
    assert first.get_json()["rating"] == kept and again.get_json()["rating"] == kept
    assert stored(app, payload["id"]).rating == kept
    assert stored(app, payload["id"]).description == "Mørk sti bag blok 3"
    assert rating_history(app, payload["id"]) == history


@pytest.mark.parametrize("rating", [4, -1, "0", True, 1.5])
def test_addition_with_a_bad_rating_is_400_and_changes_nothing(app, participant, walk, rating):
    payload = finding_payload(rating=2)
    send(participant, "POST", findings_url(walk["id"]), payload)
    url = f"/api/v1/findings/{payload['id']}/additions"
    response = send(participant, "POST", url, {"id": str(uuid.uuid4()), "description": "mere", "rating": rating})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_rating"
    finding = stored(app, payload["id"])
    assert (finding.rating, finding.description) == (2, "Mørk sti bag blok 3")
    assert rating_history(app, payload["id"]) == []


def test_a_place_from_the_photo_is_stored_as_such(app, participant, walk):
    payload = finding_payload(location_source="photo", accuracy_m=None)
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201 and response.get_json()["location_source"] == "photo"
    assert stored(app, payload["id"]).location_source == "photo"
    bad = send(participant, "POST", findings_url(walk["id"]), finding_payload(location_source="exif"))
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_location_source"


def test_addition_after_close_is_409_for_participants(app, participant, walk):
    payload = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), payload)
    close_walk(app, walk["id"])
    response = send(participant, "POST", f"/api/v1/findings/{payload['id']}/additions",
                    {"id": str(uuid.uuid4()), "description": "mere"})
    assert response.status_code == 409 and response.get_json()["error"] == "walk_closed"


# ---------------------------------------------------------------- listing and estates


def test_list_is_geojson_with_lon_lat_and_mine_flags(app, participant, walk, make_finding):
    mine = finding_payload()
    send(participant, "POST", findings_url(walk["id"]), mine)
    staff_finding = make_finding(walk["id"], lat=55.6670, lon=12.6070)
    response = participant.get(findings_url(walk["id"]))
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {mine["id"], str(staff_finding)}
    assert features[mine["id"]]["geometry"] == {"type": "Point", "coordinates": [NEAR_LON, NEAR_LAT]}
    props = features[mine["id"]]["properties"]
    assert "lat" not in props and "lon" not in props
    assert props["mine"] is True and props["category"] == "lighting"
    assert features[str(staff_finding)]["properties"]["mine"] is False


def test_staff_list_any_walk(logged_in, walk, make_finding):
    make_finding(walk["id"])
    response = logged_in.get(findings_url(walk["id"]))
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 1
    assert logged_in.get(findings_url(99999)).status_code == 404


def test_finding_gets_the_estate_whose_boundary_holds_it(app, participant, walk, make_org):
    org = make_org("Boligselskabet Test")
    square = {"type": "Polygon", "coordinates": [[
        [12.605, 55.666], [12.607, 55.666], [12.607, 55.667], [12.605, 55.667], [12.605, 55.666],
    ]]}
    with app.app_context():
        inside = Estate(name="Afdeling 1", organisation_id=org.id, boundary=square)
        elsewhere = Estate(name="Afdeling 2", organisation_id=org.id, boundary=None)
        db.session.add_all([inside, elsewhere])
        row = db.session.get(Walk, walk["id"])
        row.estates = [inside, elsewhere]
        db.session.commit()
        inside_id = inside.id
    within = finding_payload()
    outside = finding_payload(lat=55.6700, lon=12.6100)
    send(participant, "POST", findings_url(walk["id"]), within)
    send(participant, "POST", findings_url(walk["id"]), outside)
    assert stored(app, within["id"]).estate_id == inside_id
    assert stored(app, outside["id"]).estate_id is None
