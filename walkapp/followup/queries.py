"""Reading the follow-up walk: the previous walk's findings with their measures, the checks
(per walk and per measure), done measures still found unsafe, and a route's chain of walks."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.followup.models import FindingCheck
from walkapp.followup.services import NOT_CHECKED_STATES, checkable_findings_select
from walkapp.measures.models import Measure, StatusChange, measure_findings
from walkapp.measures.workflow import DONE_STATUS
from walkapp.walks.models import Walk

# The verdicts that say a spot is still unsafe.
UNSAFE_VERDICTS = ("still", "worse")


def checkable_findings(walk: Walk) -> list[Finding]:
    """The previous walk's findings to check on this follow-up walk, as they were reported."""
    if walk.previous_walk_id is None:
        return []
    return list(db.session.execute(
        checkable_findings_select(walk).options(selectinload(Finding.category))
        .order_by(Finding.observed_at, Finding.id)
    ).scalars())


def measures_by_finding(finding_ids: Iterable[uuid.UUID], *options: Any) -> dict[uuid.UUID, list[Measure]]:
    """The measures of each finding, oldest first, in one statement (with the loader options)."""
    ids = list(finding_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(measure_findings.c.finding_id, Measure)
        .join(Measure, Measure.id == measure_findings.c.measure_id)
        .where(measure_findings.c.finding_id.in_(ids))
        .options(*options)
        .order_by(Measure.id)
    ).all()
    result: dict[uuid.UUID, list[Measure]] = defaultdict(list)
    for finding_id, measure in rows:
        result[finding_id].append(measure)
    return result


def walk_checks(walk: Walk) -> list[FindingCheck]:
    """The checks made on a follow-up walk, oldest first, with their photos."""
    return list(db.session.execute(
        db.select(FindingCheck).where(FindingCheck.walk_id == walk.id)
        .options(selectinload(FindingCheck.photos))
        .order_by(FindingCheck.observed_at, FindingCheck.created_at)
    ).scalars())


def measure_checks(measure: Measure) -> list[FindingCheck]:
    """The verdicts on a measure's findings, newest first, with who made them and their photos."""
    return list(db.session.execute(
        db.select(FindingCheck)
        .join(measure_findings, measure_findings.c.finding_id == FindingCheck.finding_id)
        .where(measure_findings.c.measure_id == measure.id)
        .options(selectinload(FindingCheck.photos), selectinload(FindingCheck.participant),
                 selectinload(FindingCheck.walk))
        .order_by(FindingCheck.observed_at.desc(), FindingCheck.created_at.desc())
    ).scalars())


def _done_at():
    """Correlated subquery: when the measure last became done."""
    return (
        db.select(func.max(StatusChange.at))
        .where(StatusChange.measure_id == Measure.id, StatusChange.to_status == DONE_STATUS)
        .scalar_subquery()
    )


def still_unsafe_select(measure_ids: Iterable[int] | None = None, walk_ids: Iterable[int] | None = None):
    """SELECT (measure id, check) for done measures a follow-up walk still found unsafe: a
    "still" or "worse" verdict on one of its findings, seen after the measure became done.
    Narrowed to some measures, or to checks made on some (follow-up) walks."""
    stmt = (
        db.select(Measure.id, FindingCheck)
        .join(measure_findings, measure_findings.c.measure_id == Measure.id)
        .join(FindingCheck, FindingCheck.finding_id == measure_findings.c.finding_id)
        .where(Measure.status == DONE_STATUS, FindingCheck.verdict.in_(UNSAFE_VERDICTS),
               FindingCheck.observed_at >= _done_at())
    )
    if measure_ids is not None:
        stmt = stmt.where(Measure.id.in_(list(measure_ids)))
    if walk_ids is not None:
        stmt = stmt.where(FindingCheck.walk_id.in_(list(walk_ids)))
    return stmt


def still_unsafe(measure_ids: Iterable[int]) -> dict[int, list[FindingCheck]]:
    """For the done measures among these that were still found unsafe: their unsafe verdicts."""
    ids = list(measure_ids)
    if not ids:
        return {}
    result: dict[int, list[FindingCheck]] = defaultdict(list)
    for measure_id, check in db.session.execute(
        still_unsafe_select(measure_ids=ids).order_by(FindingCheck.observed_at)
    ).all():
        result[measure_id].append(check)
    return dict(result)


def still_unsafe_count(walk_ids: Iterable[int]) -> int:
    """How many done measures the checks of these walks found still unsafe (each counted once)."""
    ids = list(walk_ids)
    if not ids:
        return 0
    inner = still_unsafe_select(walk_ids=ids).with_only_columns(Measure.id).distinct().subquery()
    return db.session.execute(db.select(func.count()).select_from(inner)).scalar_one()


def walk_chain(walk: Walk) -> list[Walk]:
    """Every walk linked to this one by previous_walk_id, either way (the walks on this route),
    oldest first. One query per step of the chain; chains are a walk a year or so."""
    seen: dict[int, Walk] = {walk.id: walk}
    frontier = [walk]
    while frontier:
        ids = [w.id for w in frontier]
        previous = [w.previous_walk_id for w in frontier
                    if w.previous_walk_id is not None and w.previous_walk_id not in seen]
        found = db.session.execute(
            db.select(Walk).where(
                Walk.previous_walk_id.in_(ids) | Walk.id.in_(previous or [-1])
            )
        ).scalars().all()
        frontier = [w for w in found if w.id not in seen]
        seen.update((w.id, w) for w in frontier)
    return sorted(seen.values(), key=lambda w: (w.starts_at, w.id))


def chain_history(walks: list[Walk]) -> list[dict[str, Any]]:
    """Per walk: id, title, starts_at, findings per category code and mean rating (dismissed
    findings and duplicates left out, as they are not a problem found)."""
    ids = [w.id for w in walks]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    means: dict[int, tuple[float | None, int]] = {}
    if ids:
        kept = (Finding.walk_id.in_(ids), Finding.state.not_in(NOT_CHECKED_STATES))
        for walk_id, code, count in db.session.execute(
            db.select(Finding.walk_id, Category.code, func.count())
            .join(Category, Category.id == Finding.category_id)
            .where(*kept).group_by(Finding.walk_id, Category.code)
        ).all():
            counts[walk_id][code] = count
        for walk_id, mean, total in db.session.execute(
            db.select(Finding.walk_id, func.avg(Finding.rating), func.count())
            .where(*kept).group_by(Finding.walk_id)
        ).all():
            means[walk_id] = (None if mean is None else round(float(mean), 2), total)
    return [
        {
            "id": w.id,
            "title": w.title,
            "starts_at": w.starts_at.isoformat(),
            "status": w.status,
            "previous_walk_id": w.previous_walk_id,
            "finding_count": means.get(w.id, (None, 0))[1],
            "counts": dict(sorted(counts[w.id].items())),
            "mean_rating": means.get(w.id, (None, 0))[0],
        }
        for w in walks
    ]
