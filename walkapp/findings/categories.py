"""Category services of the admin pages: plain functions that flush, never commit."""
from __future__ import annotations

from sqlalchemy import func

from walkapp.extensions import db
from walkapp.findings.models import Category, Finding


def category_code_taken(code: str) -> bool:
    """True when a category already uses this code."""
    return db.session.execute(
        db.select(Category.id).where(Category.code == code).limit(1)
    ).first() is not None


def create_category(
    code: str, name_da: str, name_en: str, icon: str, sort_order: int, active: bool
) -> Category:
    """Add a category; its code is fixed from now on (it is the Open311 service_code)."""
    category = Category(
        code=code, name_da=name_da.strip(), name_en=name_en.strip(), icon=icon,
        sort_order=sort_order, active=active,
    )
    db.session.add(category)
    db.session.flush()
    return category


def update_category(
    category: Category, name_da: str, name_en: str, icon: str, sort_order: int, active: bool
) -> Category:
    """Change everything but the code; a deactivated category stays on its old findings."""
    category.name_da = name_da.strip()
    category.name_en = name_en.strip()
    category.icon = icon
    category.sort_order = sort_order
    category.active = active
    db.session.flush()
    return category


def finding_counts() -> dict[int, int]:
    """Number of findings per category id."""
    rows = db.session.execute(
        db.select(Finding.category_id, func.count(Finding.id)).group_by(Finding.category_id)
    ).all()
    return {category_id: count for category_id, count in rows}
