"""Measure services (history, version, plan items, concurrency) and the /measures pages."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.conftest import login, post_form
from tests.form_helpers import hidden_fields
from tests.measure_helpers import change_measure, measure_state
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped

# ---------------------------------------------------------------- services


def test_create_measure_records_first_history_entry_and_triages_findings(app, make_measure, coordinator):
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure

    measure_id = make_measure(cost_estimate_dkk=12000, due_on=date(2030, 5, 1))
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        assert measure.status == "proposed" and measure.version == 1
        assert [(c.from_status, c.to_status, c.by_user_id) for c in measure.history] == [
            (None, "proposed", coordinator["id"])]
        assert [f.state for f in measure.findings] == ["triaged"]
        assert measure.cost_estimate_dkk == 12000
        assert db.session.execute(db.select(Finding.state)).scalar_one() == "triaged"


@pytest.mark.parametrize("fields, code", [
    ({"title": "  "}, "invalid_title"),
    ({"title": "x" * 201}, "invalid_title"),
    ({"cost_estimate_dkk": -1}, "invalid_cost"),
])
def test_create_measure_refuses_bad_input(app, make_measure, fields, code):
    from walkapp.measures.models import Measure

    with pytest.raises(ApiError) as info:
        make_measure(**fields)
    assert (info.value.status, info.value.code) == (400, code)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0


def test_create_measure_needs_findings(app, make_measure):
    with pytest.raises(ApiError) as info:
        make_measure(finding_ids=[])
    assert info.value.code == "findings_required"


def test_change_status_writes_history_and_bumps_version(app, make_measure, coordinator):
    from walkapp.measures.models import Measure

    measure_id = make_measure()
    assert change_measure(app, measure_id, coordinator["id"], "agreed", 1, note="Aftalt på mødet") == 2
    assert change_measure(app, measure_id, coordinator["id"], "in_progress", 2) == 3
    status, version, history, _ = measure_state(app, measure_id)
    assert (status, version) == ("in_progress", 3)
    assert history == [(None, "proposed"), ("proposed", "agreed"), ("agreed", "in_progress")]
    with app.app_context():
        notes = [c.note for c in db.session.get(Measure, measure_id).history]
    assert notes == ["", "Aftalt på mødet", ""]


def test_stale_version_is_409_with_current_state_and_changes_nothing(app, make_measure, coordinator):
    measure_id = make_measure()
    change_measure(app, measure_id, coordinator["id"], "agreed", 1)
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "rejected", 1)
    assert (info.value.status, info.value.code) == (409, "stale_version")
    assert info.value.extra["current"]["status"] == "agreed"
    assert info.value.extra["current"]["version"] == 2
    assert measure_state(app, measure_id)[:3] == ("agreed", 2, [(None, "proposed"), ("proposed", "agreed")])


def test_illegal_transition_is_422_and_changes_nothing(app, make_measure, coordinator):
    measure_id = make_measure()
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "done", 1)
    assert (info.value.status, info.value.code) == (422, "illegal_transition")
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)


def test_unknown_status_is_400(app, make_measure, coordinator):
    measure_id = make_measure()
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "finished", 1)
    assert info.value.status == 400
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)


def test_in_plan_creates_plan_item(app, make_measure, coordinator, estate_id):
    from walkapp.dates import local_today
    from walkapp.measures.models import PlanItem

    measure_id = make_measure()
    year = local_today().year + 10
    change_measure(app, measure_id, coordinator["id"], "in_plan", 1, plan_year=year, amount_dkk=250000,
            estate_id=estate_id, note="Udskiftning af armaturer")
    assert measure_state(app, measure_id)[:2] == ("in_plan", 2)
    with app.app_context():
        item = db.session.execute(db.select(PlanItem)).scalar_one()
        assert (item.estate_id, item.plan_year, item.amount_dkk) == (estate_id, year, 250000)


@pytest.mark.parametrize("plan, code", [
    ({"plan_year": -1, "amount_dkk": 1000}, "invalid_plan_year"),
    ({"plan_year": 11, "amount_dkk": 1000}, "invalid_plan_year"),
    ({"plan_year": 0, "amount_dkk": -1}, "invalid_amount"),
    ({"plan_year": 0, "amount_dkk": None}, "invalid_amount"),
    ({"plan_year": None, "amount_dkk": 1000}, "invalid_plan_year"),
])
def test_bad_plan_is_400_and_changes_nothing(app, make_measure, coordinator, estate_id, plan, code):
    """Plan years are this year … this year + 10 (given here as offsets); amounts ≥ 0."""
    from walkapp.dates import local_today

    measure_id = make_measure()
    if plan["plan_year"] is not None:
        plan = {**plan, "plan_year": local_today().year + plan["plan_year"]}
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "in_plan", 1, estate_id=estate_id, **plan)
    assert (info.value.status, info.value.code) == (400, code)
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)


def test_in_plan_needs_an_estate(app, make_measure, coordinator):
    from walkapp.dates import local_today

    measure_id = make_measure()
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "in_plan", 1,
                plan_year=local_today().year, amount_dkk=0)
    assert (info.value.status, info.value.code) == (400, "estate_required")
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)


def test_stale_object_loaded_before_a_concurrent_commit_loses(app, make_measure, coordinator):
    """The version column guards the UPDATE itself: an object read before another session
    committed fails at flush (StaleDataError) and is answered 409, nothing written."""
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import change_status

    measure_id = make_measure()
    with app.app_context(), app.test_request_context(), unscoped():
        stale = db.session.get(Measure, measure_id)
        stale.history, stale.plan_items  # load relationships while still attached
        user = db.session.get(User, coordinator["id"])
        db.session.close()  # ends the read transaction; objects keep their loaded state
        change_measure(app, measure_id, coordinator["id"], "agreed", 1)  # the other user wins
        db.session.add(stale)
        db.session.add(user)
        with pytest.raises(ApiError) as info:
            change_status(stale, to_status="rejected", by_user=user, expected_version=1)
        db.session.rollback()
    assert (info.value.status, info.value.code) == (409, "stale_version")
    assert info.value.extra["current"]["status"] == "agreed"
    assert measure_state(app, measure_id)[:3] == ("agreed", 2, [(None, "proposed"), ("proposed", "agreed")])


def test_two_concurrent_changes_exactly_one_wins(app, make_measure, coordinator, make_user):
    """Two threads, each with its own app context and session, both load version 1 and
    change it. On PostgreSQL both loads happen before either UPDATE (a second barrier), so
    the loser is stopped by the version column at flush; SQLite's BEGIN IMMEDIATE queues the
    second transaction, which then sees version 2. Either way: one wins, one gets 409."""
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import change_status

    measure_id = make_measure()
    other = make_user("kollega@example.org", "coordinator")
    start, loaded = threading.Barrier(2, timeout=20), threading.Barrier(2, timeout=20)
    outcomes: dict[str, object] = {}

    def worker(name: str, user_id: int, to: str) -> None:
        try:
            # POST, as the views that change a status: a writing request begins IMMEDIATE.
            with app.app_context(), app.test_request_context(method="POST"), unscoped():
                start.wait()
                measure = db.session.get(Measure, measure_id)
                measure.history, measure.plan_items  # noqa: B018 - load before the race
                user = db.session.get(User, user_id)
                if db.engine.dialect.name == "postgresql":
                    loaded.wait()
                try:
                    change_status(measure, to_status=to, by_user=user, expected_version=1, note=name)
                    db.session.commit()
                    outcomes[name] = "won"
                except ApiError as exc:
                    db.session.rollback()
                    outcomes[name] = exc.status
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[name] = repr(exc)

    threads = [threading.Thread(target=worker, args=("a", coordinator["id"], "agreed")),
               threading.Thread(target=worker, args=("b", other["id"], "rejected"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(str, outcomes.values())) == ["409", "won"], outcomes
    winner = next(name for name, result in outcomes.items() if result == "won")
    status, version, history, _ = measure_state(app, measure_id)
    assert status == {"a": "agreed", "b": "rejected"}[winner]
    assert version == 2 and len(history) == 2


def test_can_change_status_by_role_and_organisation(app, make_measure, make_user):
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import can_change_status

    measure_id = make_measure(org="VIBO")
    orphan_id = make_measure(org=None)
    users = {
        "admin": make_user(role="admin"),
        "coordinator": make_user(role="coordinator"),
        "vibo": make_user(role="staff", organisation="VIBO"),
        "fsb": make_user(role="staff", organisation="fsb"),
    }
    with app.app_context():
        measure, orphan = db.session.get(Measure, measure_id), db.session.get(Measure, orphan_id)
        may = {k: can_change_status(db.session.get(User, u["id"]), measure) for k, u in users.items()}
        assert may == {"admin": True, "coordinator": True, "vibo": True, "fsb": False}
        assert not can_change_status(db.session.get(User, users["vibo"]["id"]), orphan)
        assert not can_change_status(None, measure)


# ---------------------------------------------------------------- pages


def _english(client) -> None:
    """Switch the session to English so assertions read the msgids."""
    post_form(client, "/lang/en")


@pytest.fixture
def staff_client(app, make_user):
    """Return a function logging a fresh client in as staff of the given organisation."""

    def factory(organisation: str, role: str = "staff"):
        client = app.test_client()
        user = make_user(role=role, organisation=organisation)
        assert login(client, user["email"]).status_code == 302
        _english(client)
        return client

    return factory


def test_anonymous_and_participants_are_sent_to_login(app, client, make_measure, make_walk):
    measure_id = make_measure()
    for url in ("/measures", f"/measures/{measure_id}", "/plan", "/plan.xlsx", "/measures/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    # A participant who joined a walk by code is not staff.
    walk = make_walk()
    client.get(f"/j/{walk['join_code']}")
    response = client.get(f"/measures/{measure_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = post_form(client, f"/measures/{measure_id}/status", {"to": "agreed", "version": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)


def test_create_measure_from_findings_page(app, logged_in, make_walk, make_finding):
    from walkapp.measures.models import Measure
    from walkapp.seed import organisation_named

    _english(logged_in)
    walk_id = make_walk()["id"]
    first, second = make_finding(walk_id), make_finding(walk_id, category="graffiti")
    query = f"finding={first}&finding={second}"
    page = logged_in.get(f"/measures/new?{query}")
    assert page.status_code == 200
    assert f"/findings/{first}" in page.text and f"/findings/{second}" in page.text
    with app.app_context():
        vibo_id = organisation_named("VIBO").id
    response = post_form(logged_in, "/measures/new", {
        "finding": [str(first), str(second)], "title": "Fjern graffiti og sæt lys op",
        "description": "Ved port 3", "responsible_org": str(vibo_id), "due_on": "2031-03-01",
        "cost_estimate_dkk": "15000",
    })
    assert response.status_code == 302
    detail = logged_in.get(response.headers["Location"])
    assert "Fjern graffiti og sæt lys op" in detail.text and "VIBO" in detail.text
    assert "01.03.2031" in detail.text and "Proposed" in detail.text
    with app.app_context():
        measure = db.session.execute(db.select(Measure)).scalar_one()
        assert {f.id for f in measure.findings} == {first, second}
        assert measure.cost_estimate_dkk == 15000


@pytest.mark.parametrize("data, message", [
    ({"title": ""}, "Give the measure a title."),
    ({"title": "Lys", "cost_estimate_dkk": "-5"}, "Enter a whole number of kroner, 0 or more."),
    ({"title": "Lys", "due_on": "31-02-2030"}, "Not a valid date value."),
])
def test_create_measure_form_errors_change_nothing(app, logged_in, make_walk, make_finding, data, message):
    from walkapp.measures.models import Measure

    _english(logged_in)
    finding = make_finding(make_walk()["id"])
    response = post_form(logged_in, "/measures/new", {"finding": str(finding), **data})
    assert response.status_code == 400
    assert message in response.text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0


def test_create_measure_with_unknown_finding_is_400(logged_in):
    response = logged_in.get("/measures/new?finding=00000000-0000-0000-0000-000000000000")
    assert response.status_code == 400
    assert logged_in.get("/measures/new?finding=not-a-uuid").status_code == 400


def test_detail_shows_allowed_steps_and_history(app, logged_in, make_measure):
    _english(logged_in)
    measure_id = make_measure()
    page = logged_in.get(f"/measures/{measure_id}")
    assert page.status_code == 200
    for status in ("agreed", "rejected", "referred", "in_plan"):
        assert f'name="to" value="{status}"' in page.text
    assert 'value="done"' not in page.text
    response = post_form(logged_in, f"/measures/{measure_id}/status",
                         {"to": "agreed", "version": "1", "note": "Aftalt med driften"})
    assert response.status_code == 302
    page = logged_in.get(f"/measures/{measure_id}")
    assert "Proposed → Agreed" in page.text and "Aftalt med driften" in page.text
    assert 'name="to" value="in_progress"' in page.text
    assert measure_state(app, measure_id)[:2] == ("agreed", 2)


def test_stale_form_gets_409_page_with_current_state(app, logged_in, make_measure, coordinator):
    _english(logged_in)
    measure_id = make_measure()
    change_measure(app, measure_id, coordinator["id"], "agreed", 1)  # someone else, meanwhile
    response = post_form(logged_in, f"/measures/{measure_id}/status", {"to": "rejected", "version": "1"})
    assert response.status_code == 409
    assert "Someone else changed this measure" in response.text
    assert 'name="version" value="2"' in response.text
    assert "Agreed" in response.text
    assert measure_state(app, measure_id)[:2] == ("agreed", 2)


def test_illegal_step_in_form_is_422(app, logged_in, make_measure):
    measure_id = make_measure()
    response = post_form(logged_in, f"/measures/{measure_id}/status", {"to": "done", "version": "1"})
    assert response.status_code == 422
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)


def test_plan_form_with_bad_year_is_400_and_changes_nothing(app, logged_in, make_measure, estate_id):
    _english(logged_in)
    measure_id = make_measure()
    response = post_form(logged_in, f"/measures/{measure_id}/status", {
        "to": "in_plan", "version": "1", "estate": str(estate_id), "plan_year": "1999",
        "amount_dkk": "1000"})
    assert response.status_code == 400
    assert "The plan year must be between" in response.text
    response = post_form(logged_in, f"/measures/{measure_id}/status", {
        "to": "in_plan", "version": "1", "estate": str(estate_id), "plan_year": "2030",
        "amount_dkk": "-1"})
    assert response.status_code == 400
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)


def test_staff_of_other_organisation_reads_but_cannot_change(app, make_measure, staff_client):
    measure_id = make_measure(org="VIBO")
    fsb = staff_client("fsb")
    page = fsb.get(f"/measures/{measure_id}")
    assert page.status_code == 200
    assert "Only coordinators and the responsible organisation" in page.text
    assert 'name="to"' not in page.text
    response = post_form(fsb, f"/measures/{measure_id}/status", {"to": "agreed", "version": "1"})
    assert response.status_code == 403
    assert measure_state(app, measure_id)[:2] == ("proposed", 1)
    vibo = staff_client("VIBO")
    assert 'name="to" value="agreed"' in vibo.get(f"/measures/{measure_id}").text
    response = post_form(vibo, f"/measures/{measure_id}/status", {"to": "agreed", "version": "1"})
    assert response.status_code == 302
    assert measure_state(app, measure_id)[:2] == ("agreed", 2)


def test_list_filters_and_overdue_stands_out(app, logged_in, make_measure, coordinator):
    from walkapp.dates import local_today

    _english(logged_in)
    past = local_today() - timedelta(days=3)
    late = make_measure(title="Beskær buske", due_on=past)
    finished = make_measure(title="Male over graffiti", due_on=past, org="fsb")
    for to, version in (("agreed", 1), ("in_progress", 2), ("done", 3)):
        change_measure(app, finished, coordinator["id"], to, version)
    future = make_measure(title="Nye lamper", due_on=local_today() + timedelta(days=30))

    page = logged_in.get("/measures")
    assert page.text.count("overdue-badge") == 1  # only the open, late one
    row = page.text.split(f'data-measure-id="{late}"')[1].split("</tr>")[0]
    assert "Overdue" in row
    overdue = logged_in.get("/measures?overdue=1").text
    assert "Beskær buske" in overdue and "Male over graffiti" not in overdue and "Nye lamper" not in overdue
    done = logged_in.get("/measures?status=done").text
    assert "Male over graffiti" in done and "Beskær buske" not in done
    with app.app_context():
        from walkapp.seed import organisation_named
        fsb_id = organisation_named("fsb").id
    by_org = logged_in.get(f"/measures?org={fsb_id}").text
    assert "Male over graffiti" in by_org and "Nye lamper" not in by_org
    assert future


# ---------------------------------------------------------------- editing a measure


def _details(app, measure_id: int) -> dict:
    """The editable fields, version and history length of a measure as stored."""
    from walkapp.measures.models import Measure

    with app.app_context():
        m = db.session.get(Measure, measure_id)
        return {"title": m.title, "description": m.description,
                "org": m.responsible_org.name if m.responsible_org else None,
                "due_on": m.due_on, "cost": m.cost_estimate_dkk, "version": m.version,
                "history": len(m.history), "status": m.status}


def _update(app, measure_id: int, user_id: int, version: int, **fields) -> int:
    """Call update_measure in a fresh app context and commit; returns the new version."""
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import update_measure
    from walkapp.seed import organisation_named

    with app.app_context(), app.test_request_context(), unscoped():
        if isinstance(fields.get("responsible_org"), str):
            fields["responsible_org"] = organisation_named(fields["responsible_org"])
        measure = db.session.get(Measure, measure_id)
        update_measure(measure, by_user=db.session.get(User, user_id), expected_version=version,
                       **fields)
        db.session.commit()
        return measure.version


def test_update_measure_changes_only_given_fields_and_bumps_version(app, make_measure, coordinator):
    measure_id = make_measure(description="Ved port 3", cost_estimate_dkk=5000,
                              due_on=date(2030, 5, 1))
    assert _update(app, measure_id, coordinator["id"], 1, title="Nye lamper ved port 3",
                   cost_estimate_dkk=9000, responsible_org="fsb") == 2
    after = _details(app, measure_id)
    assert after == {"title": "Nye lamper ved port 3", "description": "Ved port 3", "org": "fsb",
                     "due_on": date(2030, 5, 1), "cost": 9000, "version": 2, "history": 1,
                     "status": "proposed"}
    # None clears the organisation, due date and cost estimate.
    assert _update(app, measure_id, coordinator["id"], 2, responsible_org=None, due_on=None,
                   cost_estimate_dkk=None) == 3
    after = _details(app, measure_id)
    assert (after["org"], after["due_on"], after["cost"]) == (None, None, None)
    assert after["title"] == "Nye lamper ved port 3"


def test_update_measure_stale_version_is_409_and_changes_nothing(app, make_measure, coordinator):
    measure_id = make_measure()
    _update(app, measure_id, coordinator["id"], 1, title="Første udgave")
    with pytest.raises(ApiError) as info:
        _update(app, measure_id, coordinator["id"], 1, title="Anden udgave", cost_estimate_dkk=1)
    assert (info.value.status, info.value.code) == (409, "stale_version")
    assert info.value.extra["current"]["title"] == "Første udgave"
    assert info.value.extra["current"]["version"] == 2
    details = _details(app, measure_id)
    assert (details["title"], details["cost"], details["version"]) == ("Første udgave", None, 2)


@pytest.mark.parametrize("fields, code", [
    ({"due_on": "2030-13-01"}, "invalid_date"),
    ({"due_on": "2030-01-01"}, "invalid_date"),  # a string, not a date: callers parse first
    ({"cost_estimate_dkk": -1}, "invalid_cost"),
    ({"cost_estimate_dkk": 2.5}, "invalid_cost"),
    ({"title": " "}, "invalid_title"),
    ({"title": "x" * 201}, "invalid_title"),
    ({"description": "x" * 5001}, "invalid_description"),
])
def test_update_measure_bad_input_is_400_and_changes_nothing(app, make_measure, coordinator,
                                                             fields, code):
    measure_id = make_measure(cost_estimate_dkk=100, due_on=date(2030, 5, 1))
    before = _details(app, measure_id)
    with pytest.raises(ApiError) as info:
        _update(app, measure_id, coordinator["id"], 1, **{"title": "Ny titel", **fields})
    assert (info.value.status, info.value.code) == (400, code)
    assert _details(app, measure_id) == before


def test_can_edit_measure_by_role_and_organisation(app, make_measure, make_user):
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import can_edit_measure

    measure_id = make_measure(org="VIBO")
    orphan_id = make_measure(org=None)
    users = {
        "admin": make_user(role="admin"),
        "coordinator": make_user(role="coordinator"),
        "vibo": make_user(role="staff", organisation="VIBO"),
        "fsb": make_user(role="staff", organisation="fsb"),
    }
    with app.app_context():
        measure, orphan = db.session.get(Measure, measure_id), db.session.get(Measure, orphan_id)
        may = {k: can_edit_measure(db.session.get(User, u["id"]), measure) for k, u in users.items()}
        assert may == {"admin": True, "coordinator": True, "vibo": True, "fsb": False}
        # Nobody is responsible yet: any staff member may take the measure on.
        assert all(can_edit_measure(db.session.get(User, u["id"]), orphan) for u in users.values())
        assert not can_edit_measure(None, orphan)


def test_create_measure_writes_triaged_into_finding_history_once(app, make_measure, coordinator,
                                                                 make_walk, make_finding):
    from walkapp.findings.models import FindingChange

    walk_id = make_walk()["id"]
    fresh, dismissed = make_finding(walk_id), make_finding(walk_id, state="dismissed")
    make_measure(finding_ids=[fresh, dismissed])
    make_measure(title="Endnu et tiltag", finding_ids=[fresh])  # already triaged: no new row

    with app.app_context():
        rows = db.session.execute(db.select(
            FindingChange.finding_id, FindingChange.field, FindingChange.old_value,
            FindingChange.new_value, FindingChange.by_user_id)).all()
    assert [tuple(r) for r in rows] == [(fresh, "state", "new", "triaged", coordinator["id"])]


def test_edit_page_saves_the_fields(app, logged_in, make_measure):
    from walkapp.seed import organisation_named

    _english(logged_in)
    measure_id = make_measure(org="VIBO", description="Ved port 3")
    detail = logged_in.get(f"/measures/{measure_id}")
    assert f'href="/measures/{measure_id}/edit"' in detail.text
    page = logged_in.get(f"/measures/{measure_id}/edit")
    assert page.status_code == 200
    assert 'value="Ny belysning ved port"' in page.text and "Ved port 3" in page.text
    assert hidden_fields(page.text)["version"] == ["1"]
    with app.app_context():
        fsb_id = organisation_named("fsb").id
    response = post_form(logged_in, f"/measures/{measure_id}/edit", {
        "version": "1", "title": "LED-armaturer ved port 3", "description": "To lamper",
        "responsible_org": str(fsb_id), "due_on": "2031-06-30", "cost_estimate_dkk": "24000"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/measures/{measure_id}")
    detail = logged_in.get(f"/measures/{measure_id}").text
    assert "LED-armaturer ved port 3" in detail and "30.06.2031" in detail and "fsb" in detail
    assert "24.000 kr." in detail
    assert _details(app, measure_id) == {
        "title": "LED-armaturer ved port 3", "description": "To lamper", "org": "fsb",
        "due_on": date(2031, 6, 30), "cost": 24000, "version": 2, "history": 1,
        "status": "proposed"}
    # Emptying the optional fields clears them.
    response = post_form(logged_in, f"/measures/{measure_id}/edit", {
        "version": "2", "title": "LED-armaturer ved port 3", "description": "",
        "responsible_org": "", "due_on": "", "cost_estimate_dkk": ""})
    assert response.status_code == 302
    details = _details(app, measure_id)
    assert (details["org"], details["due_on"], details["cost"], details["version"]) == (None, None, None, 3)


def test_edit_page_stale_version_is_409_and_changes_nothing(app, logged_in, make_measure, coordinator):
    _english(logged_in)
    measure_id = make_measure()
    _update(app, measure_id, coordinator["id"], 1, title="Rettet af en anden")  # meanwhile
    response = post_form(logged_in, f"/measures/{measure_id}/edit", {
        "version": "1", "title": "Min gamle udgave", "cost_estimate_dkk": "100"})
    assert response.status_code == 409
    assert "Someone else changed this measure" in response.text
    assert "Rettet af en anden" in response.text and "Min gamle udgave" not in response.text
    details = _details(app, measure_id)
    assert (details["title"], details["cost"], details["version"]) == ("Rettet af en anden", None, 2)


@pytest.mark.parametrize("data, message", [
    ({"due_on": "2030-02-31"}, "Not a valid date value."),
    ({"cost_estimate_dkk": "-5"}, "Enter a whole number of kroner, 0 or more."),
    ({"title": ""}, "Give the measure a title."),
])
def test_edit_page_bad_input_is_400_and_changes_nothing(app, logged_in, make_measure, data, message):
    _english(logged_in)
    measure_id = make_measure(cost_estimate_dkk=100, due_on=date(2030, 5, 1))
    before = _details(app, measure_id)
    response = post_form(logged_in, f"/measures/{measure_id}/edit",
                         {"version": "1", "title": "Ny titel", **data})
    assert response.status_code == 400
    assert message in response.text
    assert _details(app, measure_id) == before


def test_edit_page_staff_of_other_organisation_is_403(app, make_measure, staff_client):
    measure_id = make_measure(org="VIBO")
    fsb = staff_client("fsb")
    assert "/edit" not in fsb.get(f"/measures/{measure_id}").text
    assert fsb.get(f"/measures/{measure_id}/edit").status_code == 403
    response = post_form(fsb, f"/measures/{measure_id}/edit", {"version": "1", "title": "Overtaget"})
    assert response.status_code == 403
    assert _details(app, measure_id)["title"] == "Ny belysning ved port"
    vibo = staff_client("VIBO")
    assert f'href="/measures/{measure_id}/edit"' in vibo.get(f"/measures/{measure_id}").text
    response = post_form(vibo, f"/measures/{measure_id}/edit", {"version": "1", "title": "Rettet af VIBO"})
    assert response.status_code == 302
    assert _details(app, measure_id)["title"] == "Rettet af VIBO"


def test_any_staff_may_take_on_a_measure_without_organisation(app, make_measure, staff_client):
    from walkapp.seed import organisation_named

    measure_id = make_measure(org=None)
    fsb = staff_client("fsb")
    assert f'href="/measures/{measure_id}/edit"' in fsb.get(f"/measures/{measure_id}").text
    with app.app_context():
        fsb_id = organisation_named("fsb").id
    response = post_form(fsb, f"/measures/{measure_id}/edit", {
        "version": "1", "title": "Ny belysning ved port", "responsible_org": str(fsb_id),
        "due_on": "2031-01-31"})
    assert response.status_code == 302
    details = _details(app, measure_id)
    assert (details["org"], details["due_on"]) == ("fsb", date(2031, 1, 31))
    # Now fsb is responsible: staff of another organisation may no longer edit it.
    dab = staff_client("DAB")
    assert dab.get(f"/measures/{measure_id}/edit").status_code == 403


# ---------------------------------------------------------------- confirming "done", reopening


def _advance(app, measure_id: int, user_id: int, *steps: str) -> int:
    """Take the measure through these steps (from version 1); returns the new version."""
    version = 1
    for to in steps:
        version = change_measure(app, measure_id, user_id, to, version)
    return version


def _last_change(app, measure_id: int) -> tuple:
    """(from, to, note, by_user_id) of the measure's newest history entry."""
    from walkapp.measures.models import Measure

    with app.app_context():
        change = db.session.get(Measure, measure_id).history[-1]
        return change.from_status, change.to_status, change.note, change.by_user_id


