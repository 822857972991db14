"""The measure status workflow: one table of allowed transitions (pure, no Flask)."""
from __future__ import annotations

from dataclasses import dataclass

STATUSES: tuple[str, ...] = (
    "proposed",
    "agreed",
    "in_plan",
    "in_progress",
    "done",
    "rejected",
    "referred",
)


@dataclass(frozen=True)
class Step:
    """One allowed step to `to`. A normal step is open to everyone who may change the
    measure's status; the extra attributes narrow it."""

    to: str
    # Only coordinators and admins (the planners) may take this step.
    planners_only: bool = False
    # The step needs a written reason, kept as the history entry's note.
    reason_required: bool = False

    @property
    def normal(self) -> bool:
        """A step of the ordinary forward workflow (no role or reason needed)."""
        return not (self.planners_only or self.reason_required)


# Taking back a closing decision: a planner's call, and the reason stays in the history.
_REOPEN = {"planners_only": True, "reason_required": True}

# The ONE table. Everything else (views, API, buttons) asks this table; nothing hard-codes a step.
# Reopening: a done measure goes back to in progress (the only status done is reached from, so
# the work resumes where it stopped: same organisation, plan entries kept); a rejected one goes
# back to proposed (rejected is reached from proposed or agreed, and going back to "agreed" would
# claim an agreement the meeting may never have made; the meeting decides again). A referred
# measure is another authority's now and is not reopened here.
TABLE: dict[str, tuple[Step, ...]] = {
    "proposed": (Step("agreed"), Step("rejected"), Step("in_plan"), Step("referred")),
    "agreed": (Step("in_progress"), Step("rejected"), Step("in_plan"), Step("referred")),
    "in_plan": (Step("in_progress"), Step("referred")),
    "in_progress": (Step("done"), Step("referred")),
    "done": (Step("in_progress", **_REOPEN),),
    "rejected": (Step("proposed", **_REOPEN),),
    "referred": (),
}

# Every allowed step, normal or not: status → the statuses it may go to.
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(step.to for step in steps) for status, steps in TABLE.items()
}
# A measure is open while the ordinary workflow still has somewhere to take it; a reopening
# step does not make a closed measure open.
OPEN_STATUSES: frozenset[str] = frozenset(
    status for status, steps in TABLE.items() if any(step.normal for step in steps))
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
# Steps into these statuses are final for whoever takes them (only a planner can undo them,
# with a reason), so the page asks "are you sure?" before taking them.
CONFIRM_STATUSES: frozenset[str] = frozenset({DONE_STATUS})


def step(from_status: str | None, to_status: str) -> Step | None:
    """The table's step from `from_status` to `to_status`, or None when there is none."""
    return next((s for s in TABLE.get(from_status or "", ()) if s.to == to_status), None)


def is_allowed(from_status: str | None, to_status: str) -> bool:
    """True when the table allows moving from `from_status` to `to_status`."""
    return step(from_status, to_status) is not None


def _in_order(targets: set[str]) -> list[str]:
    return [s for s in STATUSES if s in targets]


def next_statuses(status: str) -> list[str]:
    """The normal next statuses, in the display order of STATUSES."""
    return _in_order({s.to for s in TABLE.get(status, ()) if s.normal})


def reopen_statuses(status: str) -> list[str]:
    """The statuses a planner may send a closed measure back to, with a reason."""
    return _in_order({s.to for s in TABLE.get(status, ()) if not s.normal})


def needs_confirmation(to_status: str) -> bool:
    """True for steps the page confirms before taking (they are final)."""
    return to_status in CONFIRM_STATUSES


def is_open(status: str) -> bool:
    """True for statuses from which the measure can still move."""
    return status in OPEN_STATUSES


def open311_status(status: str) -> str:
    """Open311 GeoReport v2 knows only "open" and "closed"."""
    return "closed" if status in CLOSED_STATUSES else "open"
