"""Triage list queries: filters → one SELECT, a page with a fixed number of statements whatever
the number of findings, the map points, the selection of a bulk action and the filter choices."""
from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Select, String, cast, exists, func, type_coerce
from sqlalchemy.orm import joinedload, selectinload

from walkapp.auth.models import User
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.findings.recurrence import EarlierFinding, earlier_findings, recurring_ids
from walkapp.labels import PARTICIPANT_ROLE_LABELS, label
from walkapp.measures.models import Measure, measure_findings
from walkapp.orgs.area_scope import scoped
from walkapp.walks.models import Participant, Walk

PAGE_SIZE = 50
# Points mode never ships more than this many points, whatever TRIAGE_MAP_POINTS_SINGLE says.
MAP_LIMIT = 5000
SORTS = ("newest", "oldest", "rating", "category")
YES_NO = ("yes", "no")


@dataclass
class TriageFilters:
    """Validated filter values of the triage list (None = no filter)."""

    walk_id: int | None = None
    estate_id: int | None = None
    category: str | None = None
    state: str | None = None
    rating: int | None = None
    has_photo: str | None = None
    org_id: int | None = None
    measure_status: str | None = None
    text: str = ""
    sort: str = "newest"
    page: int = 1
    errors: list[str] = field(default_factory=list)
    # Only findings at a spot reported on an earlier walk (walkapp.findings.recurrence).
    recurring: bool = False
    # The recurring ids among the other filters' findings, found once per request: the count,
    # the page and the exports each build the SELECT again.
    _recurring_ids: set[uuid.UUID] | None = field(default=None, repr=False, compare=False)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_select(filters: TriageFilters) -> Select:
    """SELECT Finding … WHERE <filters>, without ordering or paging."""
    stmt = db.select(Finding)
    if filters.walk_id is not None:
        stmt = stmt.where(Finding.walk_id == filters.walk_id)
    if filters.estate_id is not None:
        stmt = stmt.where(Finding.estate_id == filters.estate_id)
    if filters.category:
        stmt = stmt.where(
            Finding.category_id.in_(db.select(Category.id).where(Category.code == filters.category))
        )
    if filters.state:
        stmt = stmt.where(Finding.state == filters.state)
    if filters.rating is not None:
        stmt = stmt.where(Finding.rating == filters.rating)
    if filters.has_photo in YES_NO:
        photo_exists = exists().where(Photo.finding_id == Finding.id)
        stmt = stmt.where(photo_exists if filters.has_photo == "yes" else ~photo_exists)
    if filters.org_id is not None or filters.measure_status:
        linked = (
            db.select(measure_findings.c.finding_id)
            .join(Measure, Measure.id == measure_findings.c.measure_id)
        )
        if filters.org_id is not None:
            linked = linked.where(Measure.responsible_org_id == filters.org_id)
        if filters.measure_status:
            linked = linked.where(Measure.status == filters.measure_status)
        stmt = stmt.where(Finding.id.in_(linked))
    if filters.text.strip():
        # ILIKE is compiled to lower() LIKE lower() on SQLite, so the same code runs on both.
        pattern = f"%{_escape_like(filters.text.strip())}%"
        stmt = stmt.where(Finding.description.ilike(pattern, escape="\\"))
    if filters.recurring:
        # The 25 m test is Python's (walkapp.geo.distance_m), so the matching ids are found first.
        if filters._recurring_ids is None:
            others = filtered_select(replace(filters, recurring=False))
            filters._recurring_ids = recurring_ids(others.with_only_columns(Finding.id))
        stmt = stmt.where(Finding.id.in_(sorted(filters._recurring_ids)))
    return stmt


def ordered(stmt: Select, sort: str) -> Select:
    """Apply one of SORTS; the id is the last key so pages never overlap."""
    if sort == "oldest":
        return stmt.order_by(Finding.observed_at.asc(), Finding.id)
    if sort == "rating":
        # Most unsafe first (0 = very unsafe); findings without a rating last.
        return stmt.order_by(Finding.rating.is_(None), Finding.rating.asc(),
                             Finding.observed_at.desc(), Finding.id)
    if sort == "category":
        return stmt.join(Category, Category.id == Finding.category_id).order_by(
            Category.sort_order, Finding.observed_at.desc(), Finding.id
        )
    return stmt.order_by(Finding.observed_at.desc(), Finding.id)


