"""The first finding on a planned walk starts it, and every status change is in the walk's
history (who, when, why), listed on the walk page."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send
from tests.concurrency_helpers import at_once
from tests.conftest import join_walk, post_form
from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped


def history(app, walk_id: int) -> list[tuple]:
    """(from, to, by_user_id, by_participant_id, reason) of the walk's stored status changes."""
    from walkapp.walks.models import WalkStatusChange

    with app.app_context():
        return [
            (c.from_status, c.to_status, c.by_user_id, c.by_participant_id, c.reason)
            for c in db.session.execute(
                db.select(WalkStatusChange).where(WalkStatusChange.walk_id == walk_id)
                .order_by(WalkStatusChange.id)
            ).scalars()
        ]


def walk_status(app, walk_id: int) -> str:
    from walkapp.walks.models import Walk

    with app.app_context():
        return db.session.get(Walk, walk_id).status


def participant_id(app, walk_id: int) -> int:
    from walkapp.walks.models import Participant

    with app.app_context():
        return db.session.execute(
            db.select(Participant.id).where(Participant.walk_id == walk_id)
        ).scalar_one()


@pytest.fixture
def planned(make_walk):
    """A planned walk nobody has started."""
    return make_walk(status="planned")


def test_first_finding_by_a_participant_starts_the_walk_once(app, planned):
    """The first finding makes the walk active with one history row naming the participant; the
    same finding re-sent (200) and a second finding change nothing more."""
    phone = app.test_client()
    join_walk(phone, planned["join_code"], role="police")
    first = finding_payload()
    assert send(phone, "POST", findings_url(planned["id"]), json=first).status_code == 201
    assert walk_status(app, planned["id"]) == "active"
    expected = [("planned", "active", None, participant_id(app, planned["id"]), "first_finding")]
    assert history(app, planned["id"]) == expected

    assert send(phone, "POST", findings_url(planned["id"]), json=first).status_code == 200
    assert send(phone, "POST", findings_url(planned["id"]), json=finding_payload()).status_code == 201
    assert history(app, planned["id"]) == expected
    assert walk_status(app, planned["id"]) == "active"


def test_first_findings_sent_at_once_start_the_walk_once(app, planned, api_token):
    """Eight phones send their first findings at the same moment: all are stored, the walk is
    active, and its history says once that it was started."""
    def post() -> int:
        response = app.test_client().post(findings_url(planned["id"]), json=finding_payload(),
                                          headers=bearer(api_token))
        return response.status_code

    statuses, errors = at_once(8, post)
    assert errors == [] and statuses == [201] * 8
    assert walk_status(app, planned["id"]) == "active"
    assert [row[:2] + row[4:] for row in history(app, planned["id"])] == [("planned", "active", "first_finding")]


def test_first_finding_by_staff_names_the_user(app, planned, coordinator, api_token):
    """A staff user's first finding (API token) starts the walk in their name."""
    response = send(app.test_client(), "POST", findings_url(planned["id"]), json=finding_payload(),
                    headers=bearer(api_token))
    assert response.status_code == 201
    assert history(app, planned["id"]) == [("planned", "active", coordinator["id"], None, "first_finding")]


@pytest.mark.parametrize("status", ["active", "closed"])
def test_findings_on_a_started_or_closed_walk_leave_its_status(app, make_walk, api_token, status):
    """Only a planned walk is started by a finding; staff may still add to a closed walk."""
    walk = make_walk(status=status)
    response = send(app.test_client(), "POST", findings_url(walk["id"]), json=finding_payload(),
                    headers=bearer(api_token))
    assert response.status_code == 201
    assert walk_status(app, walk["id"]) == status
    assert history(app, walk["id"]) == []


def test_refused_finding_does_not_start_the_walk(app, planned):
    """A finding refused for bad input leaves the walk planned, without history."""
    phone = app.test_client()
    join_walk(phone, planned["join_code"])
    response = send(phone, "POST", findings_url(planned["id"]), json=finding_payload(category="nope"))
    assert response.status_code == 400
    assert walk_status(app, planned["id"]) == "planned"
    assert history(app, planned["id"]) == []


def test_buttons_write_the_history_with_the_user(app, logged_in, planned, coordinator):
    """Start, close and reopen on the walk page are each one history row in the user's name."""
    for to in ("active", "closed", "active"):
        response = post_form(logged_in, f"/walks/{planned['id']}/status", {"status": to})
        assert response.status_code == 302
    assert history(app, planned["id"]) == [
        ("planned", "active", coordinator["id"], None, ""),
        ("active", "closed", coordinator["id"], None, ""),
        ("closed", "active", coordinator["id"], None, ""),
    ]
    # A refused change writes nothing.
    post_form(logged_in, f"/walks/{planned['id']}/status", {"status": "planned"})
    assert len(history(app, planned["id"])) == 3


def test_status_change_behind_a_stale_page_is_refused_once(app, planned, coordinator):
    """Two "Start" clicks at once: the second one finds the walk already moved and is refused
    with the current status; the history has one row."""
    from sqlalchemy import update

    from walkapp.auth.models import User
    from walkapp.errors import ApiError
    from walkapp.walks.models import Walk
    from walkapp.walks.services import change_walk_status

    with app.app_context(), app.test_request_context(), unscoped():
        user = db.session.get(User, coordinator["id"])
        stale = db.session.get(Walk, planned["id"])
        assert stale.status == "planned"
        # The other click, committed between this one's read and its write.
        db.session.execute(update(Walk.__table__).where(Walk.__table__.c.id == planned["id"])
                           .values(status="active"))
        with pytest.raises(ApiError) as refused:
            change_walk_status(stale, "active", by_user=user)
        assert refused.value.status == 409 and stale.status == "active"
        db.session.commit()
    assert history(app, planned["id"]) == []


def test_walk_page_lists_the_history_in_danish(app, logged_in, planned, coordinator):
    """The walk page shows who started the walk and why, then the coordinator's close."""
    from walkapp.auth.models import User

    with app.app_context():
        db.session.get(User, coordinator["id"]).name = "Karin Koordinator"
        db.session.commit()
    phone = app.test_client()
    post_form(phone, f"/j/{planned['join_code']}", {"role": "board", "display_name": "Bente"})
    assert send(phone, "POST", findings_url(planned["id"]), json=finding_payload()).status_code == 201
    post_form(logged_in, f"/walks/{planned['id']}/status", {"status": "closed"})
    page = logged_in.get(f"/walks/{planned['id']}").get_data(as_text=True)
    block = page[page.index('id="walk-status-history"'):]
    block = block[:block.index("</ol>")]
    rows = block.split("<li>")[1:]
    assert len(rows) == 2
    assert "Planlagt → Aktiv" in rows[0] and "Startet af første fund" in rows[0]
    assert "Bente (Afdelingsbestyrelse" in rows[0]
    assert "Aktiv → Afsluttet" in rows[1] and "Karin Koordinator" in rows[1]
    assert "første fund" not in rows[1]
    year = datetime.now(UTC).year
    assert str(year) in rows[0]


def test_walk_page_without_history_has_no_empty_list(logged_in, planned):
    """A walk that never changed status shows no history heading."""
    page = logged_in.get(f"/walks/{planned['id']}").get_data(as_text=True)
    assert "Statushistorik" not in page
