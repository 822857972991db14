"""Reading measures: local dates, the /measures list filters, findings by id."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select

from walkapp.dates import EARLIEST_YEAR, LATEST_YEAR, local_today
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures import workflow
from walkapp.measures.models import Measure, measure_findings

# The 10-year plan: this year up to and including this year + 10.
PLAN_YEARS_AHEAD = 10


def plan_year_range(today: date | None = None) -> tuple[int, int]:
    """The plan years a measure may be put into: (first, last), both inclusive, never outside
    the years staff may type (the database refuses others)."""
    year = (today or local_today()).year
    return max(year, EARLIEST_YEAR), min(year + PLAN_YEARS_AHEAD, LATEST_YEAR)


def is_overdue(measure: Measure, today: date | None = None) -> bool:
    """Open and past its due date."""
    return (
        measure.due_on is not None
        and measure.due_on < (today or local_today())
        and workflow.is_open(measure.status)
    )


def filter_measures(status: str, org_id: int | None, overdue: bool, today: date | None = None) -> Select:
    """SELECT Measure … WHERE <the /measures list's filters>, unordered: one status (an
    unknown one is no filter), the responsible organisation, only open ones past due.
    The list page and its CSV/XLSX export both use it, so they pick the same measures."""
    query = db.select(Measure)
    if status in workflow.STATUSES:
        query = query.where(Measure.status == status)
    if org_id:
        query = query.where(Measure.responsible_org_id == org_id)
    if overdue:
        query = query.where(Measure.due_on < (today or local_today()),
                            Measure.status.in_(sorted(workflow.OPEN_STATUSES)))
    return query


def findings_by_ids(ids: Iterable[Any]) -> tuple[list[Finding], list[str]]:
    """The findings with these UUIDs, and the ids that were malformed or not found."""
    wanted: dict[uuid.UUID, str] = {}
    missing: list[str] = []
    for raw in ids:
        try:
            wanted[uuid.UUID(str(raw))] = str(raw)
        except (ValueError, AttributeError, TypeError):
            missing.append(str(raw))
    found: list[Finding] = []
    if wanted:
        found = list(db.session.execute(
            db.select(Finding).where(Finding.id.in_(list(wanted)))
        ).scalars())
    found_ids = {f.id for f in found}
    missing += [text for key, text in wanted.items() if key not in found_ids]
    return found, missing


def walk_measures(walk_id: int, *options: Any) -> list[Measure]:
    """The measures linked to any finding of the walk, by due date (none last), then oldest
    first, with the given loader options."""
    linked = (
        db.select(measure_findings.c.measure_id)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .where(Finding.walk_id == walk_id)
    )
    return list(db.session.execute(
        db.select(Measure).where(Measure.id.in_(linked)).options(*options)
        .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id)
    ).scalars())
