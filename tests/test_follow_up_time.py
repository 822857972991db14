"""The follow-up meeting's time: the walk form's time field beside the date, and the walk
API's "follow_up_time" ("HH:MM", Copenhagen time)."""
from __future__ import annotations

import re
from datetime import date, time

import pytest

from tests.capture_api_helpers import bearer
from tests.conftest import DEMO_ROUTE, post_form
from tests.form_helpers import form_fields
from tests.walk_helpers import form_data, walk_count
from walkapp.extensions import db


def _follow_up(app, walk_id: int) -> tuple:
    """(follow_up_on, follow_up_time) as stored."""
    from walkapp.walks.models import Walk

    with app.app_context():
        walk = db.session.get(Walk, walk_id)
        return walk.follow_up_on, walk.follow_up_time


def _created(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.fullmatch(r".*/walks/(\d+)", response.headers["Location"]).group(1))


def test_form_stores_the_time_and_the_edit_page_shows_it(app, logged_in):
    walk_id = _created(post_form(logged_in, "/walks/new",
                                 form_data(follow_up_on="2031-05-20", follow_up_time="18:30")))
    assert _follow_up(app, walk_id) == (date(2031, 5, 20), time(18, 30))
    page = logged_in.get(f"/walks/{walk_id}").text
    assert "20.05.2031 18:30" in page.split('id="walk-follow-up"')[1].split("</dd>")[0]
    fields = form_fields(logged_in.get(f"/walks/{walk_id}/edit").text)
    assert fields["follow_up_on"] == ["2031-05-20"] and fields["follow_up_time"] == ["18:30"]
    # Clearing the time keeps the date: the meeting day is agreed, the hour not yet.
    post_form(logged_in, f"/walks/{walk_id}/edit", form_data(follow_up_on="2031-05-20", follow_up_time=""))
    assert _follow_up(app, walk_id) == (date(2031, 5, 20), None)


@pytest.mark.parametrize("overrides, message", [
    ({"follow_up_on": "", "follow_up_time": "18:30"}, "Give the follow-up date as well as the time."),
    ({"follow_up_time": "25:00"}, "Not a valid time value."),
])
def test_bad_time_is_shown_at_the_field_and_stores_nothing(app, logged_in, overrides, message):
    post_form(logged_in, "/lang/en")
    response = post_form(logged_in, "/walks/new", form_data(**overrides))
    assert response.status_code == 400
    error = response.text.split('id="follow_up_time-error"')[1].split("</p>")[0]
    assert message in error
    assert walk_count(app) == 0


def _walk_body(**overrides) -> dict:
    return {"kind": "walk", "title": "Tryghedsvandring", "starts_at": "2030-11-26T18:30:00+01:00",
            "route": DEMO_ROUTE, **overrides}


def test_api_accepts_and_returns_the_time(app, client, api_token):
    response = client.post("/api/v1/walks", json=_walk_body(follow_up_on="2031-05-20",
                                                            follow_up_time="17:30"),
                           headers=bearer(api_token))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["follow_up_on"], body["follow_up_time"]) == ("2031-05-20", "17:30")
    assert _follow_up(app, body["id"]) == (date(2031, 5, 20), time(17, 30))
    shown = client.get(f"/api/v1/walks/{body['id']}", headers=bearer(api_token)).get_json()
    assert shown["follow_up_time"] == "17:30"
    untimed = client.post("/api/v1/walks", json=_walk_body(follow_up_on="2031-05-20"),
                          headers=bearer(api_token)).get_json()
    assert untimed["follow_up_time"] is None


@pytest.mark.parametrize("value, follow_up_on", [
    ("25:00", "2031-05-20"), ("17.30", "2031-05-20"), ("17:30:00", "2031-05-20"), (1730, "2031-05-20"),
    ("17:30", None),
])
def test_api_bad_time_is_400_and_stores_nothing(app, client, api_token, value, follow_up_on):
    response = client.post("/api/v1/walks", json=_walk_body(follow_up_on=follow_up_on,
                                                            follow_up_time=value),
                           headers=bearer(api_token))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_follow_up_time"
    assert walk_count(app) == 0