def test_done_asks_for_confirmation_before_it_is_set(app, logged_in, make_measure, coordinator):
    """The first click on "→ Done" only shows a confirmation page; the second sets it."""
    _english(logged_in)
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "agreed", "in_progress")
    detail = logged_in.get(f"/measures/{measure_id}").text
    assert 'name="to" value="done"' in detail
    first = post_form(logged_in, f"/measures/{measure_id}/status",
                      {"to": "done", "version": str(version), "note": "Lampen er skiftet"})
    assert first.status_code == 200
    assert "Set “Ny belysning ved port” to “Done”?" in first.text
    assert "Only a coordinator or an admin can reopen it" in first.text
    assert measure_state(app, measure_id)[:2] == ("in_progress", version)  # nothing set yet
    fields = hidden_fields(first.text)
    assert fields["confirm"] == ["1"] and fields["to"] == ["done"]
    assert fields["note"] == ["Lampen er skiftet"]  # the note typed on the measure page goes along
    second = post_form(logged_in, f"/measures/{measure_id}/status",
                       {k: v[0] for k, v in fields.items() if k != "csrf_token"})
    assert second.status_code == 302
    assert measure_state(app, measure_id)[:2] == ("done", version + 1)
    assert _last_change(app, measure_id)[:3] == ("in_progress", "done", "Lampen er skiftet")


