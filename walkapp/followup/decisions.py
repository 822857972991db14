"""The follow-up meeting's decisions on a finding, each through the existing services: a new
measure, attach to a measure of this walk, duplicate, dismiss, park (flush, never commit)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _

from walkapp.auth.models import User
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.history import mark_triaged, record_change
from walkapp.findings.models import Finding
from walkapp.findings.services import ensure_problems
from walkapp.followup.agenda import UNDECIDED_STATES, walk_agenda
from walkapp.measures import services as measure_services
from walkapp.measures.models import Measure, measure_findings
from walkapp.orgs.models import Organisation
from walkapp.triage import services as triage_services

ACTIONS = ("measure", "attach", "duplicate", "dismiss", "park")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def lock_findings(*finding_ids: Any) -> dict[uuid.UUID, Finding]:
    """The findings with these ids (unknown ones left out), rows locked until the transaction
    ends and freshly read.

    Two chairs deciding the same finding queue here, so the second one sees the first one's
    decision. PostgreSQL takes the row locks (FOR UPDATE, in id order, so two requests locking
    the same pair cannot deadlock); SQLite renders no FOR UPDATE, but a writing request already
    holds the database's write lock from BEGIN IMMEDIATE (walkapp.db)."""
    keys = sorted({key for key in map(_uuid, finding_ids) if key is not None})
    if not keys:
        return {}
    rows = db.session.execute(
        db.select(Finding).where(Finding.id.in_(keys)).order_by(Finding.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {finding.id: finding for finding in rows}


def locked(findings: dict[uuid.UUID, Finding], finding_id: Any) -> Finding | None:
    """One finding out of lock_findings' answer, by the id as the request gave it."""
    key = _uuid(finding_id)
    return findings.get(key) if key is not None else None


def describe_decision(decision: dict[str, Any]) -> str:
    """A decision in words, as the refusal and the minutes say it."""
    action = decision["action"]
    if action == "measure":
        return _("measure “%(title)s”", title=decision["title"])
    if action == "dismiss":
        return _("dismissed: %(reason)s", reason=decision["reason"])
    if action == "duplicate":
        return _("duplicate of #%(number)s", number=decision.get("of_number") or "?")
    if action == "park":
        return _("parked")
    return _("triaged")


def ensure_undecided(finding: Finding) -> None:
    """409 `already_decided`, naming who decided what, unless the finding is new or parked."""
    if finding.state in UNDECIDED_STATES:
        return
    agenda = walk_agenda(finding.walk)
    decision = agenda.decisions.get(finding.id) or {"action": "triaged", "by": None}
    number = next((s.number for s in agenda.stops if s.finding.id == finding.id), None)
    raise ApiError(
        409, "already_decided",
        _("#%(number)s has already been decided by %(who)s: %(what)s.",
          number=number, who=decision.get("by") or _("someone else"),
          what=describe_decision(decision)),
        decision=decision, state=finding.state,
    )


def decide_measure(
    finding: Finding, *, title: str, by_user: User, responsible_org: Organisation | None,
    due_on: date | None, cost_estimate_dkk: int | None,
) -> Measure:
    """A new proposed measure for the finding (which becomes triaged)."""
    ensure_undecided(finding)
    return measure_services.create_measure(
        title=title, findings=[finding], by_user=by_user, responsible_org=responsible_org,
        due_on=due_on, cost_estimate_dkk=cost_estimate_dkk,
    )


def meeting_measure(finding: Finding, measure_id: Any) -> Measure | None:
    """The measure, if it is linked to another finding of the same walk (decided at this
    meeting); None otherwise."""
    if isinstance(measure_id, bool) or not isinstance(measure_id, int):
        return None
    linked = (
        db.select(measure_findings.c.measure_id)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .where(Finding.walk_id == finding.walk_id, Finding.id != finding.id)
    )
    return db.session.execute(
        db.select(Measure).where(Measure.id == measure_id, Measure.id.in_(linked))
    ).scalar_one_or_none()


def attach_to_measure(finding: Finding, measure: Measure, by_user: User) -> Measure:
    """Link the finding to a measure already decided at this meeting (it becomes triaged)."""
    ensure_undecided(finding)
    ensure_problems([finding])
    record_change(finding, by_user, "measure", "", str(measure.id))
    measure.findings.append(finding)
    mark_triaged([finding], by_user)
    return measure


def decide_duplicate(finding: Finding, original: Finding, by_user: User) -> None:
    """The finding is a duplicate of another finding of the same walk."""
    ensure_undecided(finding)
    triage_services.mark_duplicates([finding], original, by_user)


def decide_dismiss(finding: Finding, reason: str, by_user: User) -> None:
    """The finding is dismissed with a reason (required)."""
    ensure_undecided(finding)
    triage_services.dismiss_findings([finding], reason, by_user)


def decide_park(finding: Finding, by_user: User) -> None:
    """Put off deciding the finding; it stays on the agenda as parked."""
    ensure_undecided(finding)
    if finding.state != "parked":
        record_change(finding, by_user, "state", finding.state, "parked")
        finding.state = "parked"
    db.session.flush()
