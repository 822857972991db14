"""The optional, anonymous profile of the join page and its groups on the overview and the
dashboard (issue 12 §5): stored from the join form, refused when unknown, shown only for groups
of at least five participants."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import post_form
from walkapp.extensions import db
from walkapp.walks.models import Participant


def _participants(app, walk_id: int) -> list[Participant]:
    with app.app_context():
        rows = db.session.execute(
            db.select(Participant).where(Participant.walk_id == walk_id).order_by(Participant.id)
        ).scalars().all()
        db.session.expunge_all()
        return rows


def _join(app, join_code: str, **profile) -> int:
    """Join in a fresh phone (test client) with the given profile fields; the response status."""
    phone = app.test_client()
    return post_form(phone, f"/j/{join_code}", {"role": "resident", **profile}).status_code


def _row(html: str, group: str) -> str:
    """The table row of one profile group ("age_band:65_plus")."""
    match = re.search(rf'<tr data-group="{re.escape(group)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {group}"
    return match.group(1)


def _cells(row: str) -> str:
    """The data cells of a row (not its heading, whose label "Under 18" has digits of its own)."""
    return " ".join(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))


# ---------------------------------------------------------------- the join form


def test_profile_is_stored_from_the_join_form(app, walk):
    assert _join(app, walk["join_code"], age_band="65_plus", gender="woman", mobility_aid="y") == 302
    [participant] = _participants(app, walk["id"])
    assert (participant.age_band, participant.gender, participant.mobility_aid) == ("65_plus", "woman", True)


def test_profile_is_optional(app, client, walk):
    page = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert "Hvem er du? (valgfrit, anonymt)" in page
    assert "Jeg bruger rollator eller kørestol" in page and "Ønsker ikke at svare" in page
    assert _join(app, walk["join_code"]) == 302
    [participant] = _participants(app, walk["id"])
    assert (participant.age_band, participant.gender, participant.mobility_aid) == (None, None, None)


@pytest.mark.parametrize("field, value", [("age_band", "90_plus"), ("gender", "robot"), ("age_band", "65+")])
def test_unknown_profile_value_is_refused_and_nothing_stored(app, walk, field, value):
    phone = app.test_client()
    response = post_form(phone, f"/j/{walk['join_code']}", {"role": "resident", field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ret venligst fejlene nedenfor." in page
    # In Danish, at the question that was wrong.
    assert re.search(rf'id="{field}-error"[^>]*>Vælg et af svarene, eller ingen\.<', page)
    assert _participants(app, walk["id"]) == []


# ---------------------------------------------------------------- groups on overview and dashboard


@pytest.fixture
def profiled_walk(app, make_walk, make_finding):
    """A walk held now: five women aged 65+ with walkers (ratings 1, 1, 2, 2, 3) and four men
    under 18 (rating 0 each)."""
    walk = make_walk(status="active", starts_at=datetime.now(UTC))
    for _ in range(5):
        assert _join(app, walk["join_code"], age_band="65_plus", gender="woman", mobility_aid="y") == 302
    for _ in range(4):
        assert _join(app, walk["join_code"], age_band="under_18", gender="man") == 302
    people = _participants(app, walk["id"])
    for participant, rating in zip(people, [1, 1, 2, 2, 3, 0, 0, 0, 0], strict=True):
        make_finding(walk["id"], participant_id=participant.id, user_id=None, rating=rating)
    return walk


def _assert_groups(html: str) -> None:
    for group in ("age_band:65_plus", "gender:woman", "mobility_aid:yes"):
        cells = _cells(_row(html, group))
        assert "5" in cells and "1,8" in cells, (group, cells)
        assert "for få til at vise" not in cells
    for group in ("age_band:under_18", "gender:man"):
        row = _row(html, group)
        assert "for få til at vise" in row
        assert not re.search(r"\d", _cells(row)), (group, row)
    # An empty group tells nothing either: it is "too few", not "0".
    assert "for få til at vise" in _row(html, "gender:other")


def test_overview_shows_only_groups_of_at_least_five(logged_in, profiled_walk):
    response = logged_in.get(f"/walks/{profiled_walk['id']}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Hvem deltog" in html
    _assert_groups(html)


def test_dashboard_shows_only_groups_of_at_least_five(logged_in, profiled_walk):
    year = datetime.now(UTC).year
    html = logged_in.get(f"/dashboard?year={year}").get_data(as_text=True)
    _assert_groups(html)
    groups = {f"{g['group']}:{g['value']}": g
              for g in logged_in.get(f"/api/v1/dashboard?year={year}").get_json()["profile_groups"]}
    assert groups["age_band:65_plus"] == {"group": "age_band", "value": "65_plus", "shown": True,
                                          "participants": 5, "mean_rating": 1.8}
    # The API says no more than the page: no count, no mean for a group of four.
    assert groups["gender:man"] == {"group": "gender", "value": "man", "shown": False,
                                    "participants": None, "mean_rating": None}
