"""The calendar's edges: the dates staff may type, whether a phone's clock is believable, and
Copenhagen time that never overflows. Pure module (no Flask).

Python's datetime ends at 9999-12-31 23:59:59 and begins at 0001-01-01: a UTC instant in the
last hour of 9999 has no Copenhagen wall-clock time, and "0001-01-01T00:00+01:00" has no UTC
instant. Every value that reaches a page, an export, a feed or a calendar file goes through
here, so no stored value can make one fail."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
_When = TypeVar("_When", date, datetime)

# Danish formats (CLDR patterns), used for English too so printed overviews read the same in
# both languages. Pages go through walkapp.i18n (the request's time zone); pure modules here.
DATETIME_FORMAT = "dd.MM.yyyy HH:mm"
DATE_FORMAT = "dd.MM.yyyy"

# Dates and years staff type (due dates, follow-up dates, walk starts, plan years): typos such
# as 0202 or 20266 are refused rather than stored.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EARLIEST_DATE, LATEST_DATE = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)

# A phone's clock is believed from a year before the walk up to a day ahead of the server
# (time zones and a slightly fast clock; findings may be pinned while a walk is planned).
CLOCK_AHEAD_MAX = timedelta(days=1)
CLOCK_BEHIND_MAX = timedelta(days=365)
# Finding.phone_observed_at is String(64).
PHONE_TIME_MAX = 64

# What a clock writes, whatever it says: a date and time of day with a zone (Z or ±hh:mm).
# Matches also what datetime cannot hold: year 0, years past 9999 (JavaScript writes
# "+010000-01-01T00:00:00.000Z"), unpadded years, offsets of a day or more.
_CLOCK_SHAPE = re.compile(
    r"[+-]?\d{1,6}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{1,2}(:\d{1,2}([.,]\d{1,9})?)?"
    r"(Z|[+-]\d{1,2}(:?\d{2}){0,2}([.,]\d{1,6})?)",
    re.IGNORECASE | re.ASCII,
)


def year_in_range(year: int) -> bool:
    """True for a year staff may plan in (2000–2100)."""
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def date_in_range(value: date) -> bool:
    """True for a date (or the date of a wall-clock time) staff may type: 2000-01-01 … 2100-12-31."""
    return year_in_range(value.year)


def phone_time(raw: str) -> datetime | None:
    """The UTC instant of a timestamp a phone sent, or None when it has none (year 0, 10000,
    an offset that rolls it past 9999 or before year 1 …). ValueError when `raw` is not a
    timestamp with a zone at all (a client bug, not a clock)."""
    text = raw.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
        if parsed is None and _CLOCK_SHAPE.fullmatch(text):
            return None
        raise ValueError(f"not a timestamp with a zone: {raw[:PHONE_TIME_MAX]!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def believable_clock(instant: datetime | None, *, now: datetime, walk_starts_at: datetime) -> bool:
    """True when a phone's time can be when the finding was made: at most a day ahead of the
    server's `now` and at most a year before the walk starts."""
    if instant is None:
        return False
    earliest = shifted(walk_starts_at, -CLOCK_BEHIND_MAX) or datetime.min.replace(tzinfo=UTC)
    latest = shifted(now, CLOCK_AHEAD_MAX) or datetime.max.replace(tzinfo=UTC)
    return earliest <= instant <= latest


def phone_text(raw: str) -> str:
    """The phone's string as kept for staff: at most PHONE_TIME_MAX characters, anything but
    printable ASCII replaced by U+FFFD (fromisoformat takes any character between date and
    time, a lone surrogate included, which no database can store)."""
    return "".join(ch if " " <= ch <= "~" else "\ufffd" for ch in raw[:PHONE_TIME_MAX])


def local_today() -> date:
    """Today's date in Copenhagen (due dates and plan years are local calendar dates)."""
    return datetime.now(LOCAL_TZ).date()


def local_to_utc(value: datetime) -> datetime:
    """A naive Copenhagen wall-clock time (or an aware time) as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """An aware datetime in Copenhagen time; in UTC when Copenhagen time would pass 9999."""
    for zone in (LOCAL_TZ, UTC):
        try:
            return value.astimezone(zone)
        except OverflowError:
            continue
    return value


def local_naive(value: datetime | None) -> datetime | None:
    """Copenhagen wall-clock time without zone (spreadsheets have no time zones)."""
    return to_local(value).replace(tzinfo=None) if value is not None else None


def shifted(value: _When, delta: timedelta) -> _When | None:
    """value + delta (a date or a datetime), or None when that leaves the calendar (years 1–9999)."""
    try:
        return value + delta
    except OverflowError:
        return None


def danish_date(value: date) -> str:
    """A date as 29.11.2026 (of a datetime, its own calendar date, not converted)."""
    return format_date(value, DATE_FORMAT, locale="da")


def danish_datetime(value: datetime) -> str:
    """A wall-clock time as 29.11.2026 19:30, as given (a naive value is not converted)."""
    return format_datetime(value, DATETIME_FORMAT, tzinfo=value.tzinfo or UTC, locale="da")
