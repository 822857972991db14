"""The edit page of a measure (title, description, responsible organisation, due date, cost)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.security import staff_required
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.measures import services
from walkapp.measures.forms import MeasureEditForm
from walkapp.measures.models import Measure
from walkapp.measures.views import _org_choices, _render_detail, bp
from walkapp.orgs.models import Organisation


def _forbid_edit(measure: Measure) -> None:
    if not services.can_edit_measure(current_user, measure):
        raise ApiError(403, "forbidden", _(
            "Only coordinators and the responsible organisation can edit this measure."))


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_measure(measure_id: int):
    """Edit title, description, responsible organisation, due date and cost estimate."""
    measure = db.get_or_404(Measure, measure_id)
    _forbid_edit(measure)
    if request.method == "GET":
        form = MeasureEditForm(data={
            "title": measure.title, "description": measure.description,
            "responsible_org": measure.responsible_org_id, "due_on": measure.due_on,
            "cost_estimate_dkk": measure.cost_estimate_dkk, "version": str(measure.version),
        })
    else:
        form = MeasureEditForm()
    form.responsible_org.choices = _org_choices()
    if request.method == "GET":
        return render_template("measures/edit.html", form=form, measure=measure)
    if not form.validate_on_submit() or not (form.version.data or "").isdigit():
        return render_template("measures/edit.html", form=form, measure=measure), 400
    org = db.session.get(Organisation, form.responsible_org.data) if form.responsible_org.data else None
    try:
        services.update_measure(
            measure, by_user=current_user._get_current_object(),
            expected_version=int(form.version.data), title=form.title.data,
            description=form.description.data or "", responsible_org=org,
            due_on=form.due_on.data, cost_estimate_dkk=form.cost_estimate_dkk.data,
        )
    except ApiError as exc:
        db.session.rollback()
        measure = db.get_or_404(Measure, measure_id)
        if exc.status == 409:
            # Someone saved first: show the measure as it is now; the user edits again from it.
            return _render_detail(measure, None, 409, exc.message)
        field = {"invalid_title": form.title, "invalid_description": form.description,
                 "invalid_cost": form.cost_estimate_dkk, "invalid_date": form.due_on}.get(exc.code)
        if field is not None:
            field.errors = [*field.errors, exc.message]
        return render_template("measures/edit.html", form=form, measure=measure,
                               problem=exc.message), exc.status
    db.session.commit()
    flash(_("The measure has been saved."), "success")
    return redirect(url_for("measures.show_measure", measure_id=measure.id))
