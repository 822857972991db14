"""The phone's clock on stored rows (findings, and the follow-up walk's checks): which time to
keep, and whether a re-sent row names the time already stored. Rows are duck-typed: anything
with `observed_at` and `phone_observed_at`."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from walkapp.dates import believable_clock, phone_text, phone_time

# (UTC instant or None when it has none, the string as the phone sent it), or None: no time sent.
SentTime = tuple[datetime | None, str] | None


class PhoneTimed(Protocol):
    """A stored row with the phone's time: observed_at (believed or receive time) and the
    phone's own string when it was not believed."""

    observed_at: datetime
    phone_observed_at: str | None


def observed_values(walk_starts_at: datetime, sent: SentTime, now: datetime) -> dict[str, Any]:
    """observed_at and phone_observed_at to store: the phone's time when believable, else the
    receive time with the phone's string kept for staff. A row is never refused for its clock."""
    if sent is None:
        return {"observed_at": now, "phone_observed_at": None}
    instant, raw = sent
    if believable_clock(instant, now=now, walk_starts_at=walk_starts_at):
        return {"observed_at": instant, "phone_observed_at": None}
    return {"observed_at": now, "phone_observed_at": phone_text(raw)}


def phone_claim(row: PhoneTimed) -> datetime | None:
    """The instant the phone said a stored row was made (None: it named none)."""
    if row.phone_observed_at is None:
        return row.observed_at
    try:
        return phone_time(row.phone_observed_at)
    except ValueError:
        return None


def same_phone_time(row: PhoneTimed, sent: SentTime) -> bool:
    """Whether a re-send names the stored row's time, compared as the phone sent it: a clock
    that was not believed is stored as the receive time, which a re-send cannot repeat."""
    if sent is None:
        return True
    instant, raw = sent
    if row.phone_observed_at is not None and row.phone_observed_at == phone_text(raw):
        return True
    return instant is not None and phone_claim(row) == instant
