"""Capture API: a finding placed without the map — at a numbered route point, or by a few words
(`location_text`), and the words shown to staff on the finding page and in triage."""
from __future__ import annotations

import pytest

from tests.capture_api_helpers import finding_payload, findings_url, send, stored, stored_findings
from tests.conftest import login


def test_finding_placed_at_a_route_point_is_stored_as_such(app, participant, walk):
    """A route point's coordinates with source route_point come back and are stored so."""
    payload = finding_payload(lat=55.6664, lon=12.6054, accuracy_m=None, location_source="route_point")
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201
    body = response.get_json()
    assert body["location_source"] == "route_point" and body["location_text"] == ""
    row = stored(app, payload["id"])
    assert (row.location_source, row.lat, row.lon) == ("route_point", 55.6664, 12.6054)


def test_finding_placed_by_words_keeps_the_words(app, participant, walk):
    """source text + a few words: the words are stored (trimmed) and returned, in the list too."""
    payload = finding_payload(location_source="text", location_text="  ved opgang 12 ")
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201
    assert response.get_json()["location_text"] == "ved opgang 12"
    assert stored(app, payload["id"]).location_text == "ved opgang 12"
    listed = participant.get(findings_url(walk["id"])).get_json()["features"]
    assert [f["properties"]["location_text"] for f in listed] == ["ved opgang 12"]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_words_are_required_when_the_place_is_given_by_words(app, participant, walk, text):
    """source text without words: 400 location_text_required, nothing stored."""
    payload = finding_payload(location_source="text")
    if text is not None:
        payload["location_text"] = text
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == "location_text_required"
    assert response.get_json()["message"]
    assert stored_findings(app, walk["id"]) == []


@pytest.mark.parametrize("text, code", [
    ("x" * 201, "location_text_too_long"),
    (12, "invalid_location_text"),
    (["ved opgang 12"], "invalid_location_text"),
])
def test_bad_words_are_refused(app, participant, walk, text, code):
    """Words over 200 characters or not a string: 400 with a code, nothing stored."""
    payload = finding_payload(location_source="text", location_text=text)
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == code
    assert stored_findings(app, walk["id"]) == []


def test_two_hundred_characters_of_words_are_accepted(app, participant, walk):
    """The limit itself is allowed (the column holds 200 characters, on PostgreSQL too)."""
    words = "æ" * 200
    payload = finding_payload(location_source="text", location_text=words)
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 201
    assert stored(app, payload["id"]).location_text == words


@pytest.mark.parametrize("source", ["routepoint", "words", "", None])
def test_unknown_location_source_is_refused(app, participant, walk, source):
    """An unknown location source: 400 invalid_location_source, nothing stored."""
    payload = finding_payload(location_source=source)
    response = send(participant, "POST", findings_url(walk["id"]), payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_location_source"
    assert stored_findings(app, walk["id"]) == []


def test_resending_with_other_words_is_a_conflict(app, participant, walk):
    """The same id re-sent with different words is not the same finding: 409, the first kept."""
    payload = finding_payload(location_source="text", location_text="ved opgang 12")
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 200
    changed = dict(payload, location_text="ved opgang 14")
    assert send(participant, "POST", findings_url(walk["id"]), changed).status_code == 409
    assert stored(app, payload["id"]).location_text == "ved opgang 12"


def test_staff_see_the_words_on_the_finding_page_and_in_triage(app, client, coordinator, participant, walk):
    """Staff read "Beskrevet: ved opgang 12" on the finding page and in the triage list."""
    payload = finding_payload(location_source="text", location_text="ved opgang 12")
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    login(client, coordinator["email"])
    page = client.get(f"/findings/{payload['id']}").get_data(as_text=True)
    assert "Beskrevet: ved opgang 12" in page
    triage = client.get("/findings").get_data(as_text=True)
    assert "Beskrevet: ved opgang 12" in triage
