"""The measure workflow as a pure module: every pair of statuses checked against the table."""
from __future__ import annotations

import itertools

import pytest

from walkapp.measures import workflow
from walkapp.measures.models import MEASURE_STATUSES

# Written out by hand from DESIGN.md §4 and the issue, independent of workflow.TRANSITIONS.
EXPECTED_ALLOWED = {
    ("proposed", "agreed"), ("proposed", "rejected"), ("proposed", "in_plan"),
    ("proposed", "referred"),
    ("agreed", "in_progress"), ("agreed", "rejected"), ("agreed", "in_plan"),
    ("agreed", "referred"),
    ("in_plan", "in_progress"), ("in_plan", "referred"),
    ("in_progress", "done"), ("in_progress", "referred"),
}
# Taking back a closing decision (issue 10): coordinators and admins only, with a reason.
EXPECTED_REOPENS = {("done", "in_progress"), ("rejected", "proposed")}


def test_statuses_match_the_database_constraint():
    """The workflow knows exactly the statuses the schema accepts."""
    assert set(workflow.STATUSES) == set(MEASURE_STATUSES)
    assert set(workflow.TRANSITIONS) == set(MEASURE_STATUSES)


@pytest.mark.parametrize("pair", list(itertools.product(workflow.STATUSES, repeat=2)))
def test_every_pair_is_allowed_exactly_when_in_the_table(pair):
    """49 pairs: allowed iff listed in the design, as a normal step or a reopening."""
    assert workflow.is_allowed(*pair) is (pair in EXPECTED_ALLOWED | EXPECTED_REOPENS)
    step = workflow.step(*pair)
    if pair in EXPECTED_ALLOWED:
        assert step.normal and not step.planners_only and not step.reason_required
    elif pair in EXPECTED_REOPENS:
        assert step.planners_only and step.reason_required and not step.normal
    else:
        assert step is None


def test_reopen_steps_are_offered_apart_from_the_normal_ones():
    """A closed measure has no normal next step; done and rejected can be reopened, referred not."""
    assert workflow.next_statuses("done") == workflow.next_statuses("rejected") == []
    assert workflow.reopen_statuses("done") == ["in_progress"]
    assert workflow.reopen_statuses("rejected") == ["proposed"]
    assert workflow.reopen_statuses("referred") == []
    for status in workflow.OPEN_STATUSES:
        assert workflow.reopen_statuses(status) == []


def test_only_done_asks_for_confirmation():
    assert [s for s in workflow.STATUSES if workflow.needs_confirmation(s)] == ["done"]


def test_unknown_statuses_are_never_allowed():
    assert not workflow.is_allowed("proposed", "finished")
    assert not workflow.is_allowed("finished", "done")
    assert not workflow.is_allowed(None, "proposed")
    assert not workflow.is_allowed("", "agreed")


def test_terminal_statuses_are_closed_and_the_rest_open():
    """The derived sets count normal steps only: a reopening does not make done/rejected open."""
    assert workflow.OPEN_STATUSES == {"proposed", "agreed", "in_plan", "in_progress"}
    assert workflow.CLOSED_STATUSES == {"done", "rejected", "referred"}
    assert workflow.DROPPED_STATUSES == {"rejected", "referred"}
    assert workflow.AGREED_STATUSES == {"agreed", "in_plan", "in_progress", "done"}
    assert workflow.OPEN_IN_ORDER == ("proposed", "agreed", "in_plan", "in_progress")
    for status in ("done", "rejected", "referred"):
        assert workflow.next_statuses(status) == []
        assert workflow.open311_status(status) == "closed"
        assert not workflow.is_open(status)
    for status in workflow.OPEN_STATUSES:
        assert workflow.open311_status(status) == "open"
        assert workflow.is_open(status)


def test_every_open_status_can_be_referred():
    """Any open measure may be handed to another authority."""
    for status in workflow.OPEN_STATUSES:
        assert workflow.is_allowed(status, "referred")


def test_next_statuses_follow_display_order():
    assert workflow.next_statuses("proposed") == ["agreed", "in_plan", "rejected", "referred"]
    assert workflow.next_statuses("done") == []


def test_done_or_in_plan_is_the_programme_criterion():
    assert workflow.DONE_OR_IN_PLAN == {"done", "in_plan"}
