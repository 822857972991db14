"""Dashboard figures against a hand-counted data set (two years, two housing organisations)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import post_form
from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped

CPH = ZoneInfo("Europe/Copenhagen")


def at(year, month, day, hour=12, minute=0):
    """A Copenhagen wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


@pytest.fixture
def seeded(app, coordinator):
    """Walks, findings and measures whose figures are counted by hand in the tests below."""
    from walkapp.findings.models import Category, Finding
    from walkapp.measures.models import Measure, StatusChange
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named
    from walkapp.walks.models import Walk

    with app.app_context():
        vibo, fsb = organisation_named("VIBO"), organisation_named("fsb")
        holmblad = Estate(name="Holmbladsgade", organisation=vibo)
        urban = Estate(name="Urbanplanen", organisation=fsb)
        db.session.add_all([holmblad, urban])
        cats = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}

        def walk(title, estate, starts, status="closed", kind="walk", sent=None):
            w = Walk(title=title, kind=kind, status=status, starts_at=starts, join_code=uuid.uuid4().hex,
                     overview_sent_on=sent, estates=[estate])
            db.session.add(w)
            return w

        def finding(w, code):
            f = Finding(id=uuid.uuid4(), walk=w, category=cats[code], lat=55.66, lon=12.6,
                        user_id=coordinator["id"])
            db.session.add(f)
            return f

        def measure(title, findings, path, created, done_after_days=None):
            m = Measure(title=title, status=path[-1], created_at=created, findings=findings)
            db.session.add(m)
            db.session.flush()
            previous = None
            for i, status in enumerate(path):
                when = created + timedelta(days=i)
                if status == "done" and done_after_days is not None:
                    when = created + timedelta(days=done_after_days)
                db.session.add(StatusChange(measure_id=m.id, from_status=previous, to_status=status, at=when))
                previous = status
            return m

        w1 = walk("W1", holmblad, at(2025, 10, 15, 19), sent=date(2025, 11, 1))
        f1, f2, f3 = finding(w1, "lighting"), finding(w1, "lighting"), finding(w1, "graffiti")
        w2 = walk("W2", urban, at(2025, 11, 5, 19), status="active")
        f4 = finding(w2, "litter")
        w3 = walk("W3", holmblad, at(2025, 5, 1, 10), kind="inspection")
        f5 = finding(w3, "vegetation")
        # Nobody pressed "Start", but it has a finding: it was held.
        w4 = walk("W4 planned", holmblad, at(2025, 12, 1, 19), status="planned")
        f6 = finding(w4, "lighting")
        # Planned and without findings: not held.
        walk("W7 never held", urban, at(2025, 6, 1, 19), status="planned")
        # Either side of New Year in Copenhagen (both are 31 Dec in UTC).
        w5 = walk("W5", urban, at(2024, 12, 31, 23, 30), sent=date(2025, 1, 10))
        f7 = finding(w5, "graffiti")
        walk("W6", urban, at(2025, 1, 1, 0, 30), sent=date(2025, 1, 20))
        db.session.flush()

        measure("M1", [f1], ["proposed", "agreed", "in_progress", "done"], at(2025, 10, 20), 40)
        measure("M2", [f2, f3], ["proposed", "rejected"], at(2025, 10, 20))
        measure("M3", [f4], ["proposed", "in_plan"], at(2025, 11, 6))
        measure("M4", [f4], ["proposed", "agreed", "in_progress", "done"], at(2025, 11, 6), 10)
        measure("M5", [f5], ["proposed", "in_plan", "in_progress"], at(2025, 5, 2))
        measure("M6", [f6], ["proposed", "agreed", "in_progress", "done"], at(2025, 12, 2), 1)
        measure("M7", [f7], ["proposed"], at(2025, 1, 2))
        db.session.commit()
        return {"vibo": vibo.id, "fsb": fsb.id, "urban": urban.id}


def empty_statuses(**counts):
    statuses = ("proposed", "agreed", "in_progress", "done", "rejected", "in_plan", "referred")
    return {s: counts.get(s, 0) for s in statuses}


