"""Good places ("Godt sted", Finding.kind == "good") and the checklist categories: stored and
returned by the capture API, green on the maps, apart in the overview and the exports, never a
problem on the dashboard and never given a measure."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from tests.capture_api_helpers import finding_payload, findings_url, send, stored, stored_findings
from tests.conftest import csrf_token, login
from walkapp.exports.folium_map import STATUS_COLOURS
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.measures.models import Measure
from walkapp.orgs.area_scope import unscoped
from walkapp.walks.models import Walk

GREEN = STATUS_COLOURS["good"]
CHECKLIST = {
    "entrance": "Opgange og indgange",
    "wayfinding": "Skiltning og orientering",
    "path": "Stier, belægning og fremkommelighed",
    "parking": "Parkering",
    "transit": "Stoppesteder",
    "life": "Liv og øjne på gaden",
}


@pytest.fixture
def staff(app, client, coordinator):
    """The coordinator logged in, with a CSRF header on every request."""
    assert login(client, coordinator["email"]).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    return client


@pytest.fixture
def mixed_walk(make_walk, make_finding):
    """A walk held this year with two lighting problems and one good place (lighting too)."""
    walk = make_walk(status="closed", starts_at=datetime.now(UTC))
    problems = [make_finding(walk["id"], lat=55.6665 + i * 0.0002, description=f"Mørkt {i}")
                for i in range(2)]
    good = make_finding(walk["id"], lat=55.6672, kind="good", description="Godt lys ved legepladsen")
    return {"id": walk["id"], "problems": problems, "good": good}


def _rows(html: str) -> list[list]:
    """The follow-up map's markers: [lat, lon, colour, popup, layer, number] each."""
    return json.loads(re.search(r"var rows = (\[.*?\]);\n", html, re.S).group(1))


# ---------------------------------------------------------------- capture API


def test_kind_is_stored_and_returned_in_json_and_geojson(app, participant, walk):
    good = finding_payload(kind="good", description="Rart sted med bænke")
    plain = finding_payload()  # no kind: a problem, as every phone sent it before
    created = send(participant, "POST", findings_url(walk["id"]), good)
    assert created.status_code == 201 and created.get_json()["kind"] == "good"
    assert send(participant, "POST", findings_url(walk["id"]), plain).get_json()["kind"] == "problem"
    assert stored(app, good["id"]).kind == "good" and stored(app, plain["id"]).kind == "problem"
    features = participant.get(findings_url(walk["id"])).get_json()["features"]
    assert {f["id"]: f["properties"]["kind"] for f in features} == {good["id"]: "good", plain["id"]: "problem"}


@pytest.mark.parametrize("kind", ["nice", "", "GOOD", 1, None, ["good"]])
def test_unknown_kind_is_400_and_stores_nothing(app, participant, walk, kind):
    response = send(participant, "POST", findings_url(walk["id"]), finding_payload(kind=kind))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_kind"
    assert stored_findings(app, walk["id"]) == []


def test_resending_the_same_id_as_another_kind_is_a_conflict(app, participant, walk):
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    again = send(participant, "POST", findings_url(walk["id"]), {**payload, "kind": "good"})
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    assert stored(app, payload["id"]).kind == "problem"


def test_capture_sheet_offers_the_choice_first(participant, walk):
    html = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    sheet = html[html.index('id="sheet"'):]
    # The kind comes before the categories, in Danish, a problem until changed.
    assert sheet.index('id="kind-choice"') < sheet.index('class="category-grid"')
    problem = re.search(r'data-kind="problem" aria-pressed="(\w+)">\s*<span class="kind-name">Noget utrygt<', sheet)
    good = re.search(r'data-kind="good" aria-pressed="(\w+)">\s*<span class="kind-name">Et godt sted<', sheet)
    assert problem and good and (problem.group(1), good.group(1)) == ("true", "false")


# ---------------------------------------------------------------- dashboard


def test_dashboard_counts_good_places_apart_from_problems(app, client, api_token, staff, mixed_walk):
    year = datetime.now(UTC).year
    body = client.get(f"/api/v1/dashboard?year={year}", headers={"Authorization": f"Bearer {api_token}"}).get_json()
    assert body["findings_by_category"] == {"lighting": 2}
    assert body["good_places"] == 1
    page = staff.get(f"/dashboard?year={year}").get_data(as_text=True)
    good = re.search(r'id="good-places"><span class="number">(\d+)</span>\s*Gode steder', page)
    assert good and good.group(1) == "1"


# ---------------------------------------------------------------- no measures


def test_meeting_decision_refuses_a_measure_or_attach_for_a_good_place(app, staff, mixed_walk):
    made = staff.post(f"/api/v1/findings/{mixed_walk['problems'][0]}/decision",
                      json={"action": "measure", "title": "Ny lampe"})
    assert made.status_code == 201
    measure_id = made.get_json()["id"]
    for body in ({"action": "measure", "title": "Bevar lyset"}, {"action": "attach", "measure_id": measure_id}):
        response = staff.post(f"/api/v1/findings/{mixed_walk['good']}/decision", json=body)
        assert response.status_code == 400 and response.get_json()["error"] == "good_place"
    with app.app_context():
        good = db.session.get(Finding, mixed_walk["good"])
        assert good.state == "new"
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 1


def test_agenda_leaves_good_places_out_but_keeps_the_numbers(staff, mixed_walk):
    body = staff.get(f"/api/v1/walks/{mixed_walk['id']}/agenda").get_json()
    ids = [item["finding_id"] for item in body["items"]]
    assert str(mixed_walk["good"]) not in ids and len(ids) == 2 and body["total"] == 2
    assert [item["number"] for item in body["items"]] == [1, 2]


