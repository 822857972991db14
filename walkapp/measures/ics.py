"""iCalendar files for follow-up meetings and due dates (pure, no Flask).

User text goes in through icalendar's property types, which escape commas, semicolons,
backslashes and line breaks, so a title cannot inject properties or extra events."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//Tryghedsvandring//walkapp//DA"


def _calendar(event: Event) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def _event(uid: str, summary: str, description: str, url: str | None, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def all_day_event(*, uid: str, day: date, summary: str, description: str = "",
                  url: str | None = None, stamp: datetime) -> bytes:
    """A one-day all-day event (DTSTART;VALUE=DATE, DTEND the next day)."""
    event = _event(uid, summary, description, url, stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a deadline does not block the calendar
    return _calendar(event)


def timed_event(*, uid: str, start: datetime, minutes: int, summary: str,
                description: str = "", url: str | None = None, stamp: datetime) -> bytes:
    """An event at a local time. Written in UTC so no VTIMEZONE block is needed and every
    calendar program shows the right local time."""
    from datetime import UTC

    event = _event(uid, summary, description, url, stamp)
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", (start + timedelta(minutes=minutes)).astimezone(UTC))
    return _calendar(event)
