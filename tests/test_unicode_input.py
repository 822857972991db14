"""Broken text and hostile JSON on the way in: half an emoji (a lone surrogate) and NUL are
stored as U+FFFD on SQLite and PostgreSQL alike, a finding carrying them is stored and can be
re-sent, deep nesting and non-JSON numbers are 400 `invalid_json`, and form fields and query
strings with NUL or huge numbers never take a page down."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send, stored
from tests.conftest import csrf_token, join_walk, post_form
from walkapp.extensions import db
from walkapp.measures.models import Measure
from walkapp.walks.models import Walk

# JSON.stringify writes a lone surrogate as this escape; the raw bytes show what a phone sends.
HALF_EMOJI = "\\ud83d"
REPAIRED = "\ufffd"


def raw_json(body: dict, broken: str) -> bytes:
    """`body` as JSON bytes with `broken` (a JSON escape) put where the marker "@@" stands."""
    return json.dumps(body).replace("@@", broken).encode()


def post_raw(client, method: str, url: str, data: bytes, headers: dict | None = None):
    """A JSON write with raw bytes; cookie callers also send their CSRF header."""
    headers = dict(headers or {"X-CSRFToken": csrf_token(client)})
    headers.setdefault("Content-Type", "application/json")
    return client.open(url, method=method, data=data, headers=headers)


@dataclass
class Phone:
    """A resident's phone joined to an active walk."""

    walk_id: int
    client: Any


@pytest.fixture
def phone(app, make_walk) -> Phone:
    """A phone joined as a resident to a new active walk, as the outbox sends from it."""
    walk = make_walk(status="active")
    client = app.test_client()
    join_walk(client, walk["join_code"])
    return Phone(walk["id"], client)


@pytest.fixture
def measure_id(client, api_token, phone, make_finding):
    """A measure created through the API for a finding on the phone's walk."""
    response = client.post("/api/v1/measures", headers=bearer(api_token), json={
        "title": "Ny belysning", "finding_ids": [str(make_finding(phone.walk_id))]})
    assert response.status_code == 201
    return response.get_json()["id"]


def measure_title(app, measure_id: int) -> str:
    with app.app_context():
        return db.session.get(Measure, measure_id).title


# ---------------------------------------------------------------- broken text is repaired


