"""The measure status workflow: one table of allowed transitions (pure, no Flask)."""
from __future__ import annotations

STATUSES: tuple[str, ...] = (
    "proposed",
    "agreed",
    "in_plan",
    "in_progress",
    "done",
    "rejected",
    "referred",
)

# The ONE table. Everything else (views, API, buttons) asks this table; nothing hard-codes a step.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"agreed", "rejected", "in_plan", "referred"}),
    "agreed": frozenset({"in_progress", "rejected", "in_plan", "referred"}),
    "in_plan": frozenset({"in_progress", "referred"}),
    "in_progress": frozenset({"done", "referred"}),
    "done": frozenset(),
    "rejected": frozenset(),
    "referred": frozenset(),
}

# A measure is open while it still has somewhere to go.
OPEN_STATUSES: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if nxt)
CLOSED_STATUSES: frozenset[str] = frozenset(STATUSES) - OPEN_STATUSES
INITIAL_STATUS = "proposed"
# The one closed status that means the measure was carried out.
DONE_STATUS = "done"
# Closed without being carried out (rejected, referred).
DROPPED_STATUSES: frozenset[str] = CLOSED_STATUSES - {DONE_STATUS}
# Agreed on at some point and not dropped: agreed, in the plan, in progress, done.
AGREED_STATUSES: frozenset[str] = frozenset(STATUSES) - {INITIAL_STATUS} - DROPPED_STATUSES
# Open statuses from least to most advanced (the order of STATUSES).
OPEN_IN_ORDER: tuple[str, ...] = tuple(s for s in STATUSES if s in OPEN_STATUSES)
# The programme's success criterion: at least one measure carried out or in the 10-year plan.
DONE_OR_IN_PLAN: frozenset[str] = frozenset({DONE_STATUS, "in_plan"})


def is_allowed(from_status: str | None, to_status: str) -> bool:
    """True when the table allows moving from `from_status` to `to_status`."""
    return to_status in TRANSITIONS.get(from_status or "", frozenset())


def next_statuses(status: str) -> list[str]:
    """The allowed next statuses, in the display order of STATUSES."""
    allowed = TRANSITIONS.get(status, frozenset())
    return [s for s in STATUSES if s in allowed]


def is_open(status: str) -> bool:
    """True for statuses from which the measure can still move."""
    return status in OPEN_STATUSES


def open311_status(status: str) -> str:
    """Open311 GeoReport v2 knows only "open" and "closed"."""
    return "closed" if status in CLOSED_STATUSES else "open"
