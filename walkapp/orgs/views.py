"""Administration of organisations and estates (admins only)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from walkapp.auth import queries as auth_queries
from walkapp.auth.security import admin_required
from walkapp.extensions import db
from walkapp.orgs import services
from walkapp.orgs.areas import add_member, area_for_new, organisation_in_scope, visible_areas
from walkapp.orgs.boundaries import BOUNDARY_MAX_BYTES, BoundaryError, parse_boundary
from walkapp.orgs.forms import (
    ORGANISATION_TYPE_LABELS,
    EstateForm,
    OrganisationForm,
    boundary_message,
)
from walkapp.orgs.models import Estate, Organisation

bp = Blueprint("orgs", __name__)


@bp.route("/admin/organisations")
@admin_required
def list_organisations():
    """Every organisation with its type and number of estates and users."""
    return render_template(
        "orgs/organisations.html",
        rows=auth_queries.list_organisations_with_counts(),
        type_labels=ORGANISATION_TYPE_LABELS,
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@bp.route("/admin/organisations/<int:org_id>", methods=["GET", "POST"])
@admin_required
def edit_organisation(org_id: int | None = None):
    """Create or edit an organisation; the edit page also lists its estates."""
    organisation = None
    if org_id is not None:
        organisation = db.one_or_404(db.select(Organisation).where(
            Organisation.id == org_id, organisation_in_scope()))
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        own_id = organisation.id if organisation else None
        if services.organisation_name_taken(form.name.data, own_id):
            form.name.errors.append(_("An organisation with this name already exists."))
        else:
            if organisation is None:
                created = services.create_organisation(form.name.data, form.type.data)
                # One area: the new organisation works there. Several: the operator decides.
                areas = visible_areas()
                if len(areas) == 1:
                    add_member(areas[0], created)
            else:
                services.update_organisation(organisation, form.name.data, form.type.data)
            db.session.commit()
            flash(_("The organisation is saved."), "success")
            return redirect(url_for("orgs.list_organisations"))
    estates = services.list_estates(organisation.id) if organisation else []
    status = 400 if form.errors else 200
    return render_template(
        "orgs/organisation_form.html", form=form, organisation=organisation, estates=estates
    ), status


@bp.route("/admin/estates")
@admin_required
def list_estates():
    """All estates, or those of one organisation (?organisation=<id>)."""
    org_id = request.args.get("organisation", type=int)
    organisation = None
    if org_id is not None:
        organisation = db.one_or_404(db.select(Organisation).where(
            Organisation.id == org_id, organisation_in_scope()))
    return render_template(
        "orgs/estates.html", estates=services.list_estates(org_id), organisation=organisation
    )


def _organisation_choices() -> list[SelectChoice]:
    organisations = db.session.execute(
        db.select(Organisation).where(organisation_in_scope()).order_by(Organisation.name)
    ).scalars()
    return [SelectChoice(o.id, o.name) for o in organisations]


def _submitted_boundary(form: EstateForm, current: dict | None) -> dict | None:
    """The boundary the admin asked for: removed, uploaded, or drawn (raises BoundaryError).

    An uploaded file wins over the drawing, since choosing a file is the more deliberate act."""
    if form.remove_boundary.data:
        return None
    upload = form.boundary_file.data
    if upload is not None and getattr(upload, "filename", ""):
        # Read one byte past the limit so an oversized file is recognised without reading it all.
        data = upload.stream.read(BOUNDARY_MAX_BYTES + 1)
        try:
            return parse_boundary(data)
        except BoundaryError as exc:
            form.boundary_file.errors.append(boundary_message(exc))
            raise
    if form.boundary_geojson.data is None:
        return current
    drawn = form.boundary_geojson.data.strip()
    if not drawn:
        return None
    try:
        return parse_boundary(drawn)
    except BoundaryError as exc:
        form.boundary_geojson.errors.append(boundary_message(exc))
        raise


@bp.route("/admin/estates/new", methods=["GET", "POST"])
@bp.route("/admin/estates/<int:estate_id>", methods=["GET", "POST"])
@admin_required
def edit_estate(estate_id: int | None = None):
    """Create or edit an estate (afdeling) with an optional boundary polygon."""
    estate = db.get_or_404(Estate, estate_id) if estate_id is not None else None
    form = EstateForm(obj=estate)
    form.organisation_id.choices = _organisation_choices()
    form.area.choices = [SelectChoice(area.id, area.name) for area in visible_areas()]
    if request.method == "GET":
        if estate is None and request.args.get("organisation", type=int):
            form.organisation_id.data = request.args.get("organisation", type=int)
        form.boundary_geojson.data = services.boundary_json(estate.boundary) if estate else ""
    if form.validate_on_submit():
        try:
            boundary = _submitted_boundary(form, estate.boundary if estate else None)
        except BoundaryError:
            boundary = None
        organisation = db.session.get(Organisation, form.organisation_id.data)
        if services.estate_name_taken(
            form.name.data, form.organisation_id.data, estate.id if estate else None
        ):
            form.name.errors.append(_("This organisation already has an estate with this name."))
        if not form.errors:
            if estate is None:
                area = area_for_new(form.area.data if len(form.area.choices) > 1 else None)
                estate = services.create_estate(form.name.data, organisation, boundary, area)
            else:
                services.update_estate(estate, form.name.data, organisation, boundary)
            db.session.commit()
            flash(_("The estate is saved."), "success")
            return redirect(url_for("orgs.list_estates", organisation=estate.organisation_id))
    status = 400 if form.errors else 200
    return render_template("orgs/estate_form.html", form=form, estate=estate), status
