"""The programme's yearly figures and success criteria, per housing organisation and estate.

Definitions (also the API's contract):
- a walk is *held* in a year when it starts in that calendar year (Copenhagen time) and it is
  active or closed, or has findings (a walk nobody pressed "Start" on was still held);
- the scope is the walks and inspections visiting an estate of the housing organisation / the
  estate when a filter is given, all of them otherwise;
- good places (`Finding.kind == "good"`) are no problems: left out of `findings_by_category`
  and `recurring_spots`, and counted apart as `good_places`;
- findings and `measures_by_status` (current status) are those of the walks held in the year
  (a measure counts once even when it covers several findings);
- a measure counts as done / put in the plan in the year it became so: the year (Copenhagen
  time) of its StatusChange into done / in_plan, whatever its walk's year or status; one that
  later left in_plan for in_progress still counts in the year it was put in the plan.
  `measures_done_or_in_plan` (the success criterion) counts each measure once a year;
- `median_days_to_done`: from a measure's creation to its first StatusChange to done, for the
  measures first done in the year;
- `partner_coverage`: per safety walk held in the year, which of the partners took part (a
  participant's role, or the organisation type of a staff user who captured a finding on it);
  `missing` lists the partners absent from every walk of the year;
- `profile_groups`: per group of the join page's anonymous profile (each age band, each gender,
  "uses a walker or a wheelchair"), the participants of the held walks in it and the mean rating
  of their rated findings (dismissed and duplicates left out); both are null, and `shown` false,
  for a group of fewer than MIN_GROUP participants.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_

from walkapp.auth.models import User
from walkapp.dates import LOCAL_TZ, local_today
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.findings.recurrence import NOT_COUNTED_STATES, recurring_ids
from walkapp.followup.queries import still_unsafe_count
from walkapp.labels import ORG_TYPE_PARTNER_KINDS, PARTNER_KIND_LABELS, ROLE_PARTNER_KINDS
from walkapp.measures.models import MEASURE_STATUSES, Measure, StatusChange, measure_findings
from walkapp.measures.workflow import DONE_OR_IN_PLAN, DONE_STATUS
from walkapp.orgs.models import Estate, Organisation
from walkapp.walks.models import AGE_BANDS, GENDERS, Participant, Walk, walk_estates

HELD_STATUSES = ("active", "closed")
# The smallest group of the anonymous profile whose count and mean rating are shown: below it a
# group is "too few to show", so nobody can be singled out (issue 12 §5).
MIN_GROUP = 5


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of a Copenhagen year, as UTC datetimes."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, end


def _in_scope(stmt: Select, organisation_id: int | None, estate_id: int | None) -> Select:
    """Narrow a select of walks to those visiting the estate / an estate of the organisation."""
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
    return stmt


def held_walks(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> list[Walk]:
    """Walks and inspections held in the year (active, closed or with findings), in scope."""
    start, end = year_bounds(year)
    has_findings = db.select(Finding.id).where(Finding.walk_id == Walk.id).exists()
    stmt = db.select(Walk).where(
        Walk.starts_at >= start, Walk.starts_at < end,
        or_(Walk.status.in_(HELD_STATUSES), has_findings),
    )
    stmt = _in_scope(stmt, organisation_id, estate_id)
    return list(db.session.execute(stmt.order_by(Walk.starts_at, Walk.id)).scalars())


def _median_days(pairs: list[tuple[datetime, datetime]]) -> float | None:
    days = [(done_at - created).total_seconds() / 86400 for created, done_at in pairs]
    return round(statistics.median(days), 1) if days else None


def _findings_by_category(walk_ids: list[int]) -> dict[str, int]:
    """Number of the walks' problem findings (not good places) per category code."""
    return {
        code: n for code, n in db.session.execute(
            db.select(Category.code, func.count(Finding.id))
            .join(Finding, Finding.category_id == Category.id)
            .where(Finding.walk_id.in_(walk_ids), Finding.kind == "problem")
            .group_by(Category.code)
            .order_by(Category.code)
        )
    }


def _good_places(walk_ids: list[int]) -> int:
    """Number of the walks' good places ("Gode steder")."""
    return db.session.execute(
        db.select(func.count(Finding.id)).where(Finding.walk_id.in_(walk_ids), Finding.kind == "good")
    ).scalar_one()


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


def _scope_measure_ids(organisation_id: int | None, estate_id: int | None) -> Select:
    """The ids of the measures covering a finding of any walk in scope, of any year (a subquery)."""
    walk_ids = _in_scope(db.select(Walk.id), organisation_id, estate_id)
    return (
        db.select(measure_findings.c.measure_id)
        .join(Finding, Finding.id == measure_findings.c.finding_id)
        .where(Finding.walk_id.in_(walk_ids))
    )


def measures_reached(year: int, statuses: Iterable[str], organisation_id: int | None = None,
                     estate_id: int | None = None) -> int:
    """Measures in scope that moved into one of the statuses during the year (each counted once)."""
    start, end = year_bounds(year)
    return db.session.execute(
        db.select(func.count(func.distinct(StatusChange.measure_id))).where(
            StatusChange.to_status.in_(sorted(statuses)),
            StatusChange.at >= start, StatusChange.at < end,
            StatusChange.measure_id.in_(_scope_measure_ids(organisation_id, estate_id)),
        )
    ).scalar_one()