def test_all_organisations_2025(seeded, client, api_token):
    """Every held walk of 2025: four walks (one planned with a finding), one inspection; the
    planned walk without findings does not count; five measures were done or put in the plan."""
    response = client.get("/api/v1/dashboard?year=2025", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    body = response.get_json()
    coverage = body.pop("partner_coverage")
    # Only the coordinator captured and nobody joined: no partner took part in any walk.
    assert [(w["title"], w["partners"]) for w in coverage["walks"]] == [
        ("W6", []), ("W1", []), ("W2", []), ("W4 planned", [])]
    assert coverage["missing"] == ["police", "municipality", "board", "operations"]
    # Nobody joined, so every profile group is too small to show (tests/test_participant_profile.py).
    assert not any(g["shown"] or g["participants"] is not None for g in body.pop("profile_groups"))
    assert body == {
        "year": 2025,
        "walks_held": 4,
        "inspections_held": 1,
        "overviews_sent": 2,
        "findings_by_category": {"graffiti": 1, "lighting": 3, "litter": 1, "vegetation": 1},
        "good_places": 0,
        "measures_by_status": empty_statuses(done=3, rejected=1, in_plan=1, in_progress=1),
        "measures_done": 3,  # M1, M4, M6
        "measures_put_in_plan": 2,  # M3, and M5, which has left the plan since
        "measures_done_or_in_plan": 5,
        "median_days_to_done": 10.0,  # 40, 10 and 1 days
        "targets": {"walk_held": True, "overview_per_walk": False, "measure_done_or_in_plan": True},
    }


def test_per_housing_organisation_and_estate(seeded, client, api_token):
    """VIBO by id and fsb by name (or by its estate's name) give their own hand-counted figures."""
    headers = {"Authorization": f"Bearer {api_token}"}
    vibo = client.get(f"/api/v1/dashboard?year=2025&organisation={seeded['vibo']}", headers=headers).get_json()
    assert vibo["walks_held"] == 2 and vibo["inspections_held"] == 1 and vibo["overviews_sent"] == 1
    assert vibo["findings_by_category"] == {"graffiti": 1, "lighting": 3, "vegetation": 1}
    assert vibo["measures_by_status"] == empty_statuses(done=2, rejected=1, in_progress=1)
    assert vibo["measures_done_or_in_plan"] == 3  # M1 and M6 done, M5 went through the plan
    assert vibo["median_days_to_done"] == 20.5
    # W4 was held (it has a finding) and no overview was sent for it.
    assert vibo["targets"] == {"walk_held": True, "overview_per_walk": False, "measure_done_or_in_plan": True}

    fsb = client.get("/api/v1/dashboard?year=2025&organisation=fsb", headers=headers).get_json()
    assert fsb["walks_held"] == 2 and fsb["inspections_held"] == 0 and fsb["overviews_sent"] == 1
    assert fsb["findings_by_category"] == {"litter": 1}
    assert fsb["measures_by_status"] == empty_statuses(in_plan=1, done=1)
    assert fsb["median_days_to_done"] == 10.0
    assert fsb["targets"] == {"walk_held": True, "overview_per_walk": False, "measure_done_or_in_plan": True}
    by_estate = client.get("/api/v1/dashboard?year=2025&estate=Urbanplanen", headers=headers).get_json()
    assert by_estate == fsb

    fsb_2024 = client.get("/api/v1/dashboard?year=2024&organisation=fsb", headers=headers).get_json()
    assert fsb_2024["walks_held"] == 1 and fsb_2024["overviews_sent"] == 1
    assert fsb_2024["findings_by_category"] == {"graffiti": 1}
    assert fsb_2024["measures_by_status"] == empty_statuses(proposed=1)
    assert fsb_2024["measures_done_or_in_plan"] == 0 and fsb_2024["median_days_to_done"] is None
    assert fsb_2024["targets"] == {"walk_held": True, "overview_per_walk": True, "measure_done_or_in_plan": False}

    vibo_2024 = client.get("/api/v1/dashboard?year=2024&organisation=VIBO", headers=headers).get_json()
    assert vibo_2024["walks_held"] == 0 and vibo_2024["findings_by_category"] == {}
    assert vibo_2024["targets"] == {"walk_held": False, "overview_per_walk": False, "measure_done_or_in_plan": False}


def test_bad_filters_and_access(seeded, app, client, api_token):
    """Bad year/organisation/estate → 400 JSON; no token → 401; a participant session → 401."""
    headers = {"Authorization": f"Bearer {api_token}"}
    for query in ("year=abc", "year=1999", "organisation=Nobody", "organisation=K%C3%B8benhavns%20Politi",
                  "estate=Nowhere", "estate=999999"):
        response = client.get(f"/api/v1/dashboard?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["error"] in ("invalid_year", "invalid_organisation", "invalid_estate")
    assert client.get("/api/v1/dashboard?year=2025").status_code == 401
    assert client.get("/api/v1/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 401
    from walkapp.walks.models import Participant, Walk

    with app.app_context():
        walk = db.session.execute(db.select(Walk).where(Walk.title == "W1")).scalar_one()
        participant = Participant(walk_id=walk.id, role="resident")
        db.session.add(participant)
        db.session.commit()
        ids = participant.id, walk.id
    with client.session_transaction() as session:
        session["participant_id"], session["walk_id"] = ids
    assert client.get("/api/v1/dashboard?year=2025").status_code == 401
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_dashboard_page_shows_targets_in_words(seeded, logged_in):
    """Targets read as met / not met in words and icons, with a five-year bar chart."""
    post_form(logged_in, "/lang/en")
    html = logged_in.get("/dashboard?year=2025&organisation=fsb").get_data(as_text=True)
    assert 'data-target="overview_per_walk"' in html
    assert html.count("Not met") == 1 and html.count("Met:") == 2
    assert "<svg" in html and "2021" in html and "2025" in html
    html_2024 = logged_in.get("/dashboard?year=2024&organisation=VIBO").get_data(as_text=True)
    assert html_2024.count("Not met") == 3
    assert logged_in.get("/dashboard?year=x").status_code == 400


def figure(html: str, element_id: str) -> str:
    """The number shown in the dashboard's figure tile with this id."""
    start = html.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    return html[start:html.index("<", start)]


def test_issue_scenario_walk_nobody_started_counts(app, logged_in, make_walk, coordinator):
    """A planned walk, five findings by a participant and a measure carried out, and nobody
    pressed "Start vandringen": the dashboard shows 1 walk held and 1 measure done, target met."""
    from tests.capture_api_helpers import finding_payload, findings_url, send
    from tests.conftest import join_walk
    from tests.measure_helpers import change_measure
    from walkapp.auth.models import User
    from walkapp.findings.models import Finding
    from walkapp.measures.services import create_measure

    walk = make_walk(status="planned", starts_at=datetime.now(CPH).replace(hour=12))
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    ids = []
    for _ in range(5):
        payload = finding_payload()
        assert send(phone, "POST", findings_url(walk["id"]), json=payload).status_code == 201
        ids.append(uuid.UUID(payload["id"]))
    with app.app_context(), app.test_request_context(), unscoped():
        measure = create_measure(title="Ny lampe", findings=[db.session.get(Finding, ids[0])],
                                 by_user=db.session.get(User, coordinator["id"]))
        db.session.commit()
        measure_id = measure.id
    version = 1
    for to in ("agreed", "in_progress", "done"):
        version = change_measure(app, measure_id, coordinator["id"], to, version)

    html = logged_in.get("/dashboard").get_data(as_text=True)
    assert figure(html, "walks-held") == "1"
    assert figure(html, "measures-done") == "1"
    assert figure(html, "measures-put-in-plan") == "0"
    targets = html[html.index('id="targets-heading"'):html.index('id="figures-heading"')]
    assert targets.count('class="met"') == 2  # a walk held, a measure carried out (no overview sent)


def test_measure_counts_in_the_year_it_became_done(app, client, api_token, make_walk, make_finding):
    """A walk held in 2025 whose measure went into the plan on New Year's Eve and was carried out
    half an hour after midnight (Copenhagen time; both 31 December in UTC): the plan counts in
    2025, the done measure in 2026, where it meets the target although no walk was held."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure, StatusChange

    walk = make_walk(status="closed", starts_at=at(2025, 11, 20, 19))
    finding = make_finding(walk["id"])

    with app.app_context():
        f = db.session.get(Finding, finding)
        planned = Measure(title="I planen", status="in_plan", findings=[f], created_at=at(2025, 11, 25))
        done = Measure(title="Udført", status="done", findings=[f], created_at=at(2025, 11, 25))
        db.session.add_all([planned, done])
        db.session.flush()
        db.session.add_all([
            StatusChange(measure_id=planned.id, from_status=None, to_status="proposed", at=at(2025, 11, 25)),
            StatusChange(measure_id=planned.id, from_status="proposed", to_status="in_plan",
                         at=at(2025, 12, 31, 23, 30)),
            StatusChange(measure_id=done.id, from_status=None, to_status="proposed", at=at(2025, 11, 25)),
            StatusChange(measure_id=done.id, from_status="proposed", to_status="agreed", at=at(2025, 12, 1)),
            StatusChange(measure_id=done.id, from_status="agreed", to_status="in_progress", at=at(2025, 12, 2)),
            StatusChange(measure_id=done.id, from_status="in_progress", to_status="done",
                         at=at(2026, 1, 1, 0, 30)),
        ])
        db.session.commit()
    headers = {"Authorization": f"Bearer {api_token}"}
    y2025 = client.get("/api/v1/dashboard?year=2025", headers=headers).get_json()
    y2026 = client.get("/api/v1/dashboard?year=2026", headers=headers).get_json()
    assert (y2025["walks_held"], y2025["measures_put_in_plan"], y2025["measures_done"]) == (1, 1, 0)
    assert y2025["measures_done_or_in_plan"] == 1 and y2025["median_days_to_done"] is None
    assert (y2026["walks_held"], y2026["measures_put_in_plan"], y2026["measures_done"]) == (0, 0, 1)
    assert y2026["measures_done_or_in_plan"] == 1
    assert y2026["median_days_to_done"] == 36.5  # 25 Nov 12:00 → 1 Jan 00:30
    assert y2026["targets"] == {"walk_held": False, "overview_per_walk": False, "measure_done_or_in_plan": True}