def test_confirming_on_a_stale_page_is_409_and_changes_nothing(app, logged_in, make_measure, coordinator):
    """Between the click and the confirmation someone else referred the measure."""
    _english(logged_in)
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "agreed", "in_progress")
    page = post_form(logged_in, f"/measures/{measure_id}/status", {"to": "done", "version": str(version)})
    fields = hidden_fields(page.text)
    change_measure(app, measure_id, coordinator["id"], "referred", version)
    response = post_form(logged_in, f"/measures/{measure_id}/status",
                         {k: v[0] for k, v in fields.items() if k != "csrf_token"})
    assert response.status_code == 409
    assert measure_state(app, measure_id)[0] == "referred"
    # Without confirmation on a stale page: the 409, not a confirmation page.
    again = post_form(logged_in, f"/measures/{measure_id}/status", {"to": "done", "version": str(version)})
    assert again.status_code == 409 and 'name="confirm"' not in again.text


def test_coordinator_reopens_a_done_measure_with_a_reason(app, logged_in, make_measure, coordinator):
    _english(logged_in)
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "agreed", "in_progress", "done")
    detail = logged_in.get(f"/measures/{measure_id}").text
    form = detail.split('id="reopen-form"')[1].split("</form>")[0]
    assert 'name="to" value="in_progress"' in form and "Why is the measure reopened?" in form
    response = post_form(logged_in, f"/measures/{measure_id}/status", {
        "to": "in_progress", "version": str(version), "note": "Lampen virker ikke igen"})
    assert response.status_code == 302
    assert measure_state(app, measure_id)[:2] == ("in_progress", version + 1)
    assert _last_change(app, measure_id) == ("done", "in_progress", "Lampen virker ikke igen",
                                             coordinator["id"])
    history = logged_in.get(f"/measures/{measure_id}").text.split("<h2>History</h2>")[1]
    assert "Done → In progress" in history and "Lampen virker ikke igen" in history