def median_days_to_done(year: int, organisation_id: int | None = None,
                        estate_id: int | None = None) -> float | None:
    """Median days from creation to first done, of the measures first done in the year (None without any)."""
    start, end = year_bounds(year)
    first_done = (
        db.select(StatusChange.measure_id, func.min(StatusChange.at).label("done_at"))
        .where(StatusChange.to_status == DONE_STATUS)
        .group_by(StatusChange.measure_id)
        .subquery()
    )
    return _median_days([tuple(row) for row in db.session.execute(
        db.select(Measure.created_at, first_done.c.done_at)
        .join(first_done, first_done.c.measure_id == Measure.id)
        .where(first_done.c.done_at >= start, first_done.c.done_at < end,
               Measure.id.in_(_scope_measure_ids(organisation_id, estate_id)))
    ).all()])


def partner_coverage(walks: list[Walk]) -> dict[str, Any]:
    """Which partners took part in each safety walk (roles of participants, organisation types
    of staff who captured findings), and the partners missing from every one of them."""
    walks = [w for w in walks if w.kind == "walk"]
    kinds: dict[int, set[str]] = {w.id: set() for w in walks}
    if walks:
        for walk_id, role in db.session.execute(
            db.select(Participant.walk_id, Participant.role).distinct()
            .where(Participant.walk_id.in_(list(kinds)))
        ):
            if role in ROLE_PARTNER_KINDS:
                kinds[walk_id].add(ROLE_PARTNER_KINDS[role])
        for walk_id, org_type in db.session.execute(
            db.select(Finding.walk_id, Organisation.type).distinct()
            .join(User, User.id == Finding.user_id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(Finding.walk_id.in_(list(kinds)))
        ):
            if org_type in ORG_TYPE_PARTNER_KINDS:
                kinds[walk_id].add(ORG_TYPE_PARTNER_KINDS[org_type])
    present = set().union(*kinds.values())
    return {
        "walks": [
            {"id": w.id, "title": w.title, "starts_at": w.starts_at.isoformat(),
             "partners": [k for k in PARTNER_KIND_LABELS if k in kinds[w.id]]}
            for w in walks
        ],
        "missing": [k for k in PARTNER_KIND_LABELS if k not in present],
    }


def profile_groups(walk_ids: list[int]) -> list[dict[str, Any]]:
    """Count and mean rating per profile group of the walks' participants; a group smaller than
    MIN_GROUP gets neither (`shown` false), whatever its size, so small groups stay anonymous."""
    people = db.session.execute(
        db.select(Participant.id, Participant.age_band, Participant.gender, Participant.mobility_aid)
        .where(Participant.walk_id.in_(walk_ids))
    ).all() if walk_ids else []
    ratings: dict[int, list[int]] = {}
    if people:
        for participant_id, rating in db.session.execute(
            db.select(Finding.participant_id, Finding.rating)
            .where(Finding.walk_id.in_(walk_ids), Finding.participant_id.is_not(None),
                   Finding.rating.is_not(None), Finding.state.not_in(NOT_COUNTED_STATES))
        ):
            ratings.setdefault(participant_id, []).append(rating)
    groups = ([("age_band", band, lambda p, band=band: p.age_band == band) for band in AGE_BANDS]
              + [("gender", gender, lambda p, gender=gender: p.gender == gender) for gender in GENDERS]
              + [("mobility_aid", "yes", lambda p: p.mobility_aid is True)])
    result = []
    for field, value, member in groups:
        ids = [p.id for p in people if member(p)]
        shown = len(ids) >= MIN_GROUP
        values = [r for pid in ids for r in ratings.get(pid, [])] if shown else []
        result.append({
            "group": field, "value": value, "shown": shown,
            "participants": len(ids) if shown else None,
            "mean_rating": round(statistics.fmean(values), 1) if values else None,
        })
    return result


def dashboard_figures(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> dict[str, Any]:
    """Every figure of the dashboard and the API for one year and scope."""
    walks = held_walks(year, organisation_id, estate_id)
    walk_ids = [w.id for w in walks]
    safety_walks = [w for w in walks if w.kind == "walk"]
    findings_by_category: dict[str, int] = {}
    measures_by_status: dict[str, int] = dict.fromkeys(MEASURE_STATUSES, 0)
    good_places = 0
    if walk_ids:  # no held walk: no findings, no measures of the year's walks
        findings_by_category = _findings_by_category(walk_ids)
        good_places = _good_places(walk_ids)
        measures_by_status = _measures_by_status(_measure_ids(walk_ids))
    reached = measures_reached(year, DONE_OR_IN_PLAN, organisation_id, estate_id)
    overviews_sent = sum(1 for w in safety_walks if w.overview_sent_on is not None)
    return {
        "year": year,
        "walks_held": len(safety_walks),
        "inspections_held": sum(1 for w in walks if w.kind == "inspection"),
        "overviews_sent": overviews_sent,
        "findings_by_category": findings_by_category,
        "good_places": good_places,
        "measures_by_status": measures_by_status,
        "measures_done": measures_reached(year, {DONE_STATUS}, organisation_id, estate_id),
        "measures_put_in_plan": measures_reached(year, DONE_OR_IN_PLAN - {DONE_STATUS}, organisation_id,
                                                 estate_id),
        "measures_done_or_in_plan": reached,
        "median_days_to_done": median_days_to_done(year, organisation_id, estate_id),
        "partner_coverage": partner_coverage(safety_walks),
        "profile_groups": profile_groups(walk_ids),
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


def recurring_spots(year: int, organisation_id: int | None = None, estate_id: int | None = None) -> int:
    """Findings of the year's held walks (not dismissed or duplicates) at a spot where a finding
    of the same category was reported on an earlier walk (walkapp.findings.recurrence)."""
    walk_ids = [w.id for w in held_walks(year, organisation_id, estate_id)]
    if not walk_ids:
        return 0
    return len(recurring_ids(
        db.select(Finding.id)
        .where(Finding.walk_id.in_(walk_ids), Finding.state.not_in(NOT_COUNTED_STATES),
               Finding.kind == "problem")
    ))