@pytest.mark.parametrize("broken, repaired", [
    (HALF_EMOJI, REPAIRED), ("\\ude00", REPAIRED), ("\\u0000", REPAIRED),
    ("\\ud83d\\u0000\\ude00x", REPAIRED * 3 + "x"),
], ids=["high half", "low half", "NUL", "mixed"])
def test_finding_with_broken_text_is_stored_repaired_and_a_resend_is_200(
        app, phone, broken, repaired):
    payload = finding_payload(description="Mørk sti @@")
    data = raw_json(payload, broken)
    first = post_raw(phone.client, "POST", findings_url(phone.walk_id), data)
    again = post_raw(phone.client, "POST", findings_url(phone.walk_id), data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["description"] == "Mørk sti " + repaired
    assert again.get_json() == first.get_json()
    assert stored(app, payload["id"]).description == "Mørk sti " + repaired


def test_a_complete_emoji_is_kept_as_it_is(app, phone):
    payload = finding_payload(description="Mørk sti @@")
    response = post_raw(phone.client, "POST", findings_url(phone.walk_id), raw_json(payload, "\\ud83d\\ude00"))
    assert response.status_code == 201
    assert stored(app, payload["id"]).description == "Mørk sti \U0001f600"


def test_bytes_that_are_not_utf8_are_repaired_too(app, phone):
    payload = finding_payload(description="@@")
    data = json.dumps(payload).encode().replace(b"@@", b"Gr\xf8n d\xf8r \xed\xa0\xbd")
    response = post_raw(phone.client, "POST", findings_url(phone.walk_id), data)
    assert response.status_code == 201
    assert stored(app, payload["id"]).description == f"Gr{REPAIRED}n d{REPAIRED}r {REPAIRED * 3}"


def test_broken_key_is_repaired_and_ignored_like_any_unknown_field(app, phone):
    payload = finding_payload(**{"@@": "x"})
    response = post_raw(phone.client, "POST", findings_url(phone.walk_id), raw_json(payload, HALF_EMOJI))
    assert response.status_code == 201


@pytest.mark.parametrize("broken", [HALF_EMOJI, "\\u0000"])
def test_addition_with_broken_text_is_added_once(app, phone, make_finding, broken):
    finding_id = make_finding(phone.walk_id, description="Mørk sti")
    data = raw_json({"id": str(uuid.uuid4()), "description": "Lampen er slukket @@"}, broken)
    url = f"/api/v1/findings/{finding_id}/additions"
    first = post_raw(phone.client, "POST", url, data)
    again = post_raw(phone.client, "POST", url, data)
    assert (first.status_code, again.status_code) == (200, 200)
    assert stored(app, finding_id).description == f"Mørk sti\n\nLampen er slukket {REPAIRED}"


@pytest.mark.parametrize("broken", [HALF_EMOJI, "\\u0000"])
def test_edit_with_broken_text_is_stored_repaired(app, phone, broken):
    payload = finding_payload()
    assert send(phone.client, "POST", findings_url(phone.walk_id), payload).status_code == 201
    url = f"/api/v1/findings/{payload['id']}"
    data = raw_json({"description": "Rettet @@"}, broken)
    first = post_raw(phone.client, "PATCH", url, data)
    again = post_raw(phone.client, "PATCH", url, data)
    assert (first.status_code, again.status_code) == (200, 200)
    assert stored(app, payload["id"]).description == f"Rettet {REPAIRED}"


@pytest.mark.parametrize("broken", [HALF_EMOJI, "\\u0000"])
def test_walk_title_with_broken_text_is_stored_repaired(app, client, api_token, broken):
    body = {"title": "Aftenvandring @@", "starts_at": "2030-11-26T18:30:00+01:00",
            "meeting_point": "Ved @@ vaskeriet"}
    response = post_raw(client, "POST", "/api/v1/walks", raw_json(body, broken),
                        headers=bearer(api_token))
    assert response.status_code == 201
    with app.app_context():
        walk = db.session.get(Walk, response.get_json()["id"])
        assert (walk.title, walk.meeting_point) == (f"Aftenvandring {REPAIRED}", f"Ved {REPAIRED} vaskeriet")


@pytest.mark.parametrize("broken", [HALF_EMOJI, "\\u0000"])
def test_measure_title_with_broken_text_is_stored_repaired(app, client, api_token, phone, make_finding,
                                                           measure_id, broken):
    created = post_raw(client, "POST", "/api/v1/measures", raw_json(
        {"title": "Beskær @@", "finding_ids": [str(make_finding(phone.walk_id))]}, broken),
        headers=bearer(api_token))
    assert created.status_code == 201
    assert measure_title(app, created.get_json()["id"]) == f"Beskær {REPAIRED}"
    edited = post_raw(client, "PATCH", f"/api/v1/measures/{measure_id}",
                      raw_json({"version": 1, "title": "Nye lamper @@"}, broken), headers=bearer(api_token))
    assert edited.status_code == 200
    assert measure_title(app, measure_id) == f"Nye lamper {REPAIRED}"


# ---------------------------------------------------------------- JSON that is refused


def json_writes(walk_id: int, finding_id, measure_id: int) -> list[tuple[str, str]]:
    """Every API endpoint that reads a JSON body, with real ids."""
    return [
        ("POST", "/api/v1/walks"),
        ("POST", findings_url(walk_id)),
        ("PATCH", f"/api/v1/findings/{finding_id}"),
        ("POST", f"/api/v1/findings/{finding_id}/additions"),
        ("POST", "/api/v1/measures"),
        ("PATCH", f"/api/v1/measures/{measure_id}"),
        ("POST", f"/api/v1/measures/{measure_id}/transitions"),
    ]


@pytest.mark.parametrize("raw, message", [
    (b"[" * 100_000, "indlejret for dybt"),
    (b'{"a":' * 50_000, "indlejret for dybt"),
    (b"[" * 65 + b"]" * 65, "indlejret for dybt"),
    (b'{"title": NaN}', "JSON-objekt"),
    (b'{"title": -Infinity}', "JSON-objekt"),
    (b'{"version": 1e999}', "tal i forespørgslen er for stort"),
    (b'{"version": ' + b"9" * 5000 + b"}", "JSON-objekt"),
    (b"[]", "JSON-objekt"),
    (b'"text"', "JSON-objekt"),
    (b"", "JSON-objekt"),
], ids=["100000 [", "50000 objects", "65 levels", "NaN", "-Infinity", "1e999", "5000 digits",
        "array", "string", "empty"])
def test_bad_json_is_400_invalid_json_on_every_json_endpoint_and_changes_nothing(
        app, client, api_token, phone, make_finding, measure_id, raw, message):
    finding_id = make_finding(phone.walk_id, description="Mørk sti")
    for method, url in json_writes(phone.walk_id, finding_id, measure_id):
        response = post_raw(client, method, url, raw, headers=bearer(api_token))
        assert response.status_code == 400, (method, url, response.status_code)
        body = response.get_json()
        assert body["error"] == "invalid_json", (method, url, body)
        assert message in body["message"], (method, url, body)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Walk.id))).scalar_one() == 1
        assert db.session.get(Measure, measure_id).version == 1
    assert stored(app, finding_id).description == "Mørk sti"


