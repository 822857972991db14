"""Finding queries for exports with a constant number of SQL statements.

Every export needs findings with their category, visible photos and measures (with the
responsible organisation). Loading those through lazy relationships costs one statement per
finding, and `selectinload` batches its IN lists (500 ids per statement), so both grow with
the number of findings. Here each related table is read once by joining back to the same
filter on `findings`: three statements whatever the size.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.findings.route_order import route_stops
from walkapp.labels import (
    FINDING_KIND_LABELS,
    FINDING_STATE_LABELS,
    FOLLOW_UP_STATUS_LABELS,
    Label,
    _l,
    label_in,
    short_id,
)
from walkapp.measures.models import Measure, PlanItem, measure_findings
from walkapp.measures.queries import walk_measures
from walkapp.measures.workflow import CLOSED_STATUSES, DONE_STATUS, OPEN_IN_ORDER
from walkapp.walks.models import Walk


@dataclass
class ExportFinding:
    """A finding with what every export shows about it (visible photos only)."""

    finding: Finding
    photos: list[Photo] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    # Set by `in_route_order`: the finding's number on its walk (route_order.route_stops),
    # its place relative to the route, and the number of the finding it duplicates.
    number: int | None = None
    along_route_m: float | None = None
    off_route_m: float | None = None
    original_number: int | None = None

    @property
    def short_id(self) -> str:
        """The finding's short id, as pages show it."""
        return short_id(self.finding.id)