def test_reopening_without_a_reason_is_refused_at_the_field(app, logged_in, make_measure, coordinator):
    _english(logged_in)
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "rejected")
    for note in ("", "   "):
        response = post_form(logged_in, f"/measures/{measure_id}/status",
                             {"to": "proposed", "version": str(version), "note": note})
        assert response.status_code == 400
        form = response.text.split('id="reopen-form"')[1].split("</form>")[0]
        assert 'id="reopen-note-error"' in form and "Write why the measure is reopened" in form
    assert measure_state(app, measure_id)[:2] == ("rejected", version)


def test_admin_reopens_a_rejected_measure_as_proposed(app, make_measure, coordinator, staff_client):
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "agreed", "rejected")
    admin = staff_client("Helhedsplanen", role="admin")
    response = post_form(admin, f"/measures/{measure_id}/status", {
        "to": "proposed", "version": str(version), "note": "Beboerne har samlet underskrifter"})
    assert response.status_code == 302
    assert measure_state(app, measure_id)[:2] == ("proposed", version + 1)
    assert _last_change(app, measure_id)[:3] == ("rejected", "proposed", "Beboerne har samlet underskrifter")


def test_staff_of_the_responsible_organisation_cannot_reopen(app, make_measure, coordinator, staff_client):
    """VIBO may mark its measure done, but only a coordinator or admin takes that back."""
    measure_id = make_measure(org="VIBO")
    version = _advance(app, measure_id, coordinator["id"], "agreed", "in_progress", "done")
    vibo = staff_client("VIBO")
    page = vibo.get(f"/measures/{measure_id}").text
    assert 'id="reopen-form"' not in page and 'name="to"' not in page
    assert "A coordinator or an admin can reopen it" in page
    response = post_form(vibo, f"/measures/{measure_id}/status", {
        "to": "in_progress", "version": str(version), "note": "Vi er ikke færdige"})
    assert response.status_code == 403
    assert measure_state(app, measure_id)[:2] == ("done", version)


