"""Triage map view: a page that does not grow with the points, compact points fetched with the
list's filters, and each popup loaded on its own (access-checked)."""
from __future__ import annotations

import re
import uuid

from tests.conftest import join_walk
from tests.triage_map_helpers import HOSTILE, insert_findings, page_data
from walkapp.findings.models import FINDING_STATES


def point_ids(answer: dict) -> set[str]:
    return {str(uuid.UUID(hex=p[0])) for p in answer["points"]}


def test_points_follow_every_filter_of_the_list(app, logged_in, make_walk, make_finding):
    """The page's points URL carries the list's filters; its points are exactly the findings
    the list shows for them, for each filter alone and together."""
    walk, other = make_walk(), make_walk(title="Morgenvandring")
    a = make_finding(walk["id"], category="graffiti", rating=0, description="Tags på muren")
    b = make_finding(walk["id"], category="lighting", rating=0, description="Lampen er i stykker")
    c = make_finding(other["id"], category="graffiti", rating=3, description="Tags ved cykelskuret", state="dismissed")
    d = make_finding(other["id"], category="litter", rating=None, description="Skrald")
    cases = {
        "": {a, b, c, d},
        "&category=graffiti": {a, c},
        "&rating=0": {a, b},
        f"&walk={walk['id']}": {a, b},
        "&state=dismissed": {c},
        "&q=Tags": {a, c},
        f"&category=graffiti&walk={other['id']}&q=cykel": {c},
        "&category=vandalism": set(),
    }
    for query, expected in cases.items():
        url = page_data(logged_in, query)["pointsUrl"]
        answer = logged_in.get(url).get_json()
        assert point_ids(answer) == {str(f) for f in expected}, query
        listed = set(re.findall(r'name="finding" value="([0-9a-f-]{36})"',
                                logged_in.get(f"/findings?{query.lstrip('&')}").get_data(as_text=True)))
        assert point_ids(answer) == listed, query


def test_points_say_what_the_map_draws_and_no_user_text(app, logged_in, make_walk, make_finding):
    """Each point is [id, lat µ°, lon µ°, category, state, rating] with codes from the tables; the
    description and the walk title (both hostile here) are not in the payload at all."""
    walk = make_walk(title=HOSTILE)
    fid = make_finding(walk["id"], category="graffiti", rating=1, description=HOSTILE, lat=55.6612345678, lon=12.6012345678)
    response = logged_in.get("/findings/map-points")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    assert "<" not in body and "alert" not in body and "Mørk" not in body
    answer = response.get_json()
    assert answer["points"] == [[fid.hex, 55661235, 12601235, 0, 0, 1]]
    assert answer["categories"] == ["graffiti"] and answer["states"] == ["new"]
    assert set(answer["states"]) <= set(FINDING_STATES)


def test_popup_loads_the_details_on_click(app, logged_in, make_walk, make_finding):
    """The popup endpoint gives the category name, rating, text (140 characters), state and the
    finding's page; the text comes as JSON, for the script to insert as text."""
    walk = make_walk()
    fid = make_finding(walk["id"], category="graffiti", rating=2, description=HOSTILE + "x" * 200)
    data = page_data(logged_in)
    response = logged_in.get(data["popup"].replace("00000000-0000-0000-0000-000000000000", str(fid)))
    assert response.status_code == 200
    popup = response.get_json()
    assert popup["category"] == "Graffiti" and popup["rating"] == 2 and popup["state"] == "Nyt"
    assert popup["description"] == (HOSTILE + "x" * 200)[:140]
    assert popup["url"] == f"/findings/{fid}"
    assert logged_in.get(f"/findings/{uuid.uuid4()}/map-popup").status_code == 404


def test_points_and_popups_are_for_staff_only(app, client, make_walk, make_finding):
    """Anonymous and a participant joined by code are sent to the login, like the list."""
    walk = make_walk()
    fid = make_finding(walk["id"])
    join_walk(client, walk["join_code"])
    for url in ("/findings/map-points", f"/findings/{fid}/map-popup"):
        for who in (app.test_client(), client):
            response = who.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_invalid_filter_is_ignored_and_named_like_on_the_page(app, logged_in, make_walk, make_finding):
    """rating=9 is no rating: the page says the filter was ignored; the points do the same."""
    walk = make_walk()
    a = make_finding(walk["id"], category="graffiti")
    make_finding(walk["id"], category="lighting")
    page = logged_in.get("/findings?view=map&rating=9&category=graffiti")
    assert page.status_code == 400
    answer = logged_in.get(page_data(logged_in, "&rating=9&category=graffiti")["pointsUrl"]).get_json()
    assert point_ids(answer) == {str(a)} and answer["ignored_filters"] == ["rating"]


def test_5000_findings_page_stays_small_and_points_are_compact(app, logged_in, make_walk):
    """At 5,000 findings the map page is as large as with one (the points are not in it), and
    points, when the app is set to send that many, take under 80 bytes each."""
    app.config["TRIAGE_MAP_POINTS_SINGLE"] = 5000
    walk = make_walk()
    insert_findings(app, walk["id"], 1)
    small = len(logged_in.get("/findings?view=map").get_data())
    insert_findings(app, walk["id"], 4999)
    page = logged_in.get("/findings?view=map").get_data(as_text=True)
    assert "5000 fund på kortet" in page
    assert len(page.encode()) - small < 100  # the count's digits, nothing per point
    points = logged_in.get("/findings/map-points")
    assert points.get_json()["mode"] == "points" and len(points.get_json()["points"]) == 5000
    assert len(points.get_data()) < 5000 * 80

