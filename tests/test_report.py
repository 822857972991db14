"""The overview of possible measures: content, SVG route map, "sent on" date, access."""
from __future__ import annotations

import re
from datetime import date

from tests.conftest import login, post_form
from walkapp.extensions import db
from walkapp.followup.overview_views import project_map


def test_report_content(walk_with_measures, logged_in):
    """Facts, participants by role, findings by category, measures, plan additions, route map."""
    post_form(logged_in, "/lang/en")
    response = logged_in.get(f"/walks/{walk_with_measures['walk']}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Holmbladsgade aften" in html and "Ved vaskeriet" in html
    assert "Resident 3" in html and "Police 1" in html
    assert "Lighting (1)" in html and "Graffiti (1)" in html
    # A dismissed finding is not in the list of findings that count, but in its own section
    # with its number (the map draws that number too).
    route_list = re.search(r'id="route-list">(.*?)</ol>', html, re.S).group(1)
    set_aside = re.search(r'id="set-aside-list"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert "Afvist skrald" not in route_list and "Afvist skrald" in set_aside
    for title in ("Opsæt LED-lamper", "Fjern graffiti på garagen", "Nye låse i kælderen"):
        assert title in html
    assert "01.03.2026" in html and "VIBO" in html and "Københavns Kommune – TMF" in html
    assert "2027" in html and "125.000" in html
    assert "<svg" in html and "<path d=\"M" in html
    assert html.count("/thumb.jpg") == 1  # the hidden photo is left out of the overview
    assert "report.css" in html


def test_record_sent_on(app, walk_with_measures, logged_in):
    """The coordinator records the date sent; a bad date changes nothing."""
    from walkapp.walks.models import Walk

    url = f"/walks/{walk_with_measures['walk']}/report/sent"
    assert post_form(logged_in, url, {"sent_on": "not a date"}).status_code == 400
    with app.app_context():
        assert db.session.get(Walk, walk_with_measures["walk"]).overview_sent_on is None
    response = post_form(logged_in, url, {"sent_on": "2025-11-03"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Walk, walk_with_measures["walk"]).overview_sent_on == date(2025, 11, 3)
    assert "03.11.2025" in logged_in.get(f"/walks/{walk_with_measures['walk']}/report").get_data(as_text=True)
    assert logged_in.post(url, data={"sent_on": "2025-11-04"}).status_code == 400  # no CSRF token


def test_report_access(app, client, make_user, walk_with_measures):
    """Anonymous → login; plain staff may read but not record the date; unknown walk → 404."""
    url = f"/walks/{walk_with_measures['walk']}/report"
    assert "/login" in client.get(url).headers["Location"]
    assert "/login" in post_form(client, url + "/sent", {"sent_on": "2025-11-03"}).headers["Location"]
    staff = make_user("drift@example.org", role="staff", organisation="VIBO")
    login(client, staff["email"])
    assert client.get(url).status_code == 200
    assert post_form(client, url + "/sent", {"sent_on": "2025-11-03"}).status_code == 403
    assert client.get("/walks/999999/report").status_code == 404
    from walkapp.walks.models import Walk

    with app.app_context():
        assert db.session.get(Walk, walk_with_measures["walk"]).overview_sent_on is None


def test_project_map_keeps_points_inside_the_box():
    """Route and points land inside the viewBox, north up, east right."""
    route = [[12.6035, 55.6660], [12.6054, 55.6664], [12.6072, 55.6668]]
    svg = project_map(route, [(55.6668, 12.6072, "ne"), (55.6660, 12.6035, "sw")], 640, 400, 20)
    assert svg is not None and svg.view_box == "0 0 640 400"
    ne, sw = svg.points
    assert all(0 <= p["x"] <= 640 and 0 <= p["y"] <= 400 for p in svg.points)
    assert ne["x"] > sw["x"] and ne["y"] < sw["y"]
    assert svg.route_path.startswith("M") and svg.route_path.count("L") == 2
    assert project_map([], []) is None
    single = project_map([], [(55.0, 12.0, 1)])
    assert single is not None and single.points[0]["x"] == 320.0