def test_a_referred_measure_is_not_reopened(app, logged_in, make_measure, coordinator):
    _english(logged_in)
    measure_id = make_measure()
    version = _advance(app, measure_id, coordinator["id"], "referred")
    page = logged_in.get(f"/measures/{measure_id}").text
    assert "its status can no longer change" in page and 'id="reopen-form"' not in page
    response = post_form(logged_in, f"/measures/{measure_id}/status",
                         {"to": "proposed", "version": str(version), "note": "Igen"})
    assert response.status_code == 422
    assert measure_state(app, measure_id)[:2] == ("referred", version)


def test_reopen_through_the_service_needs_a_planner_and_a_reason(app, make_measure, coordinator, make_user):
    measure_id = make_measure(org="VIBO")
    version = _advance(app, measure_id, coordinator["id"], "agreed", "in_progress", "done")
    vibo = make_user(role="staff", organisation="VIBO")
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, vibo["id"], "in_progress", version, note="Ikke færdig")
    assert (info.value.status, info.value.code) == (403, "forbidden")
    with pytest.raises(ApiError) as info:
        change_measure(app, measure_id, coordinator["id"], "in_progress", version)
    assert (info.value.status, info.value.code) == (400, "note_required")
    assert measure_state(app, measure_id)[:2] == ("done", version)