@pytest.mark.parametrize("title", ["Bevar lyset", ""])
def test_triage_bulk_measure_with_a_good_place_is_refused(app, staff, mixed_walk, title):
    response = staff.post("/findings/bulk", data={
        "csrf_token": csrf_token(staff), "action": "measure", "title": title,
        "finding": [str(mixed_walk["problems"][0]), str(mixed_walk["good"])],
    }, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "good_place"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0
        assert db.session.get(Finding, mixed_walk["problems"][0]).state == "new"


def test_measure_form_for_a_good_place_is_refused(staff, mixed_walk):
    response = staff.get(f"/measures/new?finding={mixed_walk['good']}")
    assert response.status_code == 400


# ---------------------------------------------------------------- maps and exports


def test_good_place_is_green_on_the_follow_up_map_with_its_legend(staff, mixed_walk):
    html = staff.get(f"/walks/{mixed_walk['id']}/map.html").get_data(as_text=True)
    colours = {row[5]: row[2] for row in _rows(html)}
    assert colours == {1: STATUS_COLOURS["none"], 2: STATUS_COLOURS["none"], 3: GREEN}
    assert "Godt sted" in _rows(html)[2][3]
    assert re.search(r"data-status='good'>Godt sted</span> \(<span class='legend-count' data-status='good'>1<", html)


def test_geojson_export_marks_the_good_place_green(staff, mixed_walk):
    features = staff.get(f"/walks/{mixed_walk['id']}/export.geojson").get_json()["features"]
    by_id = {f["id"]: f["properties"] for f in features if f["properties"]["kind"] == "finding"}
    good = by_id[str(mixed_walk["good"])]
    assert (good["finding_kind"], good["follow_up_status"], good["marker-color"]) == ("good", "good", GREEN)
    problem = by_id[str(mixed_walk["problems"][0])]
    assert (problem["finding_kind"], problem["follow_up_status"]) == ("problem", "none")
    assert problem["marker-color"] != GREEN


def test_csv_export_has_a_type_column(staff, mixed_walk):
    text = staff.get(f"/walks/{mixed_walk['id']}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Type"] for row in rows) == ["Godt sted", "Problem", "Problem"]
    assert next(r for r in rows if r["Type"] == "Godt sted")["Opfølgning"] == "Godt sted"


def test_overview_lists_good_places_apart_and_draws_them_green(staff, mixed_walk):
    html = staff.get(f"/walks/{mixed_walk['id']}/report").get_data(as_text=True)
    route_list = html[html.index('id="route-list"'):html.index("</ol>", html.index('id="route-list"'))]
    good_list = html[html.index('id="good-list"'):html.index("</ol>", html.index('id="good-list"'))]
    assert "Godt lys ved legepladsen" in good_list and "Godt lys" not in route_list
    assert route_list.count('class="report-row"') == 2 and good_list.count('class="report-row"') == 1
    assert "Gode steder (1)" in html
    # Findings by category counts the two problems only.
    assert re.search(r"Belysning \(2\)", html)
    point = re.search(r'<g class="map-point good-place" data-number="3">\s*<circle[^>]*stroke="#0a6b2d"', html)
    assert point, "the good place is drawn green on the overview's map"


def test_feedback_page_draws_good_places_green_and_does_not_count_them(app, staff, mixed_walk):
    from walkapp.followup.feedback import feedback_content

    with app.test_request_context(), unscoped():
        content = feedback_content(db.session.get(Walk, mixed_walk["id"]), "da")
    assert content.category_counts == [("Belysning", 2)]
    assert [item.good for item in content.items] == [False, False, True]
    assert [p["item"]["good"] for p in content.svg.points] == [False, False, True]


# ---------------------------------------------------------------- checklist categories


def test_checklist_categories_exist_with_icons_that_load(app, client):
    with app.app_context():
        found = {c.code: c for c in db.session.execute(
            db.select(Category).where(Category.code.in_(list(CHECKLIST)))).scalars()}
    assert {code: c.name_da for code, c in found.items()} == CHECKLIST
    for category in found.values():
        assert category.active
        response = client.get(f"/static/icons/categories/{category.icon}.svg")
        data = response.get_data()
        response.close()
        assert response.status_code == 200
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and len(root) >= 1


def test_checklist_category_is_offered_and_accepted_on_capture(app, participant, walk):
    html = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    for code in CHECKLIST:
        assert f'data-code="{code}"' in html
    payload = finding_payload(category="transit", kind="good")
    body = send(participant, "POST", findings_url(walk["id"]), payload).get_json()
    assert (body["category"], body["category_name"], body["kind"]) == ("transit", "Stoppesteder", "good")


def test_seeding_again_adds_nothing(app):
    from walkapp.seed import seed_reference_data

    with app.app_context():
        before = db.session.execute(db.select(db.func.count(Category.id))).scalar_one()
        seed_reference_data()
        db.session.commit()
        assert db.session.execute(db.select(db.func.count(Category.id))).scalar_one() == before


def test_walk_page_map_marks_the_good_place(staff, mixed_walk):
    html = staff.get(f"/walks/{mixed_walk['id']}").get_data(as_text=True)
    data = json.loads(re.search(r'id="walk-map-data">(.*?)</script>', html, re.S).group(1))
    assert [(p["number"], p["good"]) for p in data["findings"]] == [(1, False), (2, False), (3, True)]
