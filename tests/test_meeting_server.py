"""Meeting mode on the server: the agenda in route order, the chair's decisions, the meeting page
and the minutes (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import re
import threading
import uuid
from pathlib import Path

import pytest

from tests.conftest import count_statements, csrf_token, join_walk, login
from tests.meeting_helpers import (
    finding_row,
    measure_count,
    name_user,
    spread_findings,
    state_history,
)


@pytest.fixture
def chair(app, client, coordinator):
    """A coordinator named Karen Jensen, logged in, with a CSRF header ready."""
    name_user(app, coordinator["id"], "Karen Jensen")
    assert login(client, coordinator["email"]).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    return client


@pytest.fixture
def meeting_walk(app, make_walk, coordinator):
    """A walk with five findings along its route; returns its id and the ids in route order."""
    walk = make_walk(status="closed")
    return {"id": walk["id"], "findings": spread_findings(app, walk["id"], 5, coordinator["id"])}


def decide(client, finding_id, **body):
    return client.post(f"/api/v1/findings/{finding_id}/decision", json=body)


def agenda(client, walk_id):
    response = client.get(f"/api/v1/walks/{walk_id}/agenda")
    assert response.status_code == 200
    return response.get_json()


# ---------------------------------------------------------------- agenda


def test_agenda_is_in_route_order_with_detours_last(app, chair, meeting_walk, make_finding):
    detour = make_finding(meeting_walk["id"], lat=55.6700, lon=12.6050)  # ~400 m north
    body = agenda(chair, meeting_walk["id"])
    ids = [item["finding_id"] for item in body["items"]]
    assert ids == [str(f) for f in meeting_walk["findings"]] + [str(detour)]
    assert [item["number"] for item in body["items"]] == [1, 2, 3, 4, 5, 6]
    along = [item["along_route_m"] for item in body["items"][:5]]
    assert along == sorted(along) and along[0] < 20 < along[-1]
    assert body["items"][5]["off_route_m"] > 300
    assert all(item["state"] == "new" and item["decision"] is None for item in body["items"])
    assert (body["decided"], body["total"]) == (0, 6)


def test_agenda_shows_each_decision_with_the_decider(app, chair, meeting_walk):
    first, second, third, fourth, fifth = meeting_walk["findings"]
    created = decide(chair, first, action="measure", title="Ny lampe", responsible_org="VIBO",
                     due_on="2027-03-01", cost_estimate_dkk=12000)
    assert created.status_code == 201
    assert decide(chair, second, action="duplicate", of=str(first)).status_code == 200
    assert decide(chair, third, action="dismiss", reason="Privat grund").status_code == 200
    assert decide(chair, fourth, action="park").status_code == 200
    items = {item["number"]: item for item in agenda(chair, meeting_walk["id"])["items"]}
    measure = items[1]["decision"]
    assert (measure["action"], measure["title"], measure["responsible_org"]["name"], measure["due_on"],
            measure["cost_estimate_dkk"], measure["by"]) == (
        "measure", "Ny lampe", "VIBO", "2027-03-01", 12000, "Karen Jensen")
    assert items[2]["decision"]["action"] == "duplicate" and items[2]["decision"]["of_number"] == 1
    assert items[3]["decision"] == {**items[3]["decision"], "action": "dismiss", "reason": "Privat grund"}
    assert items[4]["state"] == "parked" and items[4]["decision"]["action"] == "park"
    assert items[5]["decision"] is None
    body = agenda(chair, meeting_walk["id"])
    assert (body["decided"], body["total"]) == (3, 5)
    assert [(m["title"], m["numbers"]) for m in body["measures"]] == [("Ny lampe", [1])]


def _decide_some(app, chair, walk_id, ids):
    """Every tenth finding gets a measure, every tenth (offset) is dismissed, one duplicate."""
    for index in range(0, len(ids), 10):
        assert decide(chair, ids[index], action="measure", title=f"Tiltag {index}").status_code == 201
        assert decide(chair, ids[index + 1], action="dismiss", reason="Nej").status_code == 200
        assert decide(chair, ids[index + 2], action="duplicate", of=str(ids[index])).status_code == 200
        assert decide(chair, ids[index + 3], action="park").status_code == 200


def test_agenda_statement_count_is_the_same_for_50_and_500_findings(app, chair, make_walk, coordinator):
    counts = {}
    for size in (50, 500):
        walk = make_walk(status="closed", title=f"Vandring {size}")
        ids = spread_findings(app, walk["id"], size, coordinator["id"])
        _decide_some(app, chair, walk["id"], ids[:50])
        count, response = count_statements(app, chair, f"/api/v1/walks/{walk['id']}/agenda")
        assert response.status_code == 200 and len(response.get_json()["items"]) == size
        counts[size] = count
    print(f"\nagenda SQL statements: 50 findings → {counts[50]}, 500 findings → {counts[500]}")
    assert counts[50] == counts[500] <= 8


# ---------------------------------------------------------------- each decision


def test_measure_decision_creates_a_proposed_measure_and_triages(app, chair, meeting_walk, coordinator):
    finding = meeting_walk["findings"][0]
    response = decide(chair, finding, action="measure", title="  Ny belysning  ",
                      responsible_org="VIBO", due_on="2027-05-01", cost_estimate_dkk=25000)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["title"], body["status"], body["responsible_org"]["name"], body["due_on"],
            body["cost_estimate_dkk"], body["finding_ids"]) == (
        "Ny belysning", "proposed", "VIBO", "2027-05-01", 25000, [str(finding)])
    assert finding_row(app, finding)["state"] == "triaged"
    assert state_history(app, finding) == [("new", "triaged", coordinator["id"])]


@pytest.mark.parametrize(("body", "code"), [
    ({"title": ""}, "invalid_title"),
    ({"title": 5}, "invalid_title"),
    ({"title": "x", "due_on": "1.5.2027"}, "invalid_date"),
    ({"title": "x", "cost_estimate_dkk": -1}, "invalid_cost"),
    ({"title": "x", "cost_estimate_dkk": "many"}, "invalid_cost"),
    ({"title": "x", "responsible_org": "Ingen"}, "unknown_organisation"),
])
def test_bad_measure_input_is_400_and_changes_nothing(app, chair, meeting_walk, body, code):
    finding = meeting_walk["findings"][0]
    response = decide(chair, finding, action="measure", **body)
    assert response.status_code == 400 and response.get_json()["error"] == code
    assert finding_row(app, finding) == {"state": "new", "duplicate_of": None, "reason": "", "measures": []}
    assert measure_count(app) == 0


def test_attach_links_the_finding_to_a_measure_of_this_meeting(app, chair, meeting_walk):
    first, second = meeting_walk["findings"][:2]
    measure_id = decide(chair, first, action="measure", title="Ny lampe").get_json()["id"]
    response = decide(chair, second, action="attach", measure_id=measure_id)
    assert response.status_code == 200
    assert response.get_json()["finding_ids"] == sorted([str(first), str(second)])
    assert finding_row(app, second)["state"] == "triaged"
    assert finding_row(app, second)["measures"] == [measure_id]
    items = agenda(chair, meeting_walk["id"])["items"]
    assert items[1]["decision"]["measure_id"] == measure_id
    assert agenda(chair, meeting_walk["id"])["measures"][0]["numbers"] == [1, 2]


def test_attach_to_another_walks_measure_is_unknown_measure(app, chair, meeting_walk, make_measure):
    other = make_measure(title="Andet sted")  # on a finding of a new walk
    finding = meeting_walk["findings"][0]
    for measure_id in (other, 999999, "1", None):
        response = decide(chair, finding, action="attach", measure_id=measure_id)
        assert response.status_code == 400 and response.get_json()["error"] == "unknown_measure"
    assert finding_row(app, finding)["state"] == "new" and finding_row(app, finding)["measures"] == []


def test_duplicate_points_at_a_finding_of_the_same_walk(app, chair, meeting_walk, make_walk, make_finding):
    first, second = meeting_walk["findings"][:2]
    response = decide(chair, second, action="duplicate", of=str(first))
    assert response.status_code == 200 and response.get_json()["state"] == "duplicate"
    assert finding_row(app, second)["duplicate_of"] == first
    assert state_history(app, second)[-1][:2] == ("new", "duplicate")


def test_duplicate_of_another_walk_itself_or_nothing_is_refused(app, chair, meeting_walk, make_walk, make_finding):
    elsewhere = make_finding(make_walk()["id"])
    finding = meeting_walk["findings"][0]
    for of, code in ((str(elsewhere), "unknown_finding"), (str(uuid.uuid4()), "unknown_finding"),
                     ("abc", "unknown_finding"), (None, "unknown_finding"),
                     (str(finding), "duplicate_of_self")):
        response = decide(chair, finding, action="duplicate", of=of)
        assert response.status_code == 400 and response.get_json()["error"] == code, of
    assert finding_row(app, finding)["state"] == "new"


def test_dismiss_needs_a_reason(app, chair, meeting_walk):
    finding = meeting_walk["findings"][0]
    for reason in (None, "", "   ", 7):
        response = decide(chair, finding, action="dismiss", reason=reason)
        assert response.status_code == 400 and response.get_json()["error"] == "reason_required"
    assert finding_row(app, finding)["state"] == "new"
    assert decide(chair, finding, action="dismiss", reason=" Privat grund ").status_code == 200
    assert finding_row(app, finding)["state"] == "dismissed"
    assert finding_row(app, finding)["reason"] == "Privat grund"


def test_park_then_decide_later(app, chair, meeting_walk, coordinator):
    finding = meeting_walk["findings"][0]
    response = decide(chair, finding, action="park")
    assert response.status_code == 200 and response.get_json()["state"] == "parked"
    assert decide(chair, finding, action="park").status_code == 200  # still undecided: harmless
    assert decide(chair, finding, action="measure", title="Senere tiltag").status_code == 201
    assert finding_row(app, finding)["state"] == "triaged"
    assert state_history(app, finding) == [("new", "parked", coordinator["id"]),
                                           ("parked", "triaged", coordinator["id"])]


# ---------------------------------------------------------------- refusals


def test_a_decided_finding_is_409_naming_who_decided_what(app, client, chair, meeting_walk, make_user):
    finding = meeting_walk["findings"][2]
    assert decide(chair, finding, action="measure", title="Ny lampe ved port").status_code == 201
    other = app.test_client()
    second = make_user("drift@example.org", "staff", "VIBO")
    login(other, second["email"])
    other.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(other)
    for body in ({"action": "dismiss", "reason": "Nej"}, {"action": "park"},
                 {"action": "measure", "title": ""}):
        response = decide(other, finding, **body)
        assert response.status_code == 409
        error = response.get_json()
        assert error["error"] == "already_decided"
        assert "Karen Jensen" in error["message"] and "Ny lampe ved port" in error["message"]
        assert "#3" in error["message"]
        assert error["decision"]["action"] == "measure"
    assert measure_count(app) == 1 and finding_row(app, finding)["state"] == "triaged"

    dismissed = meeting_walk["findings"][3]
    assert decide(chair, dismissed, action="dismiss", reason="Privat grund").status_code == 200
    error = decide(other, dismissed, action="park").get_json()
    assert error["error"] == "already_decided" and "Privat grund" in error["message"]


def test_unknown_action_is_400(app, chair, meeting_walk):
    finding = meeting_walk["findings"][0]
    for body in ({}, {"action": "delete"}, {"action": None}, {"action": ["park"]}):
        response = decide(chair, finding, **body)
        assert response.status_code == 400 and response.get_json()["error"] == "invalid_action"
    response = chair.post(f"/api/v1/findings/{finding}/decision", data="park",
                          content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"
    assert finding_row(app, finding)["state"] == "new"


def test_unknown_finding_and_walk_are_404(app, chair):
    assert decide(chair, uuid.uuid4(), action="park").status_code == 404
    assert decide(chair, "not-a-uuid", action="park").status_code == 404
    assert chair.get("/api/v1/walks/999999/agenda").status_code == 404


def test_participants_and_anonymous_get_neither_agenda_nor_decision(app, client, meeting_walk, make_walk):
    walk_id, finding = meeting_walk["id"], meeting_walk["findings"][0]
    assert client.get(f"/api/v1/walks/{walk_id}/agenda").status_code == 401
    from walkapp.extensions import db
    from walkapp.walks.models import Walk

    with app.app_context():
        join_code = db.session.get(Walk, walk_id).join_code
        db.session.get(Walk, walk_id).status = "active"
        db.session.commit()
    join_walk(client, join_code)
    assert client.get(f"/api/v1/walks/{walk_id}/agenda").status_code == 401
    response = client.post(f"/api/v1/findings/{finding}/decision", json={"action": "park"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert client.get(f"/walks/{walk_id}/meeting").status_code == 302
    assert finding_row(app, finding)["state"] == "new"


def test_bearer_token_needs_no_csrf_but_a_cookie_does(app, client, meeting_walk, api_token, coordinator):
    first, second = meeting_walk["findings"][:2]
    response = client.post(f"/api/v1/findings/{first}/decision", json={"action": "park"},
                           headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    login(client, coordinator["email"])
    response = client.post(f"/api/v1/findings/{second}/decision", json={"action": "park"})
    assert response.status_code == 400 and response.get_json()["error"] == "csrf_failed"
    assert finding_row(app, second)["state"] == "new"


# ---------------------------------------------------------------- two chairs at once


def _staff_client(app, make_user, email):
    user = make_user(email, "staff", "VIBO")
    name_user(app, user["id"], email.split("@")[0].title())
    client = app.test_client()
    assert login(client, email).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    return client


def test_two_chairs_deciding_one_finding_at_once_one_wins(app, make_walk, make_user, coordinator):
    """Six findings, each decided by two chairs at the same moment: one wins, one gets 409."""
    walk = make_walk(status="closed")
    ids = spread_findings(app, walk["id"], 6, coordinator["id"])
    chairs = [_staff_client(app, make_user, "anna@example.org"), _staff_client(app, make_user, "bo@example.org")]
    bodies = [{"action": "measure", "title": "Ny lampe"}, {"action": "dismiss", "reason": "Privat"}]
    for finding in ids:
        barrier = threading.Barrier(2)
        results: list = []
        errors: list = []

        def run(client, body, finding=finding, barrier=barrier, results=results, errors=errors):
            barrier.wait()
            try:
                response = decide(client, finding, **body)
                results.append((response.status_code, response.get_json()))
            except Exception as exc:  # an unexpected 500 surfaces here in TESTING
                errors.append(repr(exc))

        threads = [threading.Thread(target=run, args=(c, b)) for c, b in zip(chairs, bodies, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        statuses = sorted(status for status, _ in results)
        assert statuses in ([200, 409], [201, 409]), results
        loser = next(body for status, body in results if status == 409)
        assert loser["error"] == "already_decided"
        winner_state = finding_row(app, finding)
        assert (winner_state["state"] == "triaged") == (statuses == [201, 409])
        assert len(state_history(app, finding)) == 1
    assert measure_count(app) == sum(1 for f in ids if finding_row(app, f)["state"] == "triaged")


# ---------------------------------------------------------------- pages


def test_meeting_page_gives_the_script_its_urls_and_words(app, chair, make_walk):
    walk = make_walk(status="closed")
    html = chair.get(f"/walks/{walk['id']}/meeting").get_data(as_text=True)
    settings = re.search(r'<script type="application/json" id="meeting-settings">(.*?)</script>', html, re.S)
    assert settings is not None
    data = json.loads(settings.group(1))
    assert data["agendaUrl"] == f"/api/v1/walks/{walk['id']}/agenda"
    assert data["findingsUrl"] == f"/api/v1/walks/{walk['id']}/findings"
    assert data["decisionUrl"] == "/api/v1/findings/FINDING_ID/decision"
    assert data["labels"]["progress"] == "%(done)s af %(total)s besluttet"
    assert data["categories"]["lighting"]
    assert "VIBO" in html and "js/meeting.js" in html


def test_walk_page_and_overview_link_to_the_meeting(app, chair, make_walk):
    walk = make_walk(status="closed")
    url = f"/walks/{walk['id']}/meeting"
    assert f'href="{url}"' in chair.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert f'href="{url}"' in chair.get(f"/walks/{walk['id']}/report").get_data(as_text=True)


def test_minutes_list_every_decision_in_route_order(app, chair, make_walk, coordinator):
    walk = make_walk(status="closed", title="Holmbladsgade aften")
    ids = spread_findings(app, walk["id"], 5, coordinator["id"])
    assert decide(chair, ids[0], action="measure", title="Ny lampe", responsible_org="VIBO",
                  due_on="2027-03-01", cost_estimate_dkk=15000).status_code == 201
    assert decide(chair, ids[1], action="duplicate", of=str(ids[0])).status_code == 200
    assert decide(chair, ids[2], action="dismiss", reason="Privat grund").status_code == 200
    assert decide(chair, ids[3], action="park").status_code == 200
    response = chair.get(f"/walks/{walk['id']}/meeting/minutes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr data-number="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(n) for n, _ in rows] == [1, 2, 3, 4, 5]
    text = {int(n): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for n, row in rows}
    assert "Ny lampe" in text[1] and "VIBO" in text[1] and "01.03.2027" in text[1] and "15.000" in text[1]
    assert "Sted 1" in text[1] and "Belysning" in text[1]
    assert "dublet af #1" in text[2]
    assert "afvist: Privat grund" in text[3]
    assert "parkeret" in text[4]
    assert "Ikke besluttet endnu" in text[5]
    assert "Oversigt over mulige tryghedstiltag" in html and "3 af 5 besluttet" in html
    assert 'css/meeting.css' in html
    assert "@page { size: A4" in (Path(app.static_folder) / "css" / "meeting.css").read_text()


def test_minutes_and_meeting_are_for_staff_only(app, client, make_walk):
    walk = make_walk(status="closed")
    for url in (f"/walks/{walk['id']}/meeting", f"/walks/{walk['id']}/meeting/minutes"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