# ---------------------------------------------------------------- status colours


def _css_rule(css: str, selector: str) -> str:
    """The declarations of the rule whose selector list is exactly `selector`."""
    import re

    match = re.search(r"(?:^|\})\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", css, re.M)
    assert match, selector
    return match.group(1)


def test_status_colours_rejected_red_referred_neutral_done_green(app):
    """One set of rules in app.css (loaded on every page): the badges and step buttons."""
    from pathlib import Path

    css = (Path(app.static_folder) / "css" / "app.css").read_text()
    rejected = _css_rule(css, ".measure-status.status-rejected")
    referred = _css_rule(css, ".measure-status.status-referred")
    done = _css_rule(css, ".measure-status.status-done")
    assert "var(--danger)" in rejected
    assert "danger" not in referred and "#eee" in referred
    assert "var(--ok)" in done
    assert "var(--danger)" in _css_rule(css, ".button.step-rejected")
    assert "danger" not in _css_rule(css, ".button.step-referred")


def test_badges_and_buttons_carry_the_status_class(app, logged_in, make_measure, coordinator,
                                                   make_walk, make_finding):
    """Measure page, list, follow-up page, finding page and triage all mark the status the same way."""
    walk_id = make_walk()["id"]
    finding = make_finding(walk_id)
    rejected = make_measure(title="Afvist tiltag", finding_ids=[finding])
    referred = make_measure(title="Henvist tiltag", finding_ids=[finding])
    change_measure(app, rejected, coordinator["id"], "rejected", 1)
    change_measure(app, referred, coordinator["id"], "referred", 1)
    fresh = make_measure(title="Nyt tiltag")
    assert 'class="badge measure-status status-rejected"' in logged_in.get(f"/measures/{rejected}").text
    for url in ("/measures", f"/walks/{walk_id}/follow-up", f"/findings/{finding}", "/findings"):
        text = logged_in.get(url).text
        assert "measure-status status-rejected" in text and "measure-status status-referred" in text, url
    buttons = logged_in.get(f"/measures/{fresh}").text
    assert 'value="rejected" class="button big step step-rejected"' in buttons
    assert 'value="referred" class="button big step step-referred"' in buttons
