"""iCalendar files for follow-up meetings and due dates (pure, no Flask).

User text goes in through icalendar's property types, which escape commas, semicolons,
backslashes and line breaks, so a title cannot inject properties or extra events."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from walkapp.dates import shifted

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
    end = shifted(day, timedelta(days=1))
    if end is not None:
        event.add("dtend", end)
    else:
        # 9999-12-31 has no next day in iCalendar's four-digit years; without DTEND an
        # all-day event lasts that one day (RFC 5545, 3.6.1).
        event.add("duration", timedelta(days=1))
    # A deadline, or a meeting whose hour is not agreed yet, does not block the whole day.
    event.add("transp", "TRANSPARENT")
    return _calendar(event)


def timed_event(*, uid: str, start: datetime, minutes: int, summary: str,
                description: str = "", url: str | None = None, stamp: datetime) -> bytes:
    """An event at a local time. Written in UTC so no VTIMEZONE block is needed and every
    calendar program shows the right local time; at the edges of the calendar, where UTC or
    the end time do not exist, the start keeps its own offset and the length is a DURATION."""
    event = _event(uid, summary, description, url, stamp)
    length = timedelta(minutes=minutes)
    start_utc = _utc(start)
    end_utc = _utc(shifted(start, length))
    event.add("dtstart", start_utc or start)
    if start_utc is not None and end_utc is not None:
        event.add("dtend", end_utc)
    else:
        event.add("duration", length)
    return _calendar(event)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None
