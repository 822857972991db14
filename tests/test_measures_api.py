"""The measures JSON API: create, transitions (200/409/422/400), list and auth."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.measure_helpers import measure_state
from walkapp.extensions import db


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _create(client, token, **body):
    return client.post("/api/v1/measures", json=body, headers=_auth(token))


def test_create_measure_returns_201_proposed(app, client, api_token, make_walk, make_finding):
    from walkapp.findings.models import Finding

    walk_id = make_walk()["id"]
    ids = [str(make_finding(walk_id)), str(make_finding(walk_id))]
    response = _create(client, api_token, title="Lys i porten", finding_ids=ids,
                       responsible_org="VIBO", due_on="2031-01-15", cost_estimate_dkk=8000,
                       description="Armatur defekt")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "proposed" and body["version"] == 1
    assert body["responsible_org"]["name"] == "VIBO"
    assert body["due_on"] == "2031-01-15" and body["cost_estimate_dkk"] == 8000
    assert sorted(body["finding_ids"]) == sorted(ids)
    assert body["allowed_transitions"] == ["agreed", "in_plan", "rejected", "referred"]
    assert response.headers["Location"].endswith(f"/api/v1/measures/{body['id']}")
    with app.app_context():
        assert set(db.session.execute(db.select(Finding.state)).scalars()) == {"triaged"}


def test_responsible_org_by_id(app, client, api_token, make_walk, make_finding):
    from walkapp.seed import organisation_named

    with app.app_context():
        fsb_id = organisation_named("fsb").id
    finding = str(make_finding(make_walk()["id"]))
    body = _create(client, api_token, title="Lys", finding_ids=[finding], responsible_org=fsb_id).get_json()
    assert body["responsible_org"] == {"id": fsb_id, "name": "fsb"}


@pytest.mark.parametrize("body, code", [
    ({"title": "Lys", "finding_ids": []}, "findings_required"),
    ({"title": "Lys"}, "findings_required"),
    ({"title": "Lys", "finding_ids": ["00000000-0000-0000-0000-000000000000"]}, "unknown_findings"),
    ({"title": "Lys", "finding_ids": ["nope"]}, "unknown_findings"),
    ({"title": "", "finding_ids": ["FINDING"]}, "invalid_title"),
    ({"title": 7, "finding_ids": ["FINDING"]}, "invalid_title"),
    ({"title": "Lys", "finding_ids": ["FINDING"], "responsible_org": "Ingen"}, "unknown_organisation"),
    ({"title": "Lys", "finding_ids": ["FINDING"], "due_on": "15.01.2031"}, "invalid_date"),
    ({"title": "Lys", "finding_ids": ["FINDING"], "cost_estimate_dkk": -1}, "invalid_cost"),
    ({"title": "Lys", "finding_ids": ["FINDING"], "cost_estimate_dkk": "100"}, "invalid_cost"),
])
def test_create_measure_bad_input_is_400_and_creates_nothing(
        app, client, api_token, make_walk, make_finding, body, code):
    from walkapp.measures.models import Measure

    finding = str(make_finding(make_walk()["id"]))
    if "finding_ids" in body:
        body = {**body, "finding_ids": [finding if i == "FINDING" else i for i in body["finding_ids"]]}
    response = client.post("/api/v1/measures", json=body, headers=_auth(api_token))
    assert response.status_code == 400
    assert response.get_json()["error"] == code
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0


def test_non_json_body_is_400(client, api_token):
    response = client.post("/api/v1/measures", data="title=x", headers=_auth(api_token))
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"


def test_transitions_200_409_422(app, client, api_token, make_measure):
    measure_id = make_measure()
    url = f"/api/v1/measures/{measure_id}/transitions"
    ok = client.post(url, json={"to": "agreed", "note": "OK", "version": 1}, headers=_auth(api_token))
    assert ok.status_code == 200
    assert ok.get_json()["status"] == "agreed" and ok.get_json()["version"] == 2
    assert [h["to"] for h in ok.get_json()["history"]] == ["proposed", "agreed"]

    stale = client.post(url, json={"to": "rejected", "version": 1}, headers=_auth(api_token))
    assert stale.status_code == 409
    assert stale.get_json()["error"] == "stale_version"
    assert stale.get_json()["current"]["status"] == "agreed"
    assert stale.get_json()["current"]["version"] == 2

    illegal = client.post(url, json={"to": "done", "version": 2}, headers=_auth(api_token))
    assert illegal.status_code == 422 and illegal.get_json()["error"] == "illegal_transition"
    assert measure_state(app, measure_id)[:2] == ("agreed", 2)


def test_in_plan_via_api(app, client, api_token, make_measure, estate_id):
    from walkapp.dates import local_today

    measure_id = make_measure()
    url = f"/api/v1/measures/{measure_id}/transitions"
    year = local_today().year
    for bad, code in (({"plan_year": year + 11, "amount_dkk": 1, "estate": "Holmbladsgade"}, "invalid_plan_year"),
                      ({"plan_year": year - 1, "amount_dkk": 1, "estate": "Holmbladsgade"}, "invalid_plan_year"),
                      ({"plan_year": year, "amount_dkk": -100, "estate": "Holmbladsgade"}, "invalid_amount"),
                      ({"plan_year": year, "amount_dkk": 100}, "estate_required"),
                      ({"plan_year": year, "amount_dkk": 100, "estate": "Findes ikke"}, "estate_required"),
                      ({"plan_year": "2030", "amount_dkk": 100, "estate": estate_id}, "invalid_plan_year")):
        response = client.post(url, json={"to": "in_plan", "version": 1, **bad}, headers=_auth(api_token))
        assert response.status_code == 400, bad
        assert response.get_json()["error"] == code, bad
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)
    response = client.post(url, json={"to": "in_plan", "version": 1, "plan_year": year + 10,
                                      "amount_dkk": 40000, "estate": estate_id},
                           headers=_auth(api_token))
    assert response.status_code == 200
    item = response.get_json()["plan_items"][0]
    assert (item["plan_year"], item["amount_dkk"], item["estate"]["name"]) == (year + 10, 40000, "Holmbladsgade")


@pytest.mark.parametrize("body", [{"to": "agreed"}, {"to": "agreed", "version": "1"}, {"version": 1},
                                  {"to": "finished", "version": 1}])
def test_transition_bad_body_is_400(app, client, api_token, make_measure, body):
    measure_id = make_measure()
    response = client.post(f"/api/v1/measures/{measure_id}/transitions", json=body, headers=_auth(api_token))
    assert response.status_code == 400
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)


def test_list_and_get(app, client, api_token, make_measure):
    first = make_measure(title="A", org="VIBO")
    second = make_measure(title="B", org="fsb")
    client.post(f"/api/v1/measures/{second}/transitions", json={"to": "agreed", "version": 1},
                headers=_auth(api_token))
    everything = client.get("/api/v1/measures", headers=_auth(api_token)).get_json()["measures"]
    assert [m["id"] for m in everything] == [first, second]
    agreed = client.get("/api/v1/measures?status=agreed", headers=_auth(api_token)).get_json()
    assert [m["id"] for m in agreed["measures"]] == [second]
    vibo = client.get("/api/v1/measures?org=VIBO", headers=_auth(api_token)).get_json()
    assert [m["title"] for m in vibo["measures"]] == ["A"]
    assert client.get("/api/v1/measures?status=bogus", headers=_auth(api_token)).status_code == 400
    assert client.get("/api/v1/measures?org=Ukendt", headers=_auth(api_token)).status_code == 400
    one = client.get(f"/api/v1/measures/{first}", headers=_auth(api_token))
    assert one.status_code == 200 and one.get_json()["title"] == "A"
    assert client.get("/api/v1/measures/999999", headers=_auth(api_token)).status_code == 404


def test_without_auth_is_401_and_participant_is_401(app, client, make_measure, make_walk):
    measure_id = make_measure()
    assert client.get("/api/v1/measures").status_code == 401
    assert client.get(f"/api/v1/measures/{measure_id}").status_code == 401
    assert client.post("/api/v1/measures", json={"title": "x"},
                       headers={"Authorization": "Bearer wk_wrong"}).status_code == 401
    walk = make_walk()
    client.get(f"/j/{walk['join_code']}")  # now a participant, not staff
    response = client.post(f"/api/v1/measures/{measure_id}/transitions",
                           json={"to": "agreed", "version": 1},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)


def test_cookie_session_needs_csrf(app, logged_in, make_measure):
    measure_id = make_measure()
    url = f"/api/v1/measures/{measure_id}/transitions"
    assert logged_in.post(url, json={"to": "agreed", "version": 1}).status_code == 400
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)
    response = logged_in.post(url, json={"to": "agreed", "version": 1},
                              headers={"X-CSRFToken": csrf_token(logged_in)})
    assert response.status_code == 200


def test_staff_of_other_org_gets_403(app, make_measure, make_user):
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    measure_id = make_measure(org="VIBO")
    tokens = {}
    for org in ("fsb", "VIBO"):
        user = make_user(role="staff", organisation=org)
        with app.app_context():
            tokens[org] = issue_token(db.session.get(User, user["id"]))
            db.session.commit()
    client = app.test_client()
    url = f"/api/v1/measures/{measure_id}/transitions"
    denied = client.post(url, json={"to": "agreed", "version": 1}, headers=_auth(tokens["fsb"]))
    assert denied.status_code == 403
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)
    # Reading is allowed for every staff member.
    assert client.get(f"/api/v1/measures/{measure_id}", headers=_auth(tokens["fsb"])).status_code == 200
    allowed = client.post(url, json={"to": "agreed", "version": 1}, headers=_auth(tokens["VIBO"]))
    assert allowed.status_code == 200


# ---------------------------------------------------------------- PATCH /measures/<id>


def _stored(app, measure_id: int) -> tuple:
    """(title, org name, due_on, cost, version) as stored."""
    from walkapp.measures.models import Measure

    with app.app_context():
        m = db.session.get(Measure, measure_id)
        return (m.title, m.responsible_org.name if m.responsible_org else None,
                m.due_on.isoformat() if m.due_on else None, m.cost_estimate_dkk, m.version)


def _staff_token(app, make_user, organisation: str) -> str:
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    user = make_user(role="staff", organisation=organisation)
    with app.app_context():
        token = issue_token(db.session.get(User, user["id"]))
        db.session.commit()
    return token


def test_patch_measure_edits_given_fields(app, client, api_token, make_measure):
    measure_id = make_measure(org="VIBO", cost_estimate_dkk=1000)
    url = f"/api/v1/measures/{measure_id}"
    response = client.patch(url, headers=_auth(api_token), json={
        "version": 1, "title": "Nye lamper", "responsible_org": "fsb", "due_on": "2031-02-28"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Nye lamper" and body["responsible_org"]["name"] == "fsb"
    assert body["due_on"] == "2031-02-28" and body["cost_estimate_dkk"] == 1000
    assert body["version"] == 2 and body["status"] == "proposed" and len(body["history"]) == 1
    assert _stored(app, measure_id) == ("Nye lamper", "fsb", "2031-02-28", 1000, 2)
    # null clears; the organisation may also be given by id.
    response = client.patch(url, headers=_auth(api_token), json={
        "version": 2, "due_on": None, "cost_estimate_dkk": None, "responsible_org": None})
    assert response.status_code == 200
    assert _stored(app, measure_id) == ("Nye lamper", None, None, None, 3)


def test_patch_measure_stale_version_is_409_with_current_state(app, client, api_token, make_measure):
    measure_id = make_measure()
    url = f"/api/v1/measures/{measure_id}"
    assert client.patch(url, headers=_auth(api_token), json={"version": 1, "title": "A"}).status_code == 200
    response = client.patch(url, headers=_auth(api_token), json={"version": 1, "title": "B",
                                                                 "cost_estimate_dkk": 5})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "stale_version"
    assert body["current"]["title"] == "A" and body["current"]["version"] == 2
    assert _stored(app, measure_id) == ("A", "VIBO", None, None, 2)


@pytest.mark.parametrize("body, code", [
    ({"due_on": "31.12.2030"}, "invalid_date"),
    ({"due_on": "2030-02-31"}, "invalid_date"),
    ({"cost_estimate_dkk": -1}, "invalid_cost"),
    ({"cost_estimate_dkk": "100"}, "invalid_cost"),
    ({"title": ""}, "invalid_title"),
    ({"title": None}, "invalid_title"),
    ({"responsible_org": "Ingen"}, "unknown_organisation"),
    ({"status": "done"}, "unknown_fields"),
    ({"version": "1"}, "version_required"),
    ({"version": None}, "version_required"),
])
def test_patch_measure_bad_input_is_400_and_changes_nothing(app, client, api_token, make_measure,
                                                            body, code):
    measure_id = make_measure(due_on=None)
    before = _stored(app, measure_id)
    payload = {"version": 1, "title": "Ændret", **body}
    response = client.patch(f"/api/v1/measures/{measure_id}", headers=_auth(api_token), json=payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == code
    assert _stored(app, measure_id) == before


def test_patch_measure_permissions(app, client, make_measure, make_user):
    vibo_measure, orphan = make_measure(org="VIBO"), make_measure(org=None)
    fsb = _staff_token(app, make_user, "fsb")
    denied = client.patch(f"/api/v1/measures/{vibo_measure}", headers=_auth(fsb),
                          json={"version": 1, "title": "Overtaget"})
    assert denied.status_code == 403 and denied.get_json()["error"] == "forbidden"
    assert _stored(app, vibo_measure)[0] == "Ny belysning ved port"
    # Without a responsible organisation any staff member may take the measure on.
    taken = client.patch(f"/api/v1/measures/{orphan}", headers=_auth(fsb),
                         json={"version": 1, "responsible_org": "fsb"})
    assert taken.status_code == 200 and taken.get_json()["responsible_org"]["name"] == "fsb"
    # No token at all: 401, nothing changed.
    anonymous = client.patch(f"/api/v1/measures/{vibo_measure}", json={"version": 1, "title": "X"},
                             headers={"X-CSRFToken": csrf_token(client)})
    assert anonymous.status_code == 401
    assert _stored(app, vibo_measure)[4] == 1


def _walk_to(client, token, measure_id: int, *steps: str) -> int:
    """POST these transitions in turn (from version 1); returns the version reached."""
    version = 1
    for to in steps:
        response = client.post(f"/api/v1/measures/{measure_id}/transitions",
                               json={"to": to, "version": version}, headers=_auth(token))
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    return version


def test_done_is_one_call_in_the_api(app, client, api_token, make_measure):
    """The confirmation is the page's; an API client sets done in one call."""
    measure_id = make_measure()
    version = _walk_to(client, api_token, measure_id, "agreed", "in_progress", "done")
    body = client.get(f"/api/v1/measures/{measure_id}", headers=_auth(api_token)).get_json()
    assert (body["status"], body["version"]) == ("done", version)
    assert body["allowed_transitions"] == [] and body["reopen_transitions"] == ["in_progress"]
    assert body["open311_status"] == "closed"


