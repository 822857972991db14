"""Walk planning pages: create/edit with a drawn route, status changes, the walk page,
the invitation, the QR code, access rules and join codes."""
from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import segno

from tests.conftest import DEMO_ROUTE, login, post_form
from tests.form_helpers import hidden_fields
from tests.walk_helpers import ROUTE, form_data, walk_count, walk_row
from walkapp.extensions import db


@pytest.fixture
def estate(make_estate):
    """An estate of DAB (committed); returns its id."""
    return make_estate("Holmbladsgade", "DAB")


@pytest.fixture
def staff_client(app, make_user):
    """A client logged in as plain staff (no planning rights)."""
    user = make_user("drift@example.org", "staff", organisation="DAB")
    client = app.test_client()
    assert login(client, user["email"]).status_code == 302
    return client


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r".*/walks/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/walks", "/walks/new", "/walks/{id}", "/walks/{id}/edit",
                                  "/walks/{id}/invitation", "/walks/{id}/qr.svg"])
def test_anonymous_is_sent_to_login(client, make_walk, path):
    walk = make_walk()
    response = client.get(path.format(id=walk["id"]))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_participant_session_does_not_open_staff_pages(app, client, make_walk):
    walk = make_walk()
    with client.session_transaction() as session:
        session["walk_id"] = walk["id"]
        session["participant_id"] = 1
    response = client.get(f"/walks/{walk['id']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_can_view_walks_but_not_plan_them(app, staff_client, make_walk):
    walk = make_walk(status="planned")
    listing = staff_client.get("/walks")
    assert listing.status_code == 200
    assert "Aftenvandring" in listing.get_data(as_text=True)
    assert 'href="/walks/new"' not in listing.get_data(as_text=True)
    page = staff_client.get(f"/walks/{walk['id']}")
    assert page.status_code == 200
    assert 'action="/walks/%d/status"' % walk["id"] not in page.get_data(as_text=True)
    assert staff_client.get("/walks/new").status_code == 403
    assert post_form(staff_client, "/walks/new", form_data()).status_code == 403
    assert staff_client.get(f"/walks/{walk['id']}/edit").status_code == 403
    assert post_form(staff_client, f"/walks/{walk['id']}/edit", form_data(title="Kapret")).status_code == 403
    assert post_form(staff_client, f"/walks/{walk['id']}/status", {"status": "active"}).status_code == 403
    stored = walk_row(app, walk["id"])
    assert stored["title"] == "Aftenvandring" and stored["status"] == "planned"
    assert walk_count(app) == 1


def test_form_post_without_csrf_token_is_refused(app, logged_in):
    response = logged_in.post("/walks/new", data=form_data())
    assert response.status_code == 400
    assert walk_count(app) == 0


# ---------------------------------------------------------------- create / edit


def test_create_walk_with_drawn_route(app, logged_in, coordinator, estate):
    assert logged_in.get("/walks/new").status_code == 200
    response = post_form(logged_in, "/walks/new", form_data(estates=str(estate), kind="inspection"))
    walk_id = created_id(response)
    stored = walk_row(app, walk_id)
    assert stored["kind"] == "inspection"
    assert stored["title"] == "Aftenvandring i Holmbladsgade"
    # 18:30 in Copenhagen in November (CET, UTC+1) is 17:30 UTC, stored as an aware datetime.
    assert stored["starts_at"] == datetime(2030, 11, 26, 17, 30, tzinfo=UTC)
    assert stored["route"] == ROUTE
    assert (stored["meeting_lat"], stored["meeting_lon"]) == (55.666, 12.6035)
    assert stored["meeting_point"] == "Ved vaskeriet"
    assert stored["follow_up_on"] == date(2031, 5, 20)
    assert stored["estates"] == ["Holmbladsgade"]
    assert stored["status"] == "planned"
    assert stored["created_by_id"] == coordinator["id"]
    page = logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)
    assert "Aftenvandring i Holmbladsgade" in page
    assert "26.11.2030 18:30" in page
    assert "Holmbladsgade" in page and "Ved vaskeriet" in page


def test_summer_time_start_is_stored_in_utc(app, logged_in):
    walk_id = created_id(post_form(logged_in, "/walks/new", form_data(starts_at="2030-06-12T19:00")))
    # Copenhagen is UTC+2 in June.
    assert walk_row(app, walk_id)["starts_at"] == datetime(2030, 6, 12, 17, 0, tzinfo=UTC)
    assert "12.06.2030 19:00" in logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)