def count_findings(filters: TriageFilters) -> int:
    """Number of findings matching the filters (one statement)."""
    # On Finding itself: one statement without a subquery (the area scope covers either).
    return db.session.execute(filtered_select(filters).with_only_columns(func.count(Finding.id))).scalar_one()


def measures_for(finding_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Measure]]:
    """The measures linked to each finding, in two statements (Finding has no measures relation):
    the links of these findings, then their measures."""
    ids = list(finding_ids)
    result: dict[uuid.UUID, list[Measure]] = defaultdict(list)
    if not ids:
        return result
    # Two statements, not one join: joined, SQLite read every measure of the asker's area (the
    # area criterion on measures looks more selective to it than the finding ids) and the
    # list's first page grew with the area. The links have no area of their own; the measures
    # keep the area criterion, so another area's measure is still never shown. Both always run,
    # so a page costs the same statements with or without measures.
    links = db.session.execute(
        db.select(measure_findings.c.finding_id, measure_findings.c.measure_id)
        .where(measure_findings.c.finding_id.in_(ids))
    ).all()
    findings_of: dict[int, list[uuid.UUID]] = defaultdict(list)
    for finding_id, measure_id in links:
        findings_of[measure_id].append(finding_id)
    measures = db.session.execute(
        db.select(Measure)
        .options(joinedload(Measure.responsible_org))
        .where(Measure.id.in_(sorted(findings_of)))
        .order_by(Measure.created_at, Measure.id)
    ).scalars()
    for measure in measures:
        for finding_id in findings_of[measure.id]:
            result[finding_id].append(measure)
    return result


@dataclass
class TriagePage:
    findings: list[Finding]
    total: int
    page: int
    pages: int
    measures: dict[uuid.UUID, list[Measure]]
    reporters: dict[uuid.UUID, str] = field(default_factory=dict)
    # The earlier findings at the same spot of each recurring finding on the page.
    earlier: dict[uuid.UUID, list[EarlierFinding]] = field(default_factory=dict)


