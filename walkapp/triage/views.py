"""Triage list and finding detail for staff."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import ValidationError

from walkapp.auth.models import User
from walkapp.auth.security import staff_required
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.access import Viewer
from walkapp.findings.models import Category, Finding, FindingChange, Photo
from walkapp.findings.photo_urls import photo_url
from walkapp.findings.recurrence import RECURRING_M, earlier_findings
from walkapp.findings.services import category_by_code, ensure_problems, update_finding
from walkapp.i18n import current_language
from walkapp.labels import FINDING_STATE_LABELS, RATING_WORDS, label, rating_label, short_id
from walkapp.measures.services import create_measure, status_label
from walkapp.orgs.lookups import find_organisation
from walkapp.orgs.models import Organisation
from walkapp.triage import queries, services
from walkapp.triage.duplicates import original_choices, resolve_duplicates
from walkapp.triage.forms import (
    BulkForm,
    FindingEditForm,
    PhotoVisibilityForm,
    filter_form,
    opts,
)

bp = Blueprint("triage", __name__)

FIELD_LABELS = {
    "category": _l("Category"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "description": _l("Description"),
    "state": _l("State"),
    "duplicate_of": _l("Duplicate of"),
    "photo_hidden": _l("Photo hidden"),
    "photo_redacted": _l("Photo blurred"),
    "rating": _l("Rating"),
}


def change_value(field: str, value: str) -> str:
    """A history value as people read it: state codes translated, ratings with their words,
    the rest as stored."""
    if field == "state":
        return label(FINDING_STATE_LABELS, value)
    if field == "rating" and value.isdigit():
        return rating_label(int(value))
    return value


def map_labels() -> dict:
    """Texts of the triage map's popups; ratings with their words, not a bare number."""
    return {"open": _("Open the finding"), "rating": _("Rating"),
            "ratings": [str(RATING_WORDS[r]) for r in sorted(RATING_WORDS)],
            # A cluster's name for screen readers and the pointer ("42 fund"), filled in by
            # triage-map.js; and the word before its worst rating.
            "cluster": _("%(count)s findings", count="{count}"), "worst": _("Most unsafe")}


def measure_url(measure_id: int) -> str:
    return url_for("measures.show_measure", measure_id=measure_id)


@bp.route("/findings")
@staff_required
def list_findings():
    """Every finding, filtered and sorted from the query string; list or map view."""
    form = filter_form()
    filters = form.to_filters()
    args = queries.filters_from_args(request.args)
    view = "map" if request.args.get("view") == "map" else "list"
    status = 400 if form.errors else 200
    context = dict(
        form=form, filters=filters, args=args, view=view, locale=current_language(),
        state_labels=FINDING_STATE_LABELS, map_labels=map_labels(),
        measure_status_label=status_label, photo_url=photo_url, measure_url=measure_url,
        first_photo=queries.first_visible_photo, bulk=BulkForm(),
        # Every filter, so the downloads hold the findings the list shows (their order is fixed).
        export_query=urlencode({k: v for k, v in args.items() if k != "sort"}),
    )
    if view == "map":
        # The points themselves come from map_points_json, so this page does not grow with them;
        # above the points threshold the map clusters them, so every finding is on it.
        count = queries.count_findings(filters)
        points_url = url_for("triage.map_points_json", **{k: v for k, v in args.items()})
        return render_template("findings/triage.html", map_count=count, points_url=points_url,
                               page=None, **context), status
    # The bulk "one measure" path may name its organisation (same list as the filter's).
    context["bulk"].responsible_org.choices = [
        *context["bulk"].responsible_org.choices, *form.org.choices[1:]
    ]
    page = queries.triage_page(filters)
    if filters.walk_id is not None and page.findings:
        _offer_originals(context["bulk"], filters.walk_id)
    return render_template("findings/triage.html", page=page, **context), status


@bp.get("/findings/map-points")
@staff_required
def map_points_json():
    """The filtered findings for the map view (JSON): compact points when few, clusters on a
    grid when many, inside `bbox=w,s,e,n` when given. Filters that are not valid (and a bad
    bbox) are ignored, as on the page, and named in `ignored_filters`."""
    form = filter_form()
    bbox, bbox_valid = queries.parse_bbox(request.args.get("bbox"))
    ignored = sorted([*form.errors, *([] if bbox_valid else ["bbox"])])
    return {**queries.map_points(form.to_filters(), bbox), "ignored_filters": ignored}


