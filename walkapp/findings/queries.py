"""Questions about a walk's findings that walk pages ask (counts, categories, the map's points)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.walks.models import Walk


def finding_counts(walk_ids: list[int]) -> dict[int, int]:
    """Number of findings per walk id."""
    if not walk_ids:
        return {}
    rows = db.session.execute(
        db.select(Finding.walk_id, func.count())
        .where(Finding.walk_id.in_(walk_ids))
        .group_by(Finding.walk_id)
    ).all()
    return {walk_id: count for walk_id, count in rows}


def findings_by_category(walk: Walk, locale: str = "da") -> list[tuple[str, int]]:
    """(category name, number of findings) for the walk, most frequent first."""
    rows = db.session.execute(
        db.select(Category, func.count(Finding.id))
        .join(Finding, Finding.category_id == Category.id)
        .where(Finding.walk_id == walk.id)
        .group_by(Category.id)
        .order_by(func.count(Finding.id).desc(), Category.sort_order)
    ).all()
    return [(category.name(locale), count) for category, count in rows]


# The two orders a walk's findings are read in: as they were reported (the API), or along
# the route, by the time they were seen (the walk's map, the printed overview).
AS_REPORTED = (Finding.created_at, Finding.id)
ALONG_THE_ROUTE = (Finding.observed_at, Finding.id)


def walk_findings(walk: Walk, *options: Any, order_by: tuple[Any, ...] = AS_REPORTED) -> list[Finding]:
    """Every finding of a walk in the given order, with the given loader options (one
    statement, plus one per selectin-loaded relationship)."""
    return list(db.session.execute(
        db.select(Finding).where(Finding.walk_id == walk.id).options(*options).order_by(*order_by)
    ).unique().scalars())


def walk_findings_for_map(walk: Walk) -> list[Finding]:
    """The walk's findings with their categories, along the route (for the map)."""
    return walk_findings(walk, joinedload(Finding.category), order_by=ALONG_THE_ROUTE)


def walk_findings_with_photos(walk: Walk) -> list[Finding]:
    """Every finding of a walk as reported, with photos, categories and reporters (the API)."""
    return walk_findings(walk, selectinload(Finding.photos), selectinload(Finding.category),
                         selectinload(Finding.participant))
