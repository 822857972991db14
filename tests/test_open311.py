"""Open311 GeoReport v2 feed: every field in JSON and XML, filters, errors, access."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.measures.models import Measure
from walkapp.orgs.models import Organisation
from walkapp.walks.models import Participant

BASE = "/open311/v2"
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "address", "address_id", "zipcode", "requested_datetime",
    "updated_datetime", "expected_datetime", "lat", "long", "media_url",
]


@pytest.fixture
def auth(api_token):
    return {"Authorization": f"Bearer {api_token}"}


@pytest.fixture
def feed(app, make_walk, make_finding):
    """Findings in every Open311 state: open with measures, closed by measures, dismissed, old."""
    walk = make_walk()
    with app.app_context():
        participant = Participant(walk_id=walk["id"], display_name="Hemmelig Hansen", role="resident")
        db.session.add(participant)
        db.session.commit()
        participant_id = participant.id
    open_id = make_finding(walk["id"], category="lighting", lat=55.6671, lon=12.6049,
                           description='<b>Mørk</b> & "farlig" sti', observed_at=RECENT,
                           participant_id=participant_id, user_id=None)
    closed_id = make_finding(walk["id"], category="graffiti", observed_at=RECENT - timedelta(hours=1))
    dismissed_id = make_finding(walk["id"], category="litter", state="dismissed", dismiss_reason="Privat grund",
                                observed_at=RECENT - timedelta(hours=2))
    old_id = make_finding(walk["id"], category="lighting", observed_at=RECENT - timedelta(days=200))
    with app.app_context():
        police = db.session.execute(db.select(Organisation).where(Organisation.name == "Københavns Politi")).scalar_one()
        other = Organisation(name="Driften A/S", type="housing")
        open_f, closed_f = db.session.get(Finding, open_id), db.session.get(Finding, closed_id)
        db.session.add_all([
            Measure(title="Ny lampe", status="agreed", responsible_org=police, due_on=date(2027, 3, 1), findings=[open_f]),
            Measure(title="Beskær", status="done", responsible_org=other, due_on=date(2027, 1, 15), findings=[open_f]),
            Measure(title="Afrens", status="done", responsible_org=other, findings=[closed_f]),
            Measure(title="Henvis", status="referred", findings=[closed_f]),
            Photo(finding_id=open_id, storage_key="h.jpg", sha256="1" * 64, width=4, height=4, hidden=True),
            Photo(finding_id=open_id, storage_key="v.jpg", sha256="2" * 64, width=4, height=4),
        ])
        db.session.commit()
        visible_photo = str(db.session.execute(db.select(Photo.id).where(Photo.storage_key == "v.jpg")).scalar_one())
    return {"open": str(open_id), "closed": str(closed_id), "dismissed": str(dismissed_id), "old": str(old_id),
            "photo": visible_photo}


def _xml_requests(response) -> list[dict[str, str]]:
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "service_requests"
    return [{child.tag: (child.text or "") for child in req} for req in root.findall("request")]


def test_requests_json_fields(client, auth, feed):
    response = client.get(f"{BASE}/requests.json", headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert {r["service_request_id"] for r in data} == {feed["open"], feed["closed"], feed["dismissed"]}
    item = next(r for r in data if r["service_request_id"] == feed["open"])
    assert list(item) == REQUEST_FIELDS
    assert item["status"] == "open"
    assert item["service_code"] == "lighting" and item["service_name"] == "Belysning"
    assert item["description"] == '<b>Mørk</b> & "farlig" sti'
    assert item["agency_responsible"] == "Københavns Politi; Driften A/S"
    assert item["status_notes"] == "Ny lampe: Aftalt; Beskær: Udført"
    assert item["requested_datetime"] == RECENT.astimezone(_cph()).isoformat()
    assert datetime.fromisoformat(item["updated_datetime"]).utcoffset() is not None
    assert item["expected_datetime"] == "2027-01-15T00:00:00+01:00"
    assert item["lat"] == 55.6671 and item["long"] == 12.6049
    assert item["media_url"].startswith("http://localhost/") and feed["photo"] in item["media_url"]
    statuses = {r["service_request_id"]: r["status"] for r in data}
    assert statuses[feed["closed"]] == "closed" and statuses[feed["dismissed"]] == "closed"
    dismissed = next(r for r in data if r["service_request_id"] == feed["dismissed"])
    assert "Privat grund" in dismissed["status_notes"]
    assert dismissed["media_url"] is None and dismissed["expected_datetime"] is None
    assert "Hemmelig Hansen" not in response.get_data(as_text=True)


def _cph():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Copenhagen")


def test_requests_xml_fields(client, auth, feed):
    response = client.get(f"{BASE}/requests.xml", headers=auth)
    assert response.status_code == 200
    items = {r["service_request_id"]: r for r in _xml_requests(response)}
    item = items[feed["open"]]
    assert list(item) == REQUEST_FIELDS
    assert item["description"] == '<b>Mørk</b> & "farlig" sti'
    assert item["status"] == "open" and item["service_code"] == "lighting"
    assert float(item["lat"]) == 55.6671 and float(item["long"]) == 12.6049
    assert item["expected_datetime"] == "2027-01-15T00:00:00+01:00"
    assert items[feed["closed"]]["status"] == "closed"
    assert items[feed["dismissed"]]["media_url"] == ""
    assert b"Hemmelig Hansen" not in response.get_data()


def test_single_request_json_and_xml(client, auth, feed):
    data = client.get(f"{BASE}/requests/{feed['closed']}.json", headers=auth).get_json()
    assert len(data) == 1 and data[0]["service_request_id"] == feed["closed"] and data[0]["status"] == "closed"
    assert data[0]["agency_responsible"] == "Driften A/S"
    items = _xml_requests(client.get(f"{BASE}/requests/{feed['old']}.xml", headers=auth))
    assert [i["service_request_id"] for i in items] == [feed["old"]]


def test_filters_status_code_dates_and_ids(client, auth, feed):
    def ids(query):
        response = client.get(f"{BASE}/requests.json?{query}", headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {r["service_request_id"] for r in response.get_json()}

    assert ids("status=open") == {feed["open"]}
    assert ids("status=closed") == {feed["closed"], feed["dismissed"]}
    assert ids("service_code=graffiti,litter") == {feed["closed"], feed["dismissed"]}
    old_day = (RECENT - timedelta(days=200)).date()
    start, end = old_day - timedelta(days=1), old_day + timedelta(days=1)
    assert ids(f"start_date={start}T00:00:00Z&end_date={end}T00:00:00Z") == {feed["old"]}
    assert ids(f"service_request_id={feed['old']},{feed['open']}&status=closed") == {feed["old"], feed["open"]}


@pytest.mark.parametrize("query, fragment", [
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90"),
    ("start_date=yesterday", "start_date"),
    ("status=pending", "status"),
    ("start_date=2026-03-01&end_date=2026-02-01", "end_date"),
])
def test_bad_parameters_are_400_in_spec_shape(client, auth, feed, query, fragment):
    response = client.get(f"{BASE}/requests.json?{query}", headers=auth)
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and fragment in error["description"]
    response = client.get(f"{BASE}/requests.xml?{query}", headers=auth)
    assert response.status_code == 400
    root = ET.fromstring(response.get_data())
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert fragment in root.find("error/description").text


def test_unknown_id_and_suffix_are_404(client, auth, feed):
    for url in (f"{BASE}/requests/00000000-0000-4000-8000-000000000000.json", f"{BASE}/requests/nope.json",
                f"{BASE}/requests.csv", f"{BASE}/services.html", f"{BASE}/requests/{feed['open']}.txt"):
        response = client.get(url, headers=auth)
        assert response.status_code == 404, url
        assert response.get_json()[0]["code"] == 404
    response = client.get(f"{BASE}/requests/00000000-0000-4000-8000-000000000000.xml", headers=auth)
    assert response.status_code == 404 and ET.fromstring(response.get_data()).find("error/code").text == "404"


def test_services_json_and_xml(client, auth):
    services = client.get(f"{BASE}/services.json", headers=auth).get_json()
    lighting = next(s for s in services if s["service_code"] == "lighting")
    assert lighting == {"service_code": "lighting", "service_name": "Belysning", "description": "Lighting",
                        "metadata": False, "type": "realtime", "keywords": "", "group": ""}
    root = ET.fromstring(client.get(f"{BASE}/services.xml", headers=auth).get_data())
    codes = [s.find("service_code").text for s in root.findall("service")]
    assert root.tag == "services" and "hidden_corner" in codes and len(codes) == len(services)
    assert root.find("service/metadata").text == "false"


def test_discovery(client, auth):
    data = client.get(f"{BASE}/discovery.json", headers=auth).get_json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2/"
    assert "text/xml" in endpoint["formats"] and "application/json" in endpoint["formats"]


def test_feed_needs_staff_token(client, feed):
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 401 and response.get_json()[0]["code"] == 401
    response = client.get(f"{BASE}/requests.xml", headers={"Authorization": "Bearer wk_wrong"})
    assert response.status_code == 401
    assert ET.fromstring(response.get_data()).find("error/code").text == "401"


class TestPublicFeed:
    @pytest.fixture
    def app_config(self):
        return {"OPEN311_PUBLIC": True}

    def test_public_feed_needs_no_token_and_still_hides_participants(self, client, feed):
        response = client.get(f"{BASE}/requests.json")
        assert response.status_code == 200
        assert feed["open"] in response.get_data(as_text=True)
        assert "Hemmelig Hansen" not in response.get_data(as_text=True)


def test_result_cap_keeps_the_newest_requests(client, auth, feed, monkeypatch):
    """At most MAX_RESULTS requests, and the newest ones: the cap is applied by the database."""
    from walkapp.exports import open311

    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    data = client.get(f"{BASE}/requests.json", headers=auth).get_json()
    assert [r["service_request_id"] for r in data] == [feed["open"], feed["closed"]]


def test_sql_closed_rule_agrees_with_the_python_rule(app, feed):
    """The status filter (SQL) and the status field (Python) never disagree on a finding."""
    from walkapp.exports.queries import closed_condition, is_closed, load_export_findings

    with app.app_context():
        items = load_export_findings()
        closed_ids = set(db.session.execute(db.select(Finding.id).where(closed_condition())).scalars())
        assert len(items) == 4
        assert {i.finding.id for i in items if is_closed(i)} == closed_ids
        assert {str(i) for i in closed_ids} == {feed["closed"], feed["dismissed"]}