@bp.get("/findings/<uuid:finding_id>/map-popup")
@staff_required
def map_popup(finding_id: uuid.UUID):
    """What one point's popup on the map view says, loaded when it is opened (JSON)."""
    finding = db.get_or_404(Finding, finding_id)
    return {
        "id": str(finding.id), "category": finding.category.name(current_language()),
        "rating": finding.rating, "description": (finding.description or "")[:140],
        "state": label(FINDING_STATE_LABELS, finding.state),
        "url": url_for("triage.show_finding", finding_id=finding.id),
    }


def _offer_originals(bulk: BulkForm, walk_id: int) -> None:
    """Offer the walk's findings as the original of a duplicate, after the oldest-selected rule."""
    bulk.duplicate_of.choices = [
        *bulk.duplicate_of.choices, *opts(original_choices(walk_id, current_language()))
    ]
    bulk.duplicate_of.description = _(
        "The oldest selected finding is kept as the original and the others become its "
        "duplicates. Or choose another finding of the walk as the original, by the id in the list."
    )


def _page_link(args: dict, **changes) -> str:
    merged = {**args, **{k: v for k, v in changes.items() if v is not None}}
    return url_for("triage.list_findings", **merged)


bp.app_template_global("triage_link")(_page_link)


def _back_url() -> str:
    target = request.form.get("next", "")
    # Only our own list, never an external site.
    if target.startswith("/findings") and not target.startswith("//"):
        return target
    return url_for("triage.list_findings")


def _bulk_organisation(value: str | None) -> Organisation | None:
    """The organisation chosen in the bulk form ("" = none); an unknown id is refused."""
    if not value:
        return None
    org = find_organisation(int(value)) if value.isdigit() else None
    if org is None:
        raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
    return org


@bp.route("/findings/bulk", methods=["POST"])
@staff_required
def bulk_action():
    """Apply one action to the checked findings, all or nothing."""
    form = BulkForm()
    if not form.validate_on_submit():
        if form.due_on.errors:
            raise ApiError(400, "invalid_date", _("The due date is not a valid date."))
        raise ApiError(400, "invalid_action", _("Choose a valid action."))
    ids = queries.parse_ids(request.form.getlist("finding"))
    if ids is None:
        raise ApiError(400, "unknown_finding", _("One or more selected findings do not exist."))
    walk_filter = form.walk_filter.data
    walk_id = int(walk_filter) if walk_filter and walk_filter.isdigit() else None
    findings = queries.load_selection(ids, walk_id)
    user = current_user._get_current_object()
    action = form.action.data
    if action == "measure":
        ensure_problems(findings)  # before the redirect to the measure form, too
        title = (form.title.data or "").strip()
        org = _bulk_organisation(form.responsible_org.data)
        if not title:
            pairs = [("finding", str(f.id)) for f in findings]
            pairs += [("responsible_org", str(org.id))] if org is not None else []
            pairs += [("due_on", form.due_on.data.isoformat())] if form.due_on.data else []
            return redirect(f"/measures/new?{urlencode(pairs)}")
        # create_measure moves new findings to triaged and writes that to their history.
        measure = create_measure(title=title, findings=findings, by_user=user,
                                 responsible_org=org, due_on=form.due_on.data)
        db.session.commit()
        flash(_("The measure has been created."), "success")
        return redirect(measure_url(measure.id))
    if action == "duplicate":
        original, marked = resolve_duplicates(findings, form.duplicate_of.data or "")
        services.mark_duplicates(marked, original, user)
        message = _("%(count)s findings marked as duplicates of finding %(id)s.",
                    count=len(marked), id=short_id(original.id))
    else:
        services.dismiss_findings(findings, form.reason.data or "", user)
        message = _("%(count)s findings dismissed.", count=len(findings))
    db.session.commit()
    flash(message, "success")
    return redirect(_back_url())


# ---------------------------------------------------------------- detail


def _edit_form(finding: Finding, formdata=None) -> FindingEditForm:
    locale = current_language()
    categories = db.session.execute(
        db.select(Category)
        .where((Category.active.is_(True)) | (Category.id == finding.category_id))
        .order_by(Category.sort_order)
    ).scalars().all()
    form = FindingEditForm(formdata=formdata, data=None if formdata else {
        "category": finding.category.code, "lat": finding.lat, "lon": finding.lon,
        "description": finding.description,
    })
    form.category.choices = opts((c.code, c.name(locale)) for c in categories)
    form.category.validate_choice = False
    allowed = {c.code for c in categories}

    def check_category(_form, field):
        if field.data not in allowed:
            raise ValidationError(_("Unknown category."))

    form.category.validators = [*form.category.validators, check_category]
    return form