def test_walk_without_route_can_be_planned(app, logged_in):
    walk_id = created_id(post_form(logged_in, "/walks/new", form_data(route="", meeting_lat="", meeting_lon="")))
    stored = walk_row(app, walk_id)
    assert stored["route"] is None and stored["meeting_lat"] is None


@pytest.mark.parametrize("overrides, field", [
    ({"title": "  "}, "title"),
    ({"starts_at": ""}, "starts_at"),
    ({"starts_at": "i morgen"}, "starts_at"),
    ({"starts_at": "0202-11-26T18:30"}, "starts_at"),
    ({"kind": "party"}, "kind"),
    ({"meeting_lat": "95", "meeting_lon": "12.6"}, "meeting-location"),
    ({"meeting_lat": "55.6", "meeting_lon": ""}, "meeting-location"),
    ({"follow_up_on": "31.02.2031"}, "follow_up_on"),
])
def test_invalid_form_shows_error_next_to_field_and_stores_nothing(app, logged_in, overrides, field):
    response = post_form(logged_in, "/walks/new", form_data(**overrides))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert walk_count(app) == 0


def test_edit_page_round_trips_the_drawn_route(app, logged_in, make_walk):
    walk = make_walk(status="planned", route=ROUTE)
    page = logged_in.get(f"/walks/{walk['id']}/edit").get_data(as_text=True)
    routes = hidden_fields(page).get("route")
    assert routes and len(routes) == 1, "the form does not send the route back"
    assert json.loads(routes[0]) == ROUTE
    # Saving the form unchanged (as the browser would post the hidden input back) keeps the route.
    response = post_form(logged_in, f"/walks/{walk['id']}/edit",
                         form_data(route=routes[0], title="Ny titel"))
    assert response.status_code == 302
    stored = walk_row(app, walk["id"])
    assert stored["route"] == ROUTE and stored["title"] == "Ny titel"
    assert stored["join_code"] == walk["join_code"]


def test_edit_with_moved_and_added_points_replaces_route(app, logged_in, make_walk):
    walk = make_walk(status="planned", route=ROUTE)
    moved = {"type": "LineString", "coordinates": [[12.6036, 55.6661], [12.6054, 55.6664],
                                                   [12.6072, 55.6668], [12.609, 55.667]]}
    assert post_form(logged_in, f"/walks/{walk['id']}/edit", form_data(route=json.dumps(moved))).status_code == 302
    assert walk_row(app, walk["id"])["route"] == moved


def test_clearing_the_route_removes_it(app, logged_in, make_walk):
    walk = make_walk(status="planned", route=ROUTE)
    assert post_form(logged_in, f"/walks/{walk['id']}/edit", form_data(route="")).status_code == 302
    assert walk_row(app, walk["id"])["route"] is None


@pytest.mark.parametrize("route", [
    "{not json",
    json.dumps({"type": "LineString", "coordinates": [[12.6, 55.66]]}),
    json.dumps({"type": "LineString", "coordinates": [[12.6, 55.66], [12.6, 155.0]]}),
    json.dumps({"type": "Point", "coordinates": [12.6, 55.66]}),
    json.dumps({"type": "LineString", "coordinates": [["12.6", "55.66"], [12.6, 55.7]]}),
])
def test_bad_drawn_route_is_refused_and_walk_unchanged(app, logged_in, make_walk, route):
    walk = make_walk(status="planned", route=ROUTE)
    before = walk_row(app, walk["id"])
    response = post_form(logged_in, f"/walks/{walk['id']}/edit", form_data(route=route, title="Ændret"))
    assert response.status_code == 400
    assert 'id="route-error"' in response.get_data(as_text=True)
    assert walk_row(app, walk["id"]) == before


def test_unknown_walk_is_404(logged_in):
    assert logged_in.get("/walks/999").status_code == 404
    assert logged_in.get("/walks/999/edit").status_code == 404


# ---------------------------------------------------------------- status


def change(client, walk_id: int, to: str):
    return post_form(client, f"/walks/{walk_id}/status", {"status": to})


