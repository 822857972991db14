"""Category administration (admins only)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from walkapp.auth.security import admin_required
from walkapp.extensions import db
from walkapp.findings.categories import (
    category_code_taken,
    create_category,
    finding_counts,
    update_category,
)
from walkapp.findings.forms import ICON_LABELS, CategoryForm
from walkapp.findings.models import Category

bp = Blueprint("findings", __name__)

ICON_DIR = Path("icons") / "categories"


def available_icons() -> list[str]:
    """Icon names: the SVG files in static/icons/categories/, sorted."""
    folder = Path(current_app.static_folder or "") / ICON_DIR
    return sorted(p.stem for p in folder.glob("*.svg"))


# ---------------------------------------------------------------- views


@bp.route("/admin/categories")
@admin_required
def list_categories():
    """Finding categories in the order the capture screen shows them."""
    categories = db.session.execute(
        db.select(Category).order_by(Category.sort_order, Category.name_da)
    ).scalars().all()
    return render_template(
        "findings/categories.html", categories=categories, counts=finding_counts()
    )


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def edit_category(category_id: int | None = None):
    """Create a category, or edit one (everything but its code)."""
    category = db.get_or_404(Category, category_id) if category_id is not None else None
    form = CategoryForm(obj=category)
    icons = available_icons()
    if category is not None and category.icon not in icons:
        icons.append(category.icon)  # a removed icon file must not block editing the rest
    form.icon.choices = [SelectChoice(name, ICON_LABELS.get(name, name)) for name in icons]
    if category is None and form.icon.data is None:
        form.icon.data = "other"
    if category is not None:
        # The code is the Open311 service_code: once created it is shown, never edited.
        del form.code
    if form.validate_on_submit():
        if category is None and category_code_taken(form.code.data):
            form.code.errors.append(_("A category with this code already exists."))
        else:
            values = {
                "name_da": form.name_da.data, "name_en": form.name_en.data,
                "icon": form.icon.data, "sort_order": form.sort_order.data,
                "active": form.active.data,
            }
            if category is None:
                create_category(form.code.data, **values)
            else:
                update_category(category, **values)
            db.session.commit()
            flash(_("The category is saved."), "success")
            return redirect(url_for("findings.list_categories"))
    status = 400 if form.errors else 200
    uses = finding_counts().get(category.id, 0) if category is not None else 0
    return render_template(
        "findings/category_form.html", form=form, category=category, uses=uses,
        icon_dir=ICON_DIR.as_posix(),
    ), status
