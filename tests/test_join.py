"""Joining a walk by code (/j/<code>) and access to the capture page."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from tests.conftest import post_form
from walkapp.extensions import db
from walkapp.walks.models import Participant


def participants(app, walk_id: int) -> list[Participant]:
    """Participants of a walk, read straight from the database."""
    with app.app_context():
        return list(db.session.execute(
            db.select(Participant).where(Participant.walk_id == walk_id)
        ).scalars())


def session_cookie_expiry(response) -> datetime:
    """Expiry of the session cookie set by a response."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            for part in header.split(";"):
                name, _, value = part.strip().partition("=")
                if name.lower() == "expires":
                    return parsedate_to_datetime(value)
            raise AssertionError(f"session cookie without Expires: {header}")
    raise AssertionError("no session cookie set")


def test_join_page_shows_walk_and_all_roles_as_big_choices(client, make_walk):
    walk = make_walk(status="planned", title="Vandring i Holmbladsgade")
    response = client.get(f"/j/{walk['join_code']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vandring i Holmbladsgade" in html
    # Eight role tiles; the anonymous profile's age and gender radios come on top.
    assert len(re.findall(r'<input(?=[^>]*name="role")(?=[^>]*type="radio")', html)) == 8
    for role in ("resident", "board", "housing", "operations", "municipality", "police",
                 "coordinator", "other"):
        assert f'value="{role}"' in html
    assert 'name="display_name"' in html


def test_join_code_is_forgiving_about_case_spaces_and_dashes(client, make_walk):
    walk = make_walk()
    code = walk["join_code"]
    messy = f"{code[:4].lower()}-{code[4:8]} {code[8:]}".replace(" ", "%20")
    assert client.get(f"/j/{messy}").status_code == 200


def test_joining_creates_participant_and_a_permanent_session(app, client, make_walk):
    walk = make_walk(status="planned")
    response = post_form(client, f"/j/{walk['join_code']}", {"display_name": " Aisha ", "role": "board"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/walks/{walk['id']}/capture")
    [participant] = participants(app, walk["id"])
    assert participant.display_name == "Aisha"
    assert participant.role == "board"
    expires = session_cookie_expiry(response)
    assert expires >= datetime.now(UTC) + timedelta(days=14)
    with client.session_transaction() as session:
        assert session["participant_id"] == participant.id
        assert session["walk_id"] == walk["id"]


def test_joining_without_a_name_works(app, client, make_walk):
    walk = make_walk()
    response = post_form(client, f"/j/{walk['join_code']}", {"role": "resident"})
    assert response.status_code == 302
    [participant] = participants(app, walk["id"])
    assert participant.display_name == ""


def test_joining_without_a_role_shows_the_form_again(app, client, make_walk):
    walk = make_walk()
    response = post_form(client, f"/j/{walk['join_code']}", {"display_name": "Bo"})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert participants(app, walk["id"]) == []


def test_joining_with_an_unknown_role_is_refused(app, client, make_walk):
    walk = make_walk()
    response = post_form(client, f"/j/{walk['join_code']}", {"role": "mayor"})
    assert response.status_code == 400
    assert participants(app, walk["id"]) == []


def test_joining_without_csrf_token_changes_nothing(app, client, make_walk):
    walk = make_walk()
    response = client.post(f"/j/{walk['join_code']}", data={"role": "resident"})
    assert response.status_code == 400
    assert participants(app, walk["id"]) == []


def test_scanning_the_code_again_keeps_the_same_participant(app, client, make_walk):
    walk = make_walk()
    post_form(client, f"/j/{walk['join_code']}", {"role": "resident"})
    response = client.get(f"/j/{walk['join_code']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/walks/{walk['id']}/capture")
    assert len(participants(app, walk["id"])) == 1


def test_closed_walk_gets_a_clear_page_and_no_participant(app, client, make_walk):
    walk = make_walk(status="closed")
    response = client.get(f"/j/{walk['join_code']}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert 'type="radio"' not in html
    assert "<h1>" in html
    response = post_form(client, f"/j/{walk['join_code']}", {"role": "resident"})
    assert response.status_code == 410
    assert participants(app, walk["id"]) == []


def test_wrong_code_gets_a_friendly_404_page(client, make_walk):
    make_walk()
    response = client.get("/j/WRONGCODE234")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>" in html and 'type="radio"' not in html


def test_wrong_codes_are_rate_limited_but_right_codes_are_not_counted(app, client, make_walk):
    from limits import parse

    allowed = parse(app.config["JOIN_RATE_LIMIT"]).amount
    walk = make_walk()
    # Correct visits (a crowd behind one Wi-Fi) do not count against the limit …
    for _ in range(allowed + 5):
        assert client.get(f"/j/{walk['join_code']}").status_code == 200
    # … wrong codes do; the first attempt over the limit is refused with a friendly page.
    statuses = [client.get(f"/j/WRONG{i:04d}XYZ").status_code for i in range(allowed + 1)]
    assert statuses[:allowed] == [404] * allowed
    assert statuses[allowed] == 429
    refused = client.get(f"/j/{walk['join_code']}")
    assert refused.status_code == 429
    assert "<h1>" in refused.get_data(as_text=True)


def test_capture_page_needs_login_or_participation(client, make_walk):
    walk = make_walk()
    response = client.get(f"/walks/{walk['id']}/capture")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_participant_of_another_walk_gets_404_on_capture_page(client, make_walk):
    walk_a, walk_b = make_walk(title="A"), make_walk(title="B")
    post_form(client, f"/j/{walk_a['join_code']}", {"role": "resident"})
    assert client.get(f"/walks/{walk_b['id']}/capture").status_code == 404
    assert client.get("/walks/99999/capture").status_code == 404


def test_participant_sees_the_capture_page_of_their_walk(client, make_walk):
    walk = make_walk(title="Aftenvandring Amagerbro")
    post_form(client, f"/j/{walk['join_code']}", {"role": "resident"})
    response = client.get(f"/walks/{walk['id']}/capture")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Aftenvandring Amagerbro" in html
    assert "lighting" in html  # the category buttons


def test_staff_see_the_capture_page_of_any_walk(logged_in, make_walk):
    walk = make_walk(title="Inspektion")
    response = logged_in.get(f"/walks/{walk['id']}/capture")
    assert response.status_code == 200
    assert "Inspektion" in response.get_data(as_text=True)