def test_status_moves_planned_active_closed_and_reopens(app, logged_in, make_walk):
    walk = make_walk(status="planned")
    page = logged_in.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert 'data-status="active"' in page and 'data-status="closed"' not in page
    for to in ("active", "closed", "active"):
        response = change(logged_in, walk["id"], to)
        assert response.status_code == 302
        assert walk_row(app, walk["id"])["status"] == to
    page = logged_in.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert 'data-status="closed"' in page


@pytest.mark.parametrize("start, to", [
    ("planned", "closed"),
    ("planned", "planned"),
    ("active", "planned"),
    ("closed", "planned"),
    ("active", "archived"),
    ("closed", ""),
])
def test_illegal_status_change_is_refused(app, logged_in, make_walk, start, to):
    walk = make_walk(status=start)
    response = change(logged_in, walk["id"], to)
    assert response.status_code == 302
    assert walk_row(app, walk["id"])["status"] == start
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-error"' in page


# ---------------------------------------------------------------- list and walk page


def test_list_groups_by_status_then_date(app, logged_in, make_walk, make_finding):
    """As read top to bottom: walks under way (newest first), planned (soonest first), closed
    (newest first), whatever their dates; an active walk from last week is not "earlier"."""
    now = datetime.now(UTC)
    make_walk(title="Lukket sidste år", starts_at=now - timedelta(days=365), status="closed")
    make_walk(title="Aktiv for en uge siden", starts_at=now - timedelta(days=7), status="active")
    later = make_walk(title="Planlagt om en måned", starts_at=now + timedelta(days=30), status="planned")
    make_walk(title="Lukket i næste uge", starts_at=now + timedelta(days=7), status="closed")
    make_walk(title="Planlagt i morgen", starts_at=now + timedelta(days=1), status="planned", kind="inspection")
    make_walk(title="Lukket i går", starts_at=now - timedelta(days=1), status="closed")
    make_walk(title="Aktiv i går", starts_at=now - timedelta(days=1), status="active")
    make_finding(later["id"])
    page = logged_in.get("/walks").get_data(as_text=True)
    content = page[page.index("<h1>"):]
    read = [heading or title for heading, title in re.findall(
        r'<h2>([^<]*)</h2>|class="card-link"[^>]*>([^<]*)</a>', content)]
    assert read == [
        "I gang", "Aktiv i går", "Aktiv for en uge siden",
        "Planlagte", "Planlagt i morgen", "Planlagt om en måned",
        "Afsluttede", "Lukket i næste uge", "Lukket i går", "Lukket sidste år",
    ]
    assert "Kommende" not in page and "Tidligere" not in page
    card = content[content.index("Planlagt om en måned"):content.index("Afsluttede")]
    assert '<span class="count-findings">1</span>' in card and 'class="badge planned"' in card


def test_list_without_walks_says_so(logged_in):
    """No walks: one sentence, no empty headings."""
    page = logged_in.get("/walks").get_data(as_text=True)
    assert "Ingen vandringer endnu." in page
    assert "I gang" not in page and "Planlagte" not in page and "Afsluttede" not in page


def test_walk_page_shows_participants_findings_and_join_link(app, logged_in, make_walk, make_finding):
    from walkapp.walks.models import Participant

    walk = make_walk(meeting_lat=55.666, meeting_lon=12.6035)
    with app.app_context():
        for name, role in (("Aisha", "resident"), ("Bent", "resident"), ("Politiet", "police")):
            db.session.add(Participant(walk_id=walk["id"], display_name=name, role=role))
        db.session.commit()
    make_finding(walk["id"], "lighting")
    make_finding(walk["id"], "lighting")
    make_finding(walk["id"], "graffiti")
    response = logged_in.get(f"/walks/{walk['id']}")
    page = response.get_data(as_text=True)
    assert '<span id="participant-total">3</span>' in page
    assert "Aisha" in page and "Politiet" in page
    by_role = page[page.index('id="participants-by-role"'):]
    assert re.search(r"<li>[^<]+: 2</li>", by_role)
    assert '<span id="finding-total">3</span>' in page
    assert "<li>Belysning: 2</li>" in page and "<li>Graffiti: 1</li>" in page
    join = f"http://localhost/j/{walk['join_code']}"
    assert f'href="{join}"' in page
    assert "<svg" in page and 'class="qr"' in page
    map_data = json.loads(re.search(
        r'<script type="application/json" id="walk-map-data">(.*?)</script>', page, re.S).group(1))
    assert map_data["route"] == DEMO_ROUTE
    assert map_data["meeting"]["lat"] == 55.666
    assert len(map_data["findings"]) == 3


