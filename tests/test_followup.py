"""Follow-up page per walk and the .ics downloads (follow-up meeting, measure due date)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from tests.conftest import post_form
from tests.measure_helpers import change_measure
from walkapp.extensions import db

CPH = ZoneInfo("Europe/Copenhagen")


def _events(data: bytes) -> list:
    return [c for c in icalendar.Calendar.from_ical(data).walk() if c.name == "VEVENT"]


def test_follow_up_page_lists_walk_measures_and_changes_since_walk(
        app, logged_in, make_walk, make_finding, make_measure, coordinator):
    from walkapp.measures.models import StatusChange

    post_form(logged_in, "/lang/en")
    walk = make_walk(starts_at=datetime.now(UTC) - timedelta(days=10), follow_up_on=date(2031, 4, 2))
    other_walk = make_walk(title="Anden vandring")
    ours = make_measure(title="Lys ved cykelkælder", finding_ids=[make_finding(walk["id"])],
                        due_on=date(2031, 3, 1))
    make_measure(title="Andet tiltag", finding_ids=[make_finding(other_walk["id"])])
    with app.app_context():  # the proposal was made before the walk (e.g. from a pre-walk note)
        first = db.session.execute(
            db.select(StatusChange).where(StatusChange.measure_id == ours)).scalar_one()
        first.at = datetime.now(UTC) - timedelta(days=20)
        db.session.commit()
    change_measure(app, ours, coordinator["id"], "agreed", 1, note="Aftalt på mødet")

    page = logged_in.get(f"/walks/{walk['id']}/follow-up")
    assert page.status_code == 200
    text = page.text
    assert "02.04.2031" in text and f"/walks/{walk['id']}/follow-up.ics" in text
    assert "Lys ved cykelkælder" in text and "Andet tiltag" not in text
    assert "01.03.2031" in text and "VIBO" in text
    changes = text.split('id="changes"')[1].split("</ul>")[0]
    assert "Proposed → Agreed" in changes and "Aftalt på mødet" in changes
    assert "created as" not in changes  # the change before the walk is not "since the walk"


def test_follow_up_page_without_measures_or_date(logged_in, make_walk):
    post_form(logged_in, "/lang/en")
    walk = make_walk()
    text = logged_in.get(f"/walks/{walk['id']}/follow-up").text
    assert "Not set yet" in text and "No measures for this walk" in text
    assert logged_in.get(f"/walks/{walk['id']}/follow-up.ics").status_code == 404
    assert logged_in.get("/walks/999999/follow-up").status_code == 404


def test_follow_up_ics_is_an_hour_at_the_agreed_copenhagen_time(app, logged_in, make_walk):
    walk = make_walk(title='Vandring; "Nord", linje\nBEGIN:VEVENT', follow_up_on=date(2031, 7, 3),
                     follow_up_time=time(18, 30))
    response = logged_in.get(f"/walks/{walk['id']}/follow-up.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    events = _events(response.data)
    assert len(events) == 1  # the title's line break did not start a second event
    start = events[0].decoded("dtstart")
    assert start.utcoffset() == timedelta(0)  # written in UTC: no VTIMEZONE needed
    local = start.astimezone(CPH)
    assert (local.date(), local.hour, local.minute) == (date(2031, 7, 3), 18, 30)
    assert start.astimezone(UTC).hour == 16  # summer time, UTC+2
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=1)
    assert 'Vandring; "Nord", linje\nBEGIN:VEVENT' in str(events[0]["summary"])
    assert response.data.count(b"\r\nBEGIN:VEVENT\r\n") == 1  # only as a line of its own once


def test_winter_follow_up_keeps_its_local_time(logged_in, make_walk):
    walk = make_walk(follow_up_on=date(2031, 1, 15), follow_up_time=time(19, 0))
    start = _events(logged_in.get(f"/walks/{walk['id']}/follow-up.ics").data)[0].decoded("dtstart")
    assert start.astimezone(CPH).hour == 19 and start.astimezone(UTC).hour == 18


def test_follow_up_without_a_time_is_an_all_day_event(logged_in, make_walk):
    """Only the day is agreed: the calendar gets that day, not an invented hour."""
    walk = make_walk(follow_up_on=date(2031, 7, 3))
    response = logged_in.get(f"/walks/{walk['id']}/follow-up.ics")
    event = _events(response.data)[0]
    assert event.decoded("dtstart") == date(2031, 7, 3)
    assert not isinstance(event.decoded("dtstart"), datetime)
    assert event.decoded("dtend") == date(2031, 7, 4)
    assert b"DTSTART;VALUE=DATE:20310703" in response.data
    assert b"T1700" not in response.data and b"T1500" not in response.data


def test_follow_up_page_shows_the_meeting_time(logged_in, make_walk):
    walk = make_walk(follow_up_on=date(2031, 4, 2), follow_up_time=time(17, 45))
    text = logged_in.get(f"/walks/{walk['id']}/follow-up").text
    assert "02.04.2031 17:45" in text.split('id="follow-up-date"')[1].split("</dd>")[0]


def test_measure_due_ics_is_all_day_on_due_date(logged_in, make_measure):
    measure_id = make_measure(title="Beskær, hæk; ved nr. 5", due_on=date(2030, 11, 20))
    response = logged_in.get(f"/measures/{measure_id}/due.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    event = _events(response.data)[0]
    assert event.decoded("dtstart") == date(2030, 11, 20)
    assert event.decoded("dtend") == date(2030, 11, 21)
    assert "Beskær, hæk; ved nr. 5" in str(event["summary"])
    assert f"/measures/{measure_id}" in str(event["url"])


def test_due_ics_without_due_date_is_404(logged_in, make_measure):
    assert logged_in.get(f"/measures/{make_measure()}/due.ics").status_code == 404


def test_follow_up_needs_staff(client, make_walk, make_measure):
    walk = make_walk(follow_up_on=date(2031, 1, 1))
    measure_id = make_measure(due_on=date(2031, 1, 1))
    for url in (f"/walks/{walk['id']}/follow-up", f"/walks/{walk['id']}/follow-up.ics",
                f"/measures/{measure_id}/due.ics"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
