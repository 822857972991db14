"""Recurring spots with what was done about them: the earlier findings of
walkapp.findings.recurrence, each with the most advanced status of its measures."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select

from walkapp.extensions import db
from walkapp.findings.recurrence import EarlierFinding, earlier_findings
from walkapp.measures import workflow
from walkapp.measures.models import Measure, measure_findings

# "Most advanced" for a spot that came back: carried out first, then how far an agreed measure
# got, then dropped (a decision was made), and a mere proposal last.
MOST_ADVANCED_FIRST: tuple[str, ...] = (
    workflow.DONE_STATUS,
    *reversed([s for s in workflow.OPEN_IN_ORDER if s in workflow.AGREED_STATUSES]),
    *sorted(workflow.DROPPED_STATUSES),
    workflow.INITIAL_STATUS,
)
_RANK = {status: rank for rank, status in enumerate(MOST_ADVANCED_FIRST)}


def most_advanced(statuses: Iterable[str]) -> str | None:
    """The most advanced of a finding's measure statuses (None without measures)."""
    return min(statuses, key=lambda s: _RANK.get(s, len(_RANK)), default=None)


def measure_statuses(finding_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The most advanced measure status of each finding that has measures; one statement."""
    ids = list(finding_ids)
    if not ids:
        return {}
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for finding_id, status in db.session.execute(
        db.select(measure_findings.c.finding_id, Measure.status)
        .join(Measure, Measure.id == measure_findings.c.measure_id)
        .where(measure_findings.c.finding_id.in_(ids))
    ):
        found[finding_id].append(status)
    return {fid: status for fid, statuses in found.items() if (status := most_advanced(statuses))}


def earlier_json(earlier: EarlierFinding, status: str | None) -> dict[str, Any]:
    """One earlier finding as the finding JSON's `earlier` list holds it."""
    return {
        "finding_id": str(earlier.finding_id),
        "walk_id": earlier.walk_id,
        "year": earlier.year,
        "distance_m": earlier.distance_m,
        "measure_status": status,
    }


def earlier_with_status(finding_ids: Iterable[uuid.UUID] | Select) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """For each of the findings that has any, its earlier findings as JSON with their measure
    status; two statements whatever the number of findings."""
    earlier = earlier_findings(finding_ids)
    statuses = measure_statuses({e.finding_id for found in earlier.values() for e in found})
    return {
        fid: [earlier_json(e, statuses.get(e.finding_id)) for e in found]
        for fid, found in earlier.items()
    }