def test_user_text_cannot_break_out_of_the_map_data(app, logged_in, make_walk, make_finding):
    attack = '</script><script>alert("x")</script>'
    walk = make_walk(meeting_point=attack, meeting_lat=55.666, meeting_lon=12.6035)
    make_finding(walk["id"], description=attack)
    page = logged_in.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert '<script>alert("x")' not in page
    blob = re.search(r'id="walk-map-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert data["findings"][0]["description"] == attack and data["meeting"]["label"] == attack


# ---------------------------------------------------------------- invitation and QR


def test_invitation_has_title_danish_time_meeting_point_and_qr(app, logged_in, make_walk):
    walk = make_walk(title="Tryghedsvandring i Urbanplanen",
                     starts_at=datetime(2030, 11, 26, 17, 30, tzinfo=UTC), meeting_point="Kulturhuset")
    response = logged_in.get(f"/walks/{walk['id']}/invitation")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tryghedsvandring i Urbanplanen" in page
    assert "26.11.2030 18:30" in page
    assert "Kulturhuset" in page
    assert f"http://localhost/j/{walk['join_code']}" in page
    code = walk["join_code"]
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in page
    assert '<svg viewBox=' in page and 'class="qr"' in page
    assert "walks.css" in page
    css = (Path(__file__).resolve().parent.parent / "static" / "css" / "walks.css").read_text()
    assert "size: A4" in css


def test_qr_svg_download_encodes_the_join_link(app, logged_in, make_walk):
    walk = make_walk()
    response = logged_in.get(f"/walks/{walk['id']}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    served = root.find("{http://www.w3.org/2000/svg}path").get("d")
    # The same QR code built from the join link has exactly the same modules.
    expected = segno.make(f"http://localhost/j/{walk['join_code']}", error="m", micro=False)
    expected_root = ElementTree.fromstring(expected.svg_inline(scale=10, border=4))
    assert served == expected_root.find("path").get("d")
    # Another code (its last symbol changed, never to itself) gives another QR code.
    last = walk["join_code"][-1]
    other_code = walk["join_code"][:-1] + ("X" if last != "X" else "Y")
    other = segno.make(f"http://localhost/j/{other_code}", error="m", micro=False)
    assert served != ElementTree.fromstring(other.svg_inline(scale=10, border=4)).find("path").get("d")


# ---------------------------------------------------------------- join codes


def test_join_codes_are_unambiguous_and_carry_60_bits():
    from walkapp.walks.services import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, new_join_code

    assert not set("01OILUV") & set(JOIN_CODE_ALPHABET)
    assert len(set(JOIN_CODE_ALPHABET)) == len(JOIN_CODE_ALPHABET)
    assert JOIN_CODE_LENGTH * math.log2(len(JOIN_CODE_ALPHABET)) >= 60
    codes = [new_join_code() for _ in range(5000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == JOIN_CODE_LENGTH and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)
    # Every symbol turns up: the codes use the whole alphabet, not a biased part of it.
    assert set("".join(codes)) == set(JOIN_CODE_ALPHABET)


def test_new_walk_never_reuses_a_taken_join_code(app, ctx, make_walk, monkeypatch):
    from walkapp.walks import services

    taken = make_walk()["join_code"]
    fresh = iter([taken, taken, "ZZZZZZZZZZZZZ"])
    monkeypatch.setattr(services, "new_join_code", lambda: next(fresh))
    walk = services.create_walk(
        services.WalkData(kind="walk", title="Ny", starts_at=datetime(2030, 1, 1, 18, 0)), None
    )
    assert walk.join_code == "ZZZZZZZZZZZZZ"


def test_each_created_walk_gets_its_own_code(app, logged_in):
    ids = [created_id(post_form(logged_in, "/walks/new", form_data(title=f"Vandring {i}"))) for i in range(3)]
    codes = {walk_row(app, i)["join_code"] for i in ids}
    assert len(codes) == 3
    assert all(len(code) == 13 for code in codes)