def _render_detail(finding: Finding, form: FindingEditForm, status: int = 200):
    history = db.session.execute(
        db.select(FindingChange, User.name, User.email)
        .outerjoin(User, User.id == FindingChange.by_user_id)
        .where(FindingChange.finding_id == finding.id)
        .order_by(FindingChange.at.desc(), FindingChange.id.desc())
    ).all()
    original = db.session.get(Finding, finding.duplicate_of_id) if finding.duplicate_of_id else None
    locale = current_language()
    map_data = {"points": [{
        "id": str(finding.id), "lat": finding.lat, "lon": finding.lon, "rating": finding.rating,
        "category": finding.category.code, "name_da": finding.category.name_da,
        "name_en": finding.category.name_en, "description": (finding.description or "")[:140],
        "state": finding.state,
    }], "route": finding.walk.route, "single": True}
    earlier = earlier_findings([finding.id]).get(finding.id, [])
    return render_template(
        "findings/finding.html", finding=finding, form=form, history=history,
        earlier=earlier, earlier_radius=RECURRING_M, earlier_measures=queries.measures_for(e.finding_id for e in earlier),
        measures=queries.measures_for([finding.id]).get(finding.id, []),
        reporter=queries.reporter_labels([finding])[finding.id],
        original=original, locale=locale, map_data=map_data, photo_url=photo_url,
        measure_url=measure_url, measure_status_label=status_label,
        state_labels=FINDING_STATE_LABELS, field_labels=FIELD_LABELS, change_value=change_value,
        visibility_form=PhotoVisibilityForm(), map_labels=map_labels(),
    ), status


@bp.route("/findings/<uuid:finding_id>")
@staff_required
def show_finding(finding_id: uuid.UUID):
    """One finding: map, photos, reporter, history, measures and the correction form."""
    finding = db.get_or_404(Finding, finding_id)
    return _render_detail(finding, _edit_form(finding))


@bp.route("/findings/<uuid:finding_id>", methods=["POST"])
@staff_required
def edit_finding(finding_id: uuid.UUID):
    """Correct category, place or text; every change goes into the history."""
    finding = db.get_or_404(Finding, finding_id)
    form = _edit_form(finding, request.form)
    if not form.validate_on_submit():
        return _render_detail(finding, form, 400)
    changes = {
        "lat": float(form.lat.data), "lon": float(form.lon.data),
        "description": (form.description.data or "").strip(),
    }
    if form.category.data != finding.category.code:
        category = category_by_code(form.category.data)
        if category is None:  # inactive categories stay on old findings but are not chosen anew
            form.category.errors = [_("Unknown category.")]
            return _render_detail(finding, form, 400)
        changes["category"] = category
    if changes["lat"] == finding.lat and changes["lon"] == finding.lon:
        del changes["lat"], changes["lon"]  # keeps the estate as it was
    update_finding(finding, Viewer(user=current_user._get_current_object()), changes)
    db.session.commit()
    flash(_("The finding has been saved."), "success")
    return redirect(url_for("triage.show_finding", finding_id=finding.id))


@bp.route("/findings/<uuid:finding_id>/photos/<uuid:photo_id>/<any(hide, show):action>",
          methods=["POST"])
@staff_required
def photo_visibility(finding_id: uuid.UUID, photo_id: uuid.UUID, action: str):
    """Hide a photo from every export (faces, number plates), or show it again."""
    finding = db.get_or_404(Finding, finding_id)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.finding_id != finding.id:
        abort(404)
    if not PhotoVisibilityForm().validate_on_submit():
        abort(400)
    hidden = action == "hide"
    if photo.hidden != hidden:
        db.session.add(FindingChange(
            finding_id=finding.id, by_user_id=current_user.id, field="photo_hidden",
            old_value=f"{photo.id}: {'yes' if photo.hidden else 'no'}",
            new_value=f"{photo.id}: {'yes' if hidden else 'no'}",
        ))
        photo.hidden = hidden
        db.session.commit()
    flash(_("The photo is now hidden from every export.") if hidden
          else _("The photo is shown again."), "success")
    return redirect(url_for("triage.show_finding", finding_id=finding.id) + "#photos")