def test_reopen_via_api_needs_a_note_and_records_it(app, client, api_token, make_measure, coordinator):
    measure_id = make_measure()
    version = _walk_to(client, api_token, measure_id, "agreed", "in_progress", "done")
    url = f"/api/v1/measures/{measure_id}/transitions"
    for note in (None, "", "  "):
        body = {"to": "in_progress", "version": version} | ({} if note is None else {"note": note})
        response = client.post(url, json=body, headers=_auth(api_token))
        assert response.status_code == 400
        assert response.get_json()["error"] == "note_required"
    assert measure_state(app, measure_id)[:2] == ("done", version)
    response = client.post(url, json={"to": "in_progress", "version": version,
                                      "note": "Beboerne melder det er mørkt igen"},
                           headers=_auth(api_token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "in_progress" and body["open311_status"] == "open"
    assert body["history"][-1]["from"] == "done" and body["history"][-1]["to"] == "in_progress"
    assert body["history"][-1]["note"] == "Beboerne melder det er mørkt igen"
    assert body["history"][-1]["by_user_id"] == coordinator["id"]


def test_staff_may_not_reopen_via_api(app, client, api_token, make_measure, make_user):
    """Staff of the responsible organisation may close the measure, not reopen it: 403."""
    measure_id = make_measure(org="VIBO")
    vibo = _staff_token(app, make_user, "VIBO")
    version = _walk_to(client, vibo, measure_id, "agreed", "rejected")
    response = client.post(f"/api/v1/measures/{measure_id}/transitions",
                           json={"to": "proposed", "version": version, "note": "Alligevel"},
                           headers=_auth(vibo))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert measure_state(app, measure_id)[:2] == ("rejected", version)
    # A coordinator may, and rejected goes back to proposed.
    response = client.post(f"/api/v1/measures/{measure_id}/transitions",
                           json={"to": "proposed", "version": version, "note": "Alligevel"},
                           headers=_auth(api_token))
    assert response.status_code == 200 and response.get_json()["status"] == "proposed"


def test_plan_refusal_lists_every_problem(app, client, api_token, make_measure):
    from walkapp.dates import local_today

    measure_id = make_measure()
    response = client.post(f"/api/v1/measures/{measure_id}/transitions", json={
        "to": "in_plan", "version": 1, "plan_year": local_today().year + 50, "amount_dkk": -5},
        headers=_auth(api_token))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "estate_required"
    assert [(e["field"], e["error"]) for e in body["errors"]] == [
        ("estate", "estate_required"), ("plan_year", "invalid_plan_year"), ("amount_dkk", "invalid_amount")]
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)
