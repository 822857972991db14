"""Areas as tenants: who sees which area, where new walks go, and the operator's CLI.

The full attack (every URL rule with another area's ids) is tests/test_area_isolation.py; these
tests pin the rules one by one."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token, login, post_form
from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped

AREA_B = "Urbanplanen Helhedsplan"


@pytest.fixture
def area_b(app, make_org, make_user):
    """A second area with its own housing organisation and coordinator (and the demo
    coordinator's organisation outside it)."""
    from walkapp.orgs.areas import add_member, create_area
    from walkapp.orgs.models import Organisation

    org = make_org("Boligselskab Urban", area=False)
    with app.app_context():
        area = create_area(AREA_B)
        add_member(area, db.session.get(Organisation, org.id))
        db.session.commit()
        area_id = area.id
    user = make_user("urban@example.org", "coordinator", organisation="Boligselskab Urban")
    return {"id": area_id, "org": org.name, "org_id": org.id, "user": user}


def new_walk_body(**extra) -> dict:
    return {"title": "Aftenvandring", "starts_at": "2031-05-01T18:00:00+02:00", **extra}


def create_walk_as(client, **extra):
    return client.post("/api/v1/walks", json=new_walk_body(**extra),
                       headers={"X-CSRFToken": csrf_token(client)})


def test_another_areas_walk_does_not_exist_for_staff(app, client, make_walk, area_b):
    walk = make_walk(title="Hemmelig vandring i A")
    login(client, area_b["user"]["email"])
    assert client.get(f"/walks/{walk['id']}").status_code == 404
    assert client.get(f"/api/v1/walks/{walk['id']}").status_code == 404
    assert client.get(f"/walks/{walk['id']}/export.geojson").status_code == 404
    assert "Hemmelig vandring i A" not in client.get("/walks").get_data(as_text=True)


def test_a_walk_planned_by_a_one_area_planner_lands_in_that_area(app, client, area_b):
    login(client, area_b["user"]["email"])
    response = create_walk_as(client)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["area"] == {"id": area_b["id"], "name": AREA_B}


def test_an_organisation_in_two_areas_must_name_the_area(app, client, coordinator, area_b):
    from walkapp.orgs.areas import add_member, find_area
    from walkapp.orgs.models import Organisation

    with app.app_context():
        add_member(find_area(AREA_B), db.session.get(Organisation, coordinator["organisation_id"]))
        db.session.commit()
    login(client, coordinator["email"])
    refused = create_walk_as(client)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "area_required"
    by_name = create_walk_as(client, area=AREA_B)
    assert by_name.status_code == 201
    assert by_name.get_json()["area"]["id"] == area_b["id"]
    by_id = create_walk_as(client, area=area_b["id"])
    assert by_id.get_json()["area"]["id"] == area_b["id"]
    # …and it sees both areas' walks.
    titles = client.get("/walks").get_data(as_text=True)
    assert titles.count("Aftenvandring") >= 2


def test_a_walk_may_not_be_put_into_an_area_the_planner_is_not_in(app, client, coordinator, area_b):
    login(client, coordinator["email"])
    response = create_walk_as(client, area=AREA_B)
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_area"
    with app.app_context():
        from walkapp.walks.models import Walk

        assert db.session.execute(db.select(Walk)).first() is None


def test_the_new_walk_form_offers_the_area_only_with_several(app, client, coordinator, area_b):
    from walkapp.orgs.areas import add_member, find_area
    from walkapp.orgs.models import Organisation

    login(client, coordinator["email"])
    assert 'name="area"' not in client.get("/walks/new").get_data(as_text=True)
    with app.app_context():
        add_member(find_area(AREA_B), db.session.get(Organisation, coordinator["organisation_id"]))
        db.session.commit()
    page = client.get("/walks/new").get_data(as_text=True)
    assert 'name="area"' in page and AREA_B in page
    response = post_form(client, "/walks/new", {
        "area": area_b["id"], "kind": "walk", "title": "Vandring i B",
        "starts_at": "2031-05-01T18:00",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        from walkapp.walks.models import Walk

        walk = db.session.execute(db.select(Walk).where(Walk.title == "Vandring i B")).scalar_one()
        assert walk.area_id == area_b["id"]


def test_a_bearer_token_carries_its_users_areas(app, client, make_walk, area_b):
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    walk = make_walk()
    with app.app_context():
        token = issue_token(db.session.get(User, area_b["user"]["id"]))
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/walks/{walk['id']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/walks/{walk['id']}/findings", headers=headers).status_code == 404


def test_an_operator_of_an_organisation_in_no_area_sees_no_findings(app, client, make_walk,
                                                                    make_finding, make_org, make_user):
    walk = make_walk()
    finding_id = make_finding(walk["id"], description="Mørk kælderdør")
    make_org("Driftsoperatøren", type="other", area=False)
    operator = make_user("operator@example.org", "operator", organisation="Driftsoperatøren")
    login(client, operator["email"])
    assert client.get(f"/walks/{walk['id']}").status_code == 404
    assert client.get(f"/findings/{finding_id}").status_code == 404
    assert "Mørk kælderdør" not in client.get("/findings").get_data(as_text=True)


def test_a_participant_stays_bound_to_their_walk_in_their_area(app, client, make_walk):
    from tests.conftest import join_walk

    own, other = make_walk(), make_walk(title="Nabovandring")
    join_walk(client, own["join_code"])
    assert client.get(f"/api/v1/walks/{other['id']}/findings").status_code == 404
    assert client.get(f"/api/v1/walks/{own['id']}/findings").status_code == 200


def test_a_measure_cannot_join_findings_of_two_areas(app, make_walk, make_finding, area_b):
    from walkapp.auth.models import User
    from walkapp.errors import ApiError
    from walkapp.findings.models import Finding
    from walkapp.measures.services import create_measure

    a_finding = make_finding(make_walk()["id"])
    b_walk = make_walk(title="B-vandring", area_id=area_b["id"])
    b_finding = make_finding(b_walk["id"])
    with app.app_context(), app.test_request_context(), unscoped():
        with pytest.raises(ApiError) as refused:
            create_measure(title="Lys", findings=[db.session.get(Finding, a_finding),
                                                  db.session.get(Finding, b_finding)],
                           by_user=db.session.get(User, area_b["user"]["id"]))
        assert refused.value.code == "mixed_areas"


def test_the_admin_user_list_shows_only_the_areas_users(app, client, make_user, area_b):
    admin = make_user("admin@example.org", "admin")
    login(client, admin["email"])
    page = client.get("/admin/users").get_data(as_text=True)
    assert admin["email"] in page
    assert "urban@example.org" not in page
    assert client.get(f"/admin/users/{area_b['user']['id']}").status_code == 404
    assert client.get(f"/admin/organisations/{area_b['org_id']}").status_code == 404
    assert "Boligselskab Urban" not in client.get("/admin/organisations").get_data(as_text=True)


def test_public_open311_narrows_to_one_area_by_jurisdiction_id(app, client, make_walk, make_finding,
                                                               area_b):
    app.config["OPEN311_PUBLIC"] = True
    a_finding = make_finding(make_walk()["id"])
    b_walk = make_walk(title="B-vandring", area_id=area_b["id"])
    b_finding = make_finding(b_walk["id"])
    everything = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert str(a_finding) in everything and str(b_finding) in everything
    only_b = client.get(f"/open311/v2/requests.json?jurisdiction_id={area_b['id']}").get_data(as_text=True)
    assert str(b_finding) in only_b and str(a_finding) not in only_b
    assert client.get("/open311/v2/requests.json?jurisdiction_id=x").status_code == 400


def run_cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_the_operator_cli_builds_an_area_its_staff_can_work_in(app, client):
    assert run_cli(app, "areas", "create", "Mjølnerparken").exit_code == 0
    assert run_cli(app, "areas", "create", "Mjølnerparken").exit_code != 0  # exists already
    created = run_cli(app, "organisations", "create", "Bo-Vita", "--type", "housing",
                      "--area", "Mjølnerparken")
    assert created.exit_code == 0, created.output
    assert run_cli(app, "organisations", "create", "Bo-Vita", "--type", "housing").exit_code != 0
    joined = run_cli(app, "areas", "add-organisation", "Mjølnerparken", "Københavns Politi")
    assert "now a member" in joined.output
    listing = run_cli(app, "areas", "list").output
    assert "Mjølnerparken\tBo-Vita, Københavns Politi" in listing
    user = run_cli(app, "users", "create", "bovita@example.org", "--role", "coordinator",
                   "--password", PASSWORD, "--organisation", "Bo-Vita")
    assert user.exit_code == 0, user.output
    login(client, "bovita@example.org")
    response = create_walk_as(client)
    assert response.get_json()["area"]["name"] == "Mjølnerparken"
    removed = run_cli(app, "areas", "remove-organisation", "Mjølnerparken", "Bo-Vita")
    assert removed.exit_code == 0
    # The membership is checked on every request: the walk is gone for Bo-Vita at once.
    assert client.get(f"/walks/{response.get_json()['id']}").status_code == 404


def test_counts_over_subqueries_see_only_the_askers_area(app, make_walk, make_finding, area_b):
    """A total (the list's "N fund", a dashboard figure) counted over a subquery names no entity
    of its own; it once counted every area's findings."""
    from flask import g

    from walkapp.findings.models import Finding
    from walkapp.orgs.area_scope import AreaScope

    walk = make_walk(title="A")
    make_finding(walk["id"])
    with app.test_request_context():
        g.area_scope = AreaScope(area_ids=frozenset({area_b["id"]}))
        over_subquery = db.select(db.func.count()).select_from(db.select(Finding.id).subquery())
        over_table = db.select(db.func.count()).select_from(Finding)
        assert db.session.execute(over_subquery).scalar_one() == 0
        assert db.session.execute(over_table).scalar_one() == 0
        with unscoped():
            assert db.session.execute(over_subquery).scalar_one() == 1


def test_a_walk_of_another_area_is_never_an_earlier_walk_at_the_spot(app, client, coordinator, make_walk,
                                                                      make_finding, area_b):
    """Bad data linking A's walk to B's as its previous walk (or a shared estate) must not show
    B's finding and walk title as "found here before" to A's staff."""
    from datetime import UTC, datetime, timedelta

    from walkapp.walks.models import Walk

    b_walk = make_walk(title="Urbanplanens hemmelige vandring", area_id=area_b["id"], status="closed",
                       starts_at=datetime.now(UTC) - timedelta(days=400))["id"]
    make_finding(b_walk, user_id=area_b["user"]["id"])
    a_walk = make_walk(title="A", previous_walk_id=b_walk)["id"]
    a_finding = make_finding(a_walk)
    login(client, coordinator["email"])
    body = client.get(f"/api/v1/walks/{a_walk}/findings").get_json()
    [feature] = [f for f in body["features"] if f["properties"]["id"] == str(a_finding)]
    assert feature["properties"]["earlier"] == []
    page = client.get(f"/findings/{a_finding}").get_data(as_text=True)
    assert "Urbanplanens hemmelige vandring" not in page
    with app.app_context(), unscoped():
        assert db.session.get(Walk, a_walk).previous_walk_id == b_walk  # the link is there