def test_sixty_four_levels_are_still_read(app, client, api_token):
    nested = json.dumps({"title": "Aftenvandring", "starts_at": "2030-11-26T18:30:00+01:00",
                         "notes": None, "x": json.loads("[" * 62 + "]" * 62)})
    response = post_raw(client, "POST", "/api/v1/walks", nested.encode(), headers=bearer(api_token))
    assert response.status_code == 201


# ---------------------------------------------------------------- forms and query strings


@pytest.mark.parametrize("url", [
    "/findings?q=%00", "/findings?q=l%00ys&walk=%00&estate=%00&org=%00&sort=%00",
    "/findings?walk=99999999999999999999999&estate=99999999999999999999&org=99999999999999999999",
    "/findings/export.csv?q=%00", "/findings/export.geojson?q=%00", "/findings/map.html?q=%00",
    "/measures?status=%00&org=99999999999999999999&page=99999999999999999999",
    "/measures/export.csv?status=%00&org=99999999999999999999",
    "/plan?estate=99999999999999999999", "/dashboard?year=%00&organisation=%00&estate=%00",
    "/dashboard?year=99999999999999999999&organisation=99999999999999999999",
    "/walks/99999999999999999999", "/walks/99999999999999999999/export.csv",
    "/api/v1/measures?status=%00&org=%00", "/api/v1/dashboard?year=%00&organisation=%00",
    "/open311/v2/requests.json?service_code=%00&status=%00&start_date=%00",
    "/open311/v2/requests/%00.json", "/api/v1/findings/%00", "/api/v1/walks/99999999999999999999",
])
def test_nul_and_huge_numbers_in_a_query_string_never_take_a_page_down(logged_in, api_token, url, phone,
                                                                         make_finding):
    make_finding(phone.walk_id)
    headers = bearer(api_token) if url.startswith(("/api/", "/open311/")) else {}
    response = logged_in.get(url, headers=headers)
    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 404, 405), (url, response.status_code)


def test_walk_form_with_nul_stores_the_title_repaired(app, logged_in):
    response = post_form(logged_in, "/walks/new", {
        "kind": "walk", "title": "Aften\x00vandring", "starts_at": "2030-11-26T18:30",
        "meeting_point": "Ved\x00 vaskeriet", "notes": "\x00",
    })
    assert response.status_code == 302
    with app.app_context():
        walk = db.session.execute(db.select(Walk)).scalar_one()
        assert (walk.title, walk.meeting_point, walk.notes) == (
            f"Aften{REPAIRED}vandring", f"Ved{REPAIRED} vaskeriet", REPAIRED)


def test_measure_edit_form_with_nul_stores_the_title_repaired(app, logged_in, measure_id):
    response = post_form(logged_in, f"/measures/{measure_id}/edit", {
        "version": "1", "title": "Nye\x00lamper", "description": "", "responsible_org": "",
        "due_on": "", "cost_estimate_dkk": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert measure_title(app, measure_id) == f"Nye{REPAIRED}lamper"
