"""Recurring spots: a finding within 25 m of a finding of the same category on an earlier walk
(by its start) that shares an estate with the finding's walk or comes before it in its chain of
follow-up walks (`Walk.previous_walk_id`). Dismissed and duplicate earlier findings do not count.

One statement for any number of findings: SQL narrows the pairs to a lat/lon box around each
finding, `walkapp.geo.distance_m` decides. What was done about an earlier finding (its measures)
is asked of walkapp.measures, which sits above this package."""
from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, union
from sqlalchemy.orm import aliased

from walkapp.dates import to_local
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.findings.services import NEARBY_M
from walkapp.geo import EARTH_RADIUS_M, distance_m
from walkapp.walks.models import Walk, walk_estates

RECURRING_M = NEARBY_M
# Earlier findings in these states were judged not to be a problem of their own.
NOT_COUNTED_STATES = ("dismissed", "duplicate")
# The box is a prefilter only; 1 % wider so a pair at 24.99 m is never cut off by rounding.
_BOX_LAT = math.degrees(RECURRING_M / EARTH_RADIUS_M) * 1.01
# Longitude degrees shrink with cos(lat), which SQLite cannot compute: the box's half-width is
# taken per 10° band of latitude, from the band's poleward edge (never too narrow).
_LAT_BANDS = tuple(range(10, 90, 10))


@dataclass(frozen=True)
class EarlierFinding:
    """A finding of an earlier walk at the same spot as a later one."""

    finding_id: uuid.UUID
    walk_id: int
    walk_title: str
    walk_starts_at: datetime
    observed_at: datetime
    distance_m: float

    @property
    def year(self) -> int:
        """The (Copenhagen) year of the earlier walk."""
        return to_local(self.walk_starts_at).year


def _lon_box(lat_column):
    """Half-width in degrees of longitude of the box around a finding at `lat_column`."""
    bands = [
        (func.abs(lat_column) <= edge, _BOX_LAT / math.cos(math.radians(edge + _BOX_LAT)))
        for edge in _LAT_BANDS
    ]
    return case(*bands, else_=360.0)


# Built once: making aliases of the tables (every column proxied) cost more than running the
# statement, on every finding POST.
_LATER, _EARLIER = aliased(Finding), aliased(Finding)
_LATER_WALK, _EARLIER_WALK, _STEP = aliased(Walk), aliased(Walk), aliased(Walk)
_LATER_ESTATE, _EARLIER_ESTATE = walk_estates.alias(), walk_estates.alias()
_LATER_LON_BOX = _lon_box(_LATER.lat)


def _chain(walk_ids: Select):
    """(walk_id, ancestor_id) for every walk before each of the walks in its follow-up chain.
    UNION, not UNION ALL: a chain that loops back on itself (bad data) still ends."""
    start = (
        db.select(Walk.id.label("walk_id"), Walk.previous_walk_id.label("ancestor_id"))
        .where(Walk.id.in_(walk_ids), Walk.previous_walk_id.is_not(None))
        .cte("walk_chain", recursive=True)
    )
    step = _STEP
    return start.union(
        db.select(start.c.walk_id, step.previous_walk_id)
        .join(step, step.id == start.c.ancestor_id)
        .where(step.previous_walk_id.is_not(None))
    )


def earlier_findings(
    finding_ids: Iterable[uuid.UUID] | Select,
) -> dict[uuid.UUID, list[EarlierFinding]]:
    """For each of the findings (ids, or a SELECT of ids) that has any, its earlier findings at
    the same spot, oldest walk first; one statement."""
    ids = finding_ids if isinstance(finding_ids, Select) else list(finding_ids)
    if not isinstance(ids, Select) and not ids:
        return {}
    later, earlier, later_walk, earlier_walk = _LATER, _EARLIER, _LATER_WALK, _EARLIER_WALK
    later_walks = db.select(Finding.walk_id).where(Finding.id.in_(ids))
    chain = _chain(later_walks)
    later_estate, earlier_estate = _LATER_ESTATE, _EARLIER_ESTATE
    # The walks each later walk may recur from (a shared estate, or before it in its chain),
    # found first: then only those walks' findings near the spot are read (ix_findings_walk_lat).
    # Joining on the category and box first read every finding of the category in the area and
    # tested the estates and the chain for each pair, which grew with the area's findings.
    # UNION: a pair that shares an estate and a chain (or two estates) gives each finding once.
    related = union(
        db.select(later_estate.c.walk_id.label("later_walk_id"),
                  earlier_estate.c.walk_id.label("earlier_walk_id"))
        .join(earlier_estate, earlier_estate.c.estate_id == later_estate.c.estate_id)
        .where(later_estate.c.walk_id.in_(later_walks)),
        db.select(chain.c.walk_id, chain.c.ancestor_id),
    ).subquery("related_walks")
    lon_box = _LATER_LON_BOX
    rows = db.session.execute(
        db.select(
            later.id, later.lat, later.lon, earlier.id, earlier.lat, earlier.lon, earlier.observed_at,
            earlier_walk.id, earlier_walk.title, earlier_walk.starts_at,
        )
        .select_from(later)
        .join(later_walk, later_walk.id == later.walk_id)
        .join(related, related.c.later_walk_id == later.walk_id)
        .join(earlier_walk, (earlier_walk.id == related.c.earlier_walk_id)
              & (earlier_walk.starts_at < later_walk.starts_at))
        .join(earlier, (earlier.walk_id == related.c.earlier_walk_id)
              & (earlier.category_id == later.category_id)
              & earlier.lat.between(later.lat - _BOX_LAT, later.lat + _BOX_LAT)
              & earlier.lon.between(later.lon - lon_box, later.lon + lon_box)
              & earlier.state.not_in(NOT_COUNTED_STATES))
        .where(later.id.in_(ids),
               # The area scope skips aliased tables; a plain select of the walks has it, so a
               # walk of another area never counts as earlier, whatever links the data holds.
               later.walk_id.in_(db.select(Walk.id)), earlier.walk_id.in_(db.select(Walk.id)))
    ).all()
    result: dict[uuid.UUID, list[EarlierFinding]] = defaultdict(list)
    for (later_id, lat, lon, earlier_id, e_lat, e_lon, observed_at,
         walk_id, walk_title, starts_at) in rows:
        metres = distance_m(lat, lon, e_lat, e_lon)
        if metres <= RECURRING_M:
            result[later_id].append(EarlierFinding(
                earlier_id, walk_id, walk_title, starts_at, observed_at, round(metres, 1),
            ))
    for found in result.values():
        found.sort(key=lambda e: (e.walk_starts_at, e.observed_at, e.distance_m, str(e.finding_id)))
    return dict(result)


def recurring_ids(finding_ids: Iterable[uuid.UUID] | Select) -> set[uuid.UUID]:
    """The findings among these (ids, or a SELECT of ids) that are recurring; one statement."""
    return set(earlier_findings(finding_ids))