def load_export_findings(*criteria: Any, limit: int | None = None) -> list[ExportFinding]:
    """Findings matching the criteria (SQL expressions on Finding), oldest first, with their
    category, visible photos and measures, in three statements."""
    stmt = (
        db.select(Finding)
        .options(joinedload(Finding.category), joinedload(Finding.estate))
        .where(*criteria)
        .order_by(Finding.observed_at, Finding.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    findings = db.session.execute(stmt).scalars().all()
    if not findings:
        return []
    by_id: dict[uuid.UUID, ExportFinding] = {f.id: ExportFinding(f) for f in findings}
    # With a limit, the related queries reuse the same filter without it; rows for findings
    # beyond the limit are simply ignored below. Joining `findings` (rather than
    # `IN (subquery)`) lets the database drive from the filtered findings: with IN, SQLite
    # scanned every measure and probed the whole id list for each.
    photos = db.session.execute(
        db.select(Photo)
        .join(Finding, Finding.id == Photo.finding_id)
        .where(*criteria, Photo.hidden.is_(False))
        .order_by(Photo.created_at, Photo.id)
    ).scalars().all()
    for photo in photos:
        if photo.finding_id in by_id:
            by_id[photo.finding_id].photos.append(photo)

    rows = db.session.execute(
        db.select(measure_findings.c.finding_id, Measure)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .join(Measure, Measure.id == measure_findings.c.measure_id)
        .options(joinedload(Measure.responsible_org))
        .where(*criteria)
        .order_by(Measure.id)
    ).all()
    for finding_id, measure in rows:
        if finding_id in by_id:
            by_id[finding_id].measures.append(measure)
    return list(by_id.values())


def load_finding_set(matching: Select, limit: int | None = None) -> list[ExportFinding]:
    """The findings a SELECT picks (the triage list's filter query), eager-loaded like every
    export: the SELECT is narrowed to finding ids and used as `id IN (…)` in each of the
    three statements, so the count stays constant whatever the filters or the set size."""
    return load_export_findings(Finding.id.in_(matching.with_only_columns(Finding.id)), limit=limit)


def walk_titles(items: list[ExportFinding]) -> dict[int, str]:
    """Titles of the walks of these findings, in one statement (only id and title: a walk
    row also carries its whole route)."""
    ids = {item.finding.walk_id for item in items}
    if not ids:
        return {}
    rows = db.session.execute(db.select(Walk.id, Walk.title).where(Walk.id.in_(ids)))
    return {walk_id: title for walk_id, title in rows}


def in_route_order(items: list[ExportFinding], walk: Walk | None = None) -> list[ExportFinding]:
    """The items numbered and ordered by their walk's route (route_order.route_stops), walk
    by walk (by start, then id), with each duplicate's original number on that walk.

    With `walk`, the items are all that walk's findings and nothing more is read. Otherwise
    (a finding set, maybe a part of several walks) two statements read the walks and every
    finding of them, because a number counts every finding of its walk however the set was
    filtered; their number stays constant whatever the size of the set."""
    if not items:
        return []
    if walk is not None:
        walks = [walk]
        of_walk = {walk.id: [item.finding for item in items]}
    else:
        ids = {item.finding.walk_id for item in items}
        walks = list(db.session.execute(
            db.select(Walk).options(load_only(Walk.id, Walk.title, Walk.route, Walk.starts_at))
            .where(Walk.id.in_(ids)).order_by(Walk.starts_at, Walk.id)
        ).scalars())
        of_walk = {walk_id: [] for walk_id in ids}
        for finding in db.session.execute(
            db.select(Finding).options(load_only(Finding.id, Finding.walk_id, Finding.lat, Finding.lon,
                                                 Finding.observed_at))
            .where(Finding.walk_id.in_(ids))
        ).scalars():
            of_walk[finding.walk_id].append(finding)
    by_id = {item.finding.id: item for item in items}
    ordered: list[ExportFinding] = []
    for each in walks:
        stops = route_stops(each, of_walk[each.id])
        numbers = {stop.finding.id: stop.number for stop in stops}
        for stop in stops:
            item = by_id.get(stop.finding.id)
            if item is None:
                continue
            item.number, item.along_route_m, item.off_route_m = stop.number, stop.along_route_m, stop.off_route_m
            item.original_number = numbers.get(item.finding.duplicate_of_id)
            ordered.append(item)
    return ordered


def load_measure_set(
    matching: Select,
) -> tuple[list[tuple[Measure, list[uuid.UUID]]], dict[uuid.UUID, Category]]:
    """Measures a SELECT picks (the /measures list's filter query), ordered like that list,
    each with the ids of all its findings, plus each such finding's category; three
    statements whatever the number (measures, plan entries, finding links)."""
    measure_ids = matching.with_only_columns(Measure.id).order_by(None)
    measures = db.session.execute(
        db.select(Measure)
        .options(joinedload(Measure.responsible_org))
        .where(Measure.id.in_(measure_ids))
        .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id.desc())
    ).scalars().all()
    plan: dict[int, list[PlanItem]] = {m.id: [] for m in measures}
    for item in db.session.execute(
        db.select(PlanItem).where(PlanItem.measure_id.in_(measure_ids)).order_by(PlanItem.id)
    ).scalars():
        plan[item.measure_id].append(item)
    for measure in measures:
        # Fills the relationship as if loaded, instead of one lazy load per measure.
        set_committed_value(measure, "plan_items", plan[measure.id])
    links: dict[int, list[uuid.UUID]] = {m.id: [] for m in measures}
    categories: dict[uuid.UUID, Category] = {}
    for measure_id, finding_id, category in db.session.execute(
        db.select(measure_findings.c.measure_id, Finding.id, Category)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .join(Category, Category.id == Finding.category_id)
        .where(measure_findings.c.measure_id.in_(measure_ids))
        .order_by(Finding.observed_at, Finding.id)
    ):
        links[measure_id].append(finding_id)
        categories[finding_id] = category
    return [(m, links[m.id]) for m in measures], categories


def load_walk_measures(walk_id: int) -> list[tuple[Measure, list[uuid.UUID]]]:
    """Measures linked to any finding of a walk, oldest first, each with the ids of its findings
    on that walk in the order they were seen (a constant number of statements)."""
    measures = walk_measures(walk_id, joinedload(Measure.responsible_org),
                             selectinload(Measure.plan_items), selectinload(Measure.findings))
    return [
        (measure, [f.id for f in sorted(measure.findings, key=lambda f: f.observed_at)
                   if f.walk_id == walk_id])
        for measure in sorted(measures, key=lambda m: m.id)
    ]


def follow_up_status(item: ExportFinding) -> str:
    """One status for a finding's colour and summary: "dismissed" or "duplicate" for a finding
    of that state (whatever its measures: it is not waiting for one); "none" without
    measures; the least advanced open status while any measure is open; else "done" if any
    measure was carried out, otherwise "closed" (rejected or referred); "good" for a good
    place that was not set aside (it waits for no measure)."""
    if item.finding.state in SET_ASIDE_STATES:
        return item.finding.state
    if item.finding.kind == "good":
        return "good"
    statuses = [m.status for m in item.measures]
    if not statuses:
        return "none"
    for status in OPEN_IN_ORDER:
        if status in statuses:
            return status
    return DONE_STATUS if DONE_STATUS in statuses else "closed"


# Findings the triage set aside: drawn grey with why, on every map and in every export.
SET_ASIDE_STATES = ("dismissed", "duplicate")

# follow_up_status's words: the measures' summary, or why the finding was set aside.
FOLLOW_UP_LABELS: dict[str, Label] = {
    **FOLLOW_UP_STATUS_LABELS,
    **{state: FINDING_STATE_LABELS[state] for state in SET_ASIDE_STATES},
    "good": FINDING_KIND_LABELS["good"],
}

NOTE_LABELS: dict[str, Label] = {
    "dismissed": _l("Dismissed: %(reason)s"),
    "duplicate": _l("Duplicate of %(original)s"),
}


def set_aside_note(finding: Finding, original_number: int | None, lang: str | None = None) -> str:
    """"Afvist: <reason>" / "Dublet af #<number>" for a dismissed or duplicate finding, else "".
    The original is named by its number on the walk, or by its short id when it belongs to
    another walk. In `lang`, or in the request's language without one."""
    if finding.state == "dismissed":
        reason = (finding.dismiss_reason or "").strip()
        if not reason:
            return label_in(FINDING_STATE_LABELS, "dismissed", lang) if lang else str(FINDING_STATE_LABELS["dismissed"])
        values = {"reason": reason}
    elif finding.state == "duplicate":
        original = f"#{original_number}" if original_number else (
            short_id(finding.duplicate_of_id) if finding.duplicate_of_id else "?")
        values = {"original": original}
    else:
        return ""
    template = label_in(NOTE_LABELS, finding.state, lang) if lang else str(NOTE_LABELS[finding.state])
    return template % values


def numbers_note(finding: Finding, numbers: Mapping[uuid.UUID, int], lang: str | None = None) -> str:
    """set_aside_note with the original's number looked up in a walk's numbers."""
    return set_aside_note(finding, numbers.get(finding.duplicate_of_id), lang)


def closed_condition() -> Any:
    """`is_closed` as an SQL condition on Finding, so the Open311 status filter and its result
    cap run in the database instead of on every finding of a 90-day window."""
    linked = db.select(measure_findings.c.finding_id).join(
        Measure, Measure.id == measure_findings.c.measure_id
    ).where(measure_findings.c.finding_id == Finding.id)
    has_measures = linked.exists()
    has_open_measure = linked.where(Measure.status.not_in(sorted(CLOSED_STATUSES))).exists()
    return or_(Finding.state == "dismissed", and_(has_measures, ~has_open_measure))


def is_closed(item: ExportFinding) -> bool:
    """Open311 rule: closed when the finding was dismissed, or it has measures and all of
    them are done, rejected or referred."""
    if item.finding.state == "dismissed":
        return True
    return bool(item.measures) and all(m.status in CLOSED_STATUSES for m in item.measures)