def triage_page(filters: TriageFilters) -> TriagePage:
    """One page of findings with everything the rows show: a constant number of statements."""
    total = count_findings(filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    # Sort and page over narrow rows first: sorting 5,000 findings joined with their walks'
    # routes and estates' boundaries is what made large lists slow, not the 50 rows shown.
    page_ids = list(db.session.execute(
        ordered(filtered_select(filters), filters.sort)
        .with_only_columns(Finding.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).scalars())
    loaded = {
        f.id: f for f in db.session.execute(
            db.select(Finding)
            .where(Finding.id.in_(page_ids))
            .options(
                joinedload(Finding.category),
                joinedload(Finding.walk),
                joinedload(Finding.estate),
                joinedload(Finding.participant),
                selectinload(Finding.photos),
            )
        ).unique().scalars()
    } if page_ids else {}
    findings = [loaded[fid] for fid in page_ids if fid in loaded]
    return TriagePage(findings, total, page, pages, measures_for(f.id for f in findings),
                      reporter_labels(findings), earlier_findings(page_ids))


MAP_COLUMNS = (
    # The id as the database gives it: SQLite stores the 32 hex digits, and building 5,000
    # uuid.UUID objects only to print them again was the largest single cost.
    type_coerce(Finding.id, String), Finding.lat, Finding.lon, Category.code, Finding.state, Finding.rating,
)
# Up to this many findings the map gets every point (a driftsafdeling's 80 findings, a whole
# walk); above, clusters on a grid, so the answer stops growing with the findings. An app may
# set TRIAGE_MAP_POINTS_SINGLE (tests lower it); never above MAP_LIMIT.
MAP_POINTS_SINGLE = 1000
# Cells along the longer side of the cluster grid laid over the findings' extent (at most
# MAP_GRID² clusters).
MAP_GRID = 32
BBox = tuple[float, float, float, float]  # west, south, east, north in degrees


def parse_bbox(value: str | None) -> tuple[BBox | None, bool]:
    """`w,s,e,n` in degrees → (bbox, True); no value → (None, True); anything else (not four
    finite numbers, w ≥ e, s ≥ n, out of range) → (None, False): the map ignores it."""
    if not value:
        return None, True
    parts = value.split(",")
    if len(parts) != 4:
        return None, False
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        return None, False
    # NaN fails every comparison, so it is refused here too.
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return None, False
    return (w, s, e, n), True


def points_single() -> int:
    """How many findings the map still gets as single points."""
    return min(int(current_app.config.get("TRIAGE_MAP_POINTS_SINGLE", MAP_POINTS_SINGLE)), MAP_LIMIT)


def _rows(stmt: Select) -> list:
    """Plain rows of an ORM select (the ORM's per-row bookkeeping was most of the map's time),
    with the area scope's criteria on it like every ORM query: the connection alone skips the
    session's hook, and another area's findings would be counted."""
    return db.session.connection().execute(scoped(stmt)).all()


def _micro(degrees: float) -> int:
    return round(degrees * 1e6)


def map_points(filters: TriageFilters, bbox: BBox | None = None) -> dict[str, Any]:
    """What the map view draws for the filters (inside `bbox` when given), in one of two
    shapes, both with "total" (findings matched) and "extent" ([south, west, north, east] µ°
    of them, null when none):

    - {"mode": "points", "categories": [code, …], "states": [state, …], "points": [[id hex,
      lat µ°, lon µ°, category index, state index, rating], …]} up to points_single();
    - {"mode": "clusters", "clusters": [[count, mean lat µ°, mean lon µ°, worst (lowest)
      rating, [south, west, north, east] µ° of its findings, id hex of a lone finding or
      null], …]} above: at most MAP_GRID² rows, however many findings.

    Coordinates are integers in millionths of a degree (≈ 10 cm, more than a marker shows; an
    int is shorter and far cheaper than round(x, 6)). Only what the map draws: no user text,
    the popup loads on click."""
    where = filtered_select(filters)
    if bbox is not None:
        w, s, e, n = bbox
        where = where.where(Finding.lat.between(s, n), Finding.lon.between(w, e))
    total, south, north, west, east = _rows(where.with_only_columns(
        func.count(Finding.id), func.min(Finding.lat), func.max(Finding.lat),
        func.min(Finding.lon), func.max(Finding.lon),
    ))[0]
    extent = [_micro(south), _micro(west), _micro(north), _micro(east)] if total else None
    head: dict[str, Any] = {"total": total, "extent": extent}
    if total <= points_single():
        return {"mode": "points", **head, **_points(where)}
    return {"mode": "clusters", **head, "clusters": _clusters(where, south, north, west, east)}


def _points(where: Select) -> dict[str, Any]:
    """Every matching finding as a compact point (the caller checked there are few enough)."""
    rows = _rows(where.with_only_columns(*MAP_COLUMNS).join(Category, Category.id == Finding.category_id))
    categories: dict[str, int] = {}
    states: dict[str, int] = {}
    points = [
        # PostgreSQL's driver hands a native uuid column over as uuid.UUID all the same.
        [fid if type(fid) is str else fid.hex, _micro(lat), _micro(lon),
         categories.setdefault(code, len(categories)), states.setdefault(state, len(states)), rating]
        for fid, lat, lon, code, state, rating in rows
    ]
    return {"categories": list(categories), "states": list(states), "points": points}


def _cell_index(position: Any) -> Any:
    """The whole number of cells below a non-negative position: SQLite's CAST truncates, but
    PostgreSQL's rounds to the nearest, which put findings in the next cell over."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.floor(position), Integer)
    return cast(position, Integer)


def _clusters(where: Select, south: float, north: float, west: float, east: float) -> list[list]:
    """The matching findings grouped on a grid of square cells over their extent, MAP_GRID
    cells along its longer side (fewer along the other), in one GROUP BY. Square on the map, a
    long, narrow estate gets a few rows of cells, not a thousand slivers. The cell index is a
    truncated non-negative number (`_cell_index`); the cell is a hair larger
    than the extent / MAP_GRID so the last findings fall in the last cell, not one past it."""
    # A degree of longitude is cos(latitude) of a degree of latitude on the ground.
    shrink = max(math.cos(math.radians((south + north) / 2)), 0.01)
    side = max(north - south, (east - west) * shrink, 1e-9) / MAP_GRID * (1 + 1e-9)
    lat_cell, lon_cell = side, side / shrink
    cells = where.with_only_columns(
        _cell_index((Finding.lat - south) / lat_cell).label("row"),
        _cell_index((Finding.lon - west) / lon_cell).label("col"),
        Finding.lat, Finding.lon, Finding.rating,
        # PostgreSQL has no min(uuid); as text both databases compare ids alike.
        cast(Finding.id, String).label("fid"),
    ).subquery()
    rows = _rows(
        db.select(
            func.count(), func.avg(cells.c.lat), func.avg(cells.c.lon), func.min(cells.c.rating),
            func.min(cells.c.lat), func.min(cells.c.lon), func.max(cells.c.lat), func.max(cells.c.lon),
            func.min(cells.c.fid),
        ).group_by(cells.c.row, cells.c.col)
    )
    # round(x * 1e6) written out: a function call per number was a third of this loop.
    return [
        [count, round(lat * 1e6), round(lon * 1e6), worst,
         [round(s * 1e6), round(w * 1e6), round(n * 1e6), round(e * 1e6)],
         fid.replace("-", "") if count == 1 else None]
        for count, lat, lon, worst, s, w, n, e, fid in rows
    ]


def first_visible_photo(finding: Finding) -> Photo | None:
    """The row's thumbnail: the first photo that is not hidden."""
    return next((p for p in finding.photos if not p.hidden), None)


# ---------------------------------------------------------------- bulk actions


def parse_ids(values: Iterable[str]) -> list[uuid.UUID] | None:
    """UUIDs of the selection, without duplicates; None when any value is not a UUID."""
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            parsed = uuid.UUID(str(value).strip())
        except ValueError:
            return None
        if parsed not in ids:
            ids.append(parsed)
    return ids


def load_selection(ids: list[uuid.UUID], walk_id: int | None = None) -> list[Finding]:
    """The selected findings; refused as a whole (400) when one is missing, none is selected,
    or they do not all belong to one walk (the walk filter's, when one is set)."""
    if not ids:
        raise ApiError(400, "empty_selection", _("Select at least one finding."))
    findings = list(db.session.execute(
        db.select(Finding).options(joinedload(Finding.category)).where(Finding.id.in_(ids))
    ).scalars())
    if len(findings) != len(ids):
        raise ApiError(400, "unknown_finding", _("One or more selected findings do not exist."))
    walks = {f.walk_id for f in findings}
    if len(walks) != 1 or (walk_id is not None and walks != {walk_id}):
        raise ApiError(
            400, "mixed_walks",
            _("All selected findings must belong to one walk. Nothing was changed."),
        )
    order = {fid: i for i, fid in enumerate(ids)}
    return sorted(findings, key=lambda f: order[f.id])


def reporter_labels(findings: Sequence[Finding]) -> dict[uuid.UUID, str]:
    """Who reported each finding, as staff read it: the participant's name with their role (the
    join page promises the coordinator sees the name), or the staff member's name with their
    organisation. One statement for the staff members, none for participants (load them)."""
    user_ids = {f.user_id for f in findings if f.participant is None and f.user_id is not None}
    users: dict[int, User] = {}
    if user_ids:
        users = {u.id: u for u in db.session.execute(
            db.select(User).options(joinedload(User.organisation)).where(User.id.in_(user_ids))
        ).scalars()}
    labels: dict[uuid.UUID, str] = {}
    for finding in findings:
        participant: Participant | None = finding.participant
        user = users.get(finding.user_id) if finding.user_id is not None else None
        if participant is not None:
            name, role = participant.display_name.strip(), label(PARTICIPANT_ROLE_LABELS, participant.role)
        elif user is not None:
            name, role = user.name.strip(), _("Staff, %(organisation)s", organisation=user.organisation.name)
        else:
            labels[finding.id] = _("Unknown")
            continue
        labels[finding.id] = _("%(name)s (%(role)s)", name=name, role=role) if name else role
    return labels


def walk_choices() -> list[Walk]:
    """Walks for the filter, newest first."""
    return list(db.session.execute(
        db.select(Walk).order_by(Walk.starts_at.desc(), Walk.id.desc())
    ).scalars())


def filters_from_args(args: Mapping[str, str]) -> dict[str, str]:
    """The non-empty filter arguments, to rebuild page and view links."""
    keys = ("walk", "estate", "category", "state", "rating", "photo", "org", "mstatus", "recurring",
            "q", "sort")
    return {k: args[k] for k in keys if args.get(k)}
