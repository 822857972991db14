"""The follow-up meeting's agenda: a walk's findings in route order with what was decided about
each (queries only; a fixed number of statements however many findings the walk has)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import joinedload

from walkapp.auth.queries import user_names
from walkapp.extensions import db
from walkapp.findings.models import Finding, FindingChange
from walkapp.findings.queries import walk_findings
from walkapp.findings.route_order import RouteStop, route_stops
from walkapp.followup.queries import measures_by_finding
from walkapp.measures.models import Measure
from walkapp.walks.models import Walk

# States the meeting may still decide; every other state is a decision already taken.
UNDECIDED_STATES = ("new", "parked")


@dataclass
class MeetingMeasure:
    """A measure linked to a finding of this walk, with the numbers of those findings."""

    measure: Measure
    numbers: list[int] = field(default_factory=list)


@dataclass
class Agenda:
    """The walk's route stops, each finding's decision, and the walk's measures."""

    walk: Walk
    stops: list[RouteStop]
    decisions: dict[uuid.UUID, dict[str, Any] | None]
    measures: list[MeetingMeasure]
    measures_by_finding: dict[uuid.UUID, list[Measure]]

    @property
    def decided_count(self) -> int:
        """How many findings have a decision (parked ones count as not yet decided)."""
        return sum(1 for stop in self.stops if stop.finding.state not in UNDECIDED_STATES)


def _state_changes(finding_ids: list[uuid.UUID]) -> dict[uuid.UUID, FindingChange]:
    """The latest state change of each finding (one statement)."""
    if not finding_ids:
        return {}
    rows = db.session.execute(
        db.select(FindingChange)
        .where(FindingChange.finding_id.in_(finding_ids), FindingChange.field == "state")
        .order_by(FindingChange.at, FindingChange.id)
    ).scalars()
    return {row.finding_id: row for row in rows}


def measure_summary(measure: Measure) -> dict[str, Any]:
    """The fields of a measure the meeting shows and the minutes print."""
    org = measure.responsible_org
    return {
        "measure_id": measure.id,
        "title": measure.title,
        "status": measure.status,
        "responsible_org": {"id": org.id, "name": org.name} if org is not None else None,
        "due_on": measure.due_on.isoformat() if measure.due_on else None,
        "cost_estimate_dkk": measure.cost_estimate_dkk,
    }


def decision_of(
    finding: Finding, change: FindingChange | None, measures: list[Measure],
    numbers: dict[uuid.UUID, int], names: dict[int, str],
) -> dict[str, Any] | None:
    """What was decided about the finding, or None while it is new (undecided).

    measure: the finding has a measure (new or attached); dismiss: with the reason;
    duplicate: of which finding (id and number); park: decide later; triaged: looked at
    without a measure (triage's own way). `by`/`at` come from the latest state change."""
    base: dict[str, Any] = {
        "by": names.get(change.by_user_id) if change is not None and change.by_user_id else None,
        "at": change.at.isoformat() if change is not None and change.at else None,
    }
    if finding.state == "dismissed":
        return {"action": "dismiss", "reason": finding.dismiss_reason, **base}
    if finding.state == "duplicate":
        of = finding.duplicate_of_id
        return {"action": "duplicate", "of": str(of) if of else None,
                "of_number": numbers.get(of) if of else None, **base}
    if finding.state == "parked":
        return {"action": "park", **base}
    if measures:
        return {"action": "measure", **measure_summary(measures[0]),
                "measure_ids": [m.id for m in measures], **base}
    if finding.state == "triaged":
        return {"action": "triaged", **base}
    return None


def walk_agenda(walk: Walk) -> Agenda:
    """The walk's agenda: findings in route order, their decisions and the walk's measures.

    Five statements whatever the number of findings: findings with categories, their state
    changes, their measures, the deciders' names (the walk is the caller's)."""
    findings = walk_findings(walk, joinedload(Finding.category))
    # Good places keep their number on the walk but are no item: they never get a measure.
    stops = [stop for stop in route_stops(walk, findings) if stop.finding.kind != "good"]
    ids = [stop.finding.id for stop in stops]
    numbers = {stop.finding.id: stop.number for stop in stops}
    changes = _state_changes(ids)
    by_finding = measures_by_finding(ids, joinedload(Measure.responsible_org))
    names = user_names({c.by_user_id for c in changes.values()})
    decisions = {
        stop.finding.id: decision_of(stop.finding, changes.get(stop.finding.id),
                                     by_finding.get(stop.finding.id, []), numbers, names)
        for stop in stops
    }
    measures: dict[int, MeetingMeasure] = {}
    for stop in stops:
        for measure in by_finding.get(stop.finding.id, []):
            measures.setdefault(measure.id, MeetingMeasure(measure)).numbers.append(stop.number)
    return Agenda(walk, stops, decisions, list(measures.values()), by_finding)


def agenda_json(agenda: Agenda) -> dict[str, Any]:
    """The agenda API's body: items in route order, the walk's measures and the progress."""
    return {
        "items": [
            {
                "finding_id": str(stop.finding.id),
                "number": stop.number,
                "along_route_m": stop.along_route_m,
                "off_route_m": stop.off_route_m,
                "state": stop.finding.state,
                "category": stop.finding.category.code,
                "decision": agenda.decisions[stop.finding.id],
            }
            for stop in agenda.stops
        ],
        "measures": [
            {**measure_summary(m.measure), "numbers": m.numbers} for m in agenda.measures
        ],
        "decided": agenda.decided_count,
        "total": len(agenda.stops),
    }
