"""Questions about a walk's findings that walk pages ask (counts, categories, the map's points)."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import joinedload

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


def walk_findings_for_map(walk: Walk) -> list:
    """The walk's findings with their categories, oldest first (for the map)."""
    return list(
        db.session.execute(
            db.select(Finding)
            .options(joinedload(Finding.category))
            .where(Finding.walk_id == walk.id)
            .order_by(Finding.observed_at)
        ).scalars()
    )
