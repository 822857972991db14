"""The programme's yearly figures and success criteria, per housing organisation and estate.

Definitions (also the API's contract):
- a walk is *held* in a year when it starts in that calendar year (Copenhagen time) and its
  status is active or closed;
- the scope is the held walks and inspections of the year, narrowed to those visiting an
  estate of the housing organisation / the estate when a filter is given;
- findings and measures are those of the walks in scope (a measure counts once even when it
  covers several findings);
- `measures_done_or_in_plan` counts measures that are done or in the 10-year plan now, or
  reached one of those statuses earlier (in_plan → in_progress still counts);
- `median_days_to_done`: from a measure's creation to its first StatusChange to done.
"""
from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_

from walkapp.dates import LOCAL_TZ, local_today
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.followup.queries import still_unsafe_count
from walkapp.measures.models import MEASURE_STATUSES, Measure, StatusChange, measure_findings
from walkapp.measures.workflow import DONE_OR_IN_PLAN, DONE_STATUS
from walkapp.orgs.models import Estate
from walkapp.walks.models import Walk, walk_estates

HELD_STATUSES = ("active", "closed")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of a Copenhagen year, as UTC datetimes."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, end


def held_walks(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> list[Walk]:
    """Walks and inspections held in the year, narrowed by housing organisation or estate."""
    start, end = year_bounds(year)
    stmt = db.select(Walk).where(
        Walk.starts_at >= start, Walk.starts_at < end, Walk.status.in_(HELD_STATUSES)
    )
    if estate_id is not None:
        stmt = stmt.where(Walk.id.in_(
            db.select(walk_estates.c.walk_id).where(walk_estates.c.estate_id == estate_id)
        ))
    if organisation_id is not None:
        stmt = stmt.where(Walk.id.in_(
            db.select(walk_estates.c.walk_id)
            .join(Estate, Estate.id == walk_estates.c.estate_id)
            .where(Estate.organisation_id == organisation_id)
        ))
    return list(db.session.execute(stmt.order_by(Walk.starts_at, Walk.id)).scalars())


def _median_days(pairs: list[tuple[datetime, datetime]]) -> float | None:
    days = [(done_at - created).total_seconds() / 86400 for created, done_at in pairs]
    return round(statistics.median(days), 1) if days else None


def _findings_by_category(walk_ids: list[int]) -> dict[str, int]:
    """Number of the walks' findings per category code."""
    return {
        code: n for code, n in db.session.execute(
            db.select(Category.code, func.count(Finding.id))
            .join(Finding, Finding.category_id == Category.id)
            .where(Finding.walk_id.in_(walk_ids))
            .group_by(Category.code)
            .order_by(Category.code)
        )
    }


def _measure_ids(walk_ids: list[int]) -> Select:
    """The ids of the measures covering a finding of the walks (a subquery)."""
    return (
        db.select(measure_findings.c.measure_id)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .where(Finding.walk_id.in_(walk_ids))
    )


def _measures_by_status(measure_ids: Select) -> dict[str, int]:
    """Number of the measures per current status, every status present."""
    counts: dict[str, int] = dict.fromkeys(MEASURE_STATUSES, 0)
    for status, n in db.session.execute(
        db.select(Measure.status, func.count(Measure.id))
        .where(Measure.id.in_(measure_ids))
        .group_by(Measure.status)
    ):
        counts[status] = n
    return counts


def _measures_done_or_in_plan(measure_ids: Select) -> int:
    """Measures done or in the 10-year plan now, or that reached one of those earlier."""
    reached_before = db.select(StatusChange.measure_id).where(
        StatusChange.to_status.in_(sorted(DONE_OR_IN_PLAN))
    )
    return db.session.execute(
        db.select(func.count(Measure.id)).where(
            Measure.id.in_(measure_ids),
            or_(Measure.status.in_(sorted(DONE_OR_IN_PLAN)), Measure.id.in_(reached_before)),
        )
    ).scalar_one()


def _median_days_to_done(measure_ids: Select) -> float | None:
    """Median days from a measure's creation to its first change to done (None without any)."""
    first_done = (
        db.select(StatusChange.measure_id, func.min(StatusChange.at).label("done_at"))
        .where(StatusChange.to_status == DONE_STATUS)
        .group_by(StatusChange.measure_id)
        .subquery()
    )
    return _median_days([tuple(row) for row in db.session.execute(
        db.select(Measure.created_at, first_done.c.done_at)
        .join(first_done, first_done.c.measure_id == Measure.id)
        .where(Measure.id.in_(measure_ids))
    ).all()])


def dashboard_figures(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> dict[str, Any]:
    """Every figure of the dashboard and the API for one year and scope."""
    walks = held_walks(year, organisation_id, estate_id)
    walk_ids = [w.id for w in walks]
    safety_walks = [w for w in walks if w.kind == "walk"]
    findings_by_category: dict[str, int] = {}
    measures_by_status: dict[str, int] = dict.fromkeys(MEASURE_STATUSES, 0)
    reached = 0
    median = None
    if walk_ids:  # no held walk: every figure is zero without asking the database
        measure_ids = _measure_ids(walk_ids)
        findings_by_category = _findings_by_category(walk_ids)
        measures_by_status = _measures_by_status(measure_ids)
        reached = _measures_done_or_in_plan(measure_ids)
        median = _median_days_to_done(measure_ids)
    overviews_sent = sum(1 for w in safety_walks if w.overview_sent_on is not None)
    return {
        "year": year,
        "walks_held": len(safety_walks),
        "inspections_held": sum(1 for w in walks if w.kind == "inspection"),
        "overviews_sent": overviews_sent,
        "findings_by_category": findings_by_category,
        "measures_by_status": measures_by_status,
        "measures_done_or_in_plan": reached,
        "median_days_to_done": median,
        "targets": {
            "walk_held": len(safety_walks) >= 1,
            "overview_per_walk": bool(safety_walks) and overviews_sent == len(safety_walks),
            "measure_done_or_in_plan": reached >= 1,
        },
    }


def current_year(today: date | None = None) -> int:
    """This year in Copenhagen."""
    return (today or local_today()).year


def bar_chart(series: list[tuple[str, list[int]]], labels: list[str],
              width: int = 480, height: int = 180) -> dict[str, Any]:
    """Geometry of a grouped bar chart (one group per label, one bar per series) for inline SVG."""
    top = max([v for _, values in series for v in values] + [1])
    pad_left, pad_bottom, pad_top = 8, 28, 16
    plot_h = height - pad_bottom - pad_top
    group_w = (width - pad_left) / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars = []
    for gi, label in enumerate(labels):
        for si, (name, values) in enumerate(series):
            value = values[gi]
            h = plot_h * value / top
            x = pad_left + gi * group_w + group_w * 0.1 + si * bar_w
            bars.append({"x": round(x, 1), "y": round(pad_top + plot_h - h, 1), "w": round(bar_w - 2, 1),
                         "h": round(h, 1), "value": value, "series": si, "name": name, "label": label})
    axis = [{"x": round(pad_left + gi * group_w + group_w / 2, 1), "label": label}
            for gi, label in enumerate(labels)]
    return {"width": width, "height": height, "bars": bars, "axis": axis,
            "baseline": pad_top + plot_h, "series": [name for name, _ in series]}


def done_but_still_unsafe(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> int:
    """"Udført, men stadig utrygt": done measures that a follow-up walk held in the year (in
    the scope) found still a problem or worse, after they were done. Each measure once."""
    walk_ids = [w.id for w in held_walks(year, organisation_id, estate_id)]
    return still_unsafe_count(walk_ids)
