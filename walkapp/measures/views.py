"""Measure pages, follow-up per walk (with .ics downloads) and the 10-year plan."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from walkapp.auth.queries import user_names
from walkapp.auth.security import staff_required
from walkapp.dates import local_today
from walkapp.errors import ApiError
from walkapp.exports.plan_export import plan_workbook
from walkapp.exports.tabular import XLSX_MIMETYPE
from walkapp.extensions import db
from walkapp.findings.services import ensure_problems
from walkapp.followup import queries as followup_queries
from walkapp.followup.verdicts import verdict_rows
from walkapp.i18n import current_language
from walkapp.measures import ics, plan, queries, services, workflow
from walkapp.measures.downloads import ics_response
from walkapp.measures.forms import MeasureEditForm, MeasureForm, TransitionForm, show_error_at_field
from walkapp.measures.models import Measure
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.models import Estate, Organisation
from walkapp.urls import external_url, public_host

bp = Blueprint("measures", __name__)

PER_PAGE = 50


def _org_choices() -> list[tuple[Any, str]]:
    orgs = db.session.execute(db.select(Organisation).where(organisation_in_scope()).order_by(Organisation.name)).scalars()
    return [("", _("— none yet —"))] + [(org.id, org.name) for org in orgs]


def _estate_choices() -> list[tuple[Any, str]]:
    estates = db.session.execute(
        db.select(Estate).options(selectinload(Estate.organisation)).order_by(Estate.name)
    ).scalars()
    return [("", _("— choose —"))] + [(e.id, f"{e.name} ({e.organisation.name})") for e in estates]


# ---------------------------------------------------------------- list and create


@bp.route("/measures")
@staff_required
def list_measures():
    """All measures, filtered by status, responsible organisation and overdue."""
    status = request.args.get("status", "")
    org_id = request.args.get("org", type=int)
    overdue = request.args.get("overdue") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    today = local_today()
    query = queries.filter_measures(status, org_id, overdue, today).options(
        selectinload(Measure.responsible_org))
    if status not in workflow.STATUSES:
        status = ""
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    measures = db.session.execute(
        query.order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).scalars().all()
    return render_template(
        "measures/list.html", measures=measures, total=total, page=page, per_page=PER_PAGE,
        filters={"status": status, "org": org_id or "", "overdue": overdue},
        organisations=_org_choices()[1:], statuses=workflow.STATUSES,
        status_label=services.status_label, is_overdue=queries.is_overdue, today=today,
    )


@bp.route("/measures/new", methods=["GET", "POST"])
@staff_required
def new_measure():
    """Create a measure for the findings named in ?finding=<uuid>&finding=…."""
    findings, missing = queries.findings_by_ids(request.values.getlist("finding"))
    if missing:
        raise ApiError(400, "unknown_findings",
                       _("Some of the chosen findings do not exist: %(ids)s", ids=", ".join(missing)))
    if not findings:
        flash(_("Choose one or more findings in the finding list first."), "error")
        return redirect(url_for("triage.list_findings"))
    ensure_problems(findings)
    form = MeasureForm()
    form.responsible_org.choices = _org_choices()
    if request.method == "GET" and len(findings) == 1 and not form.title.data:
        form.title.data = findings[0].category.name(current_language())
    if request.method == "GET":
        # The triage bulk form hands over its organisation and due date when it has no title.
        org_arg = request.args.get("responsible_org", type=int)
        if org_arg and db.session.get(Organisation, org_arg) is not None:
            form.responsible_org.data = org_arg
        try:
            form.due_on.data = date.fromisoformat(request.args.get("due_on", ""))
        except ValueError:
            pass
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.responsible_org.data) if form.responsible_org.data else None
        measure = services.create_measure(
            title=form.title.data, findings=findings, by_user=current_user._get_current_object(),
            responsible_org=org, due_on=form.due_on.data,
            cost_estimate_dkk=form.cost_estimate_dkk.data, description=form.description.data or "",
        )
        db.session.commit()
        flash(_("The measure has been created."), "success")
        return redirect(url_for("measures.show_measure", measure_id=measure.id))
    status = 400 if request.method == "POST" else 200
    return render_template("measures/new.html", form=form, findings=findings), status


# ---------------------------------------------------------------- detail and status


def _render_detail(measure: Measure, form: TransitionForm | None = None, status: int = 200,
                   problem: str | None = None):
    may_change = services.can_change_status(current_user, measure)
    if form is None:
        form = TransitionForm(formdata=None)
        # The plan amount starts as the measure's cost estimate; a form sent back keeps what
        # the user typed (or cleared).
        form.amount_dkk.data = measure.cost_estimate_dkk
    form.estate.choices = _estate_choices()
    form.version.data = str(measure.version)
    if form.estate.data is None:
        estates = {f.estate_id for f in measure.findings if f.estate_id}
        form.estate.data = estates.pop() if len(estates) == 1 else None
    first, last = queries.plan_year_range()
    names = user_names({c.by_user_id for c in measure.history})
    return render_template(
        "measures/show.html", measure=measure, form=form, may_change=may_change,
        may_edit=services.can_edit_measure(current_user, measure),
        may_reopen=services.is_planner(current_user),
        next_statuses=workflow.next_statuses(measure.status),
        reopen_statuses=workflow.reopen_statuses(measure.status),
        status_label=services.status_label,
        overdue=queries.is_overdue(measure), user_names=names, problem=problem,
        first_year=first, last_year=last,
        verdicts=verdict_rows(followup_queries.measure_checks(measure)),
        still_unsafe=bool(followup_queries.still_unsafe([measure.id])),
    ), status


@bp.route("/measures/<int:measure_id>")
@staff_required
def show_measure(measure_id: int):
    """A measure: findings, status with the allowed next steps, plan entries and history."""
    return _render_detail(db.get_or_404(Measure, measure_id))


@bp.route("/measures/<int:measure_id>/status", methods=["POST"])
@staff_required
def change_status(measure_id: int):
    """Apply one status step; a stale page gets 409 with the current state shown."""
    measure = db.get_or_404(Measure, measure_id)
    if not services.can_change_status(current_user, measure):
        raise ApiError(403, "forbidden",
                       _("Only coordinators and the responsible organisation can change the status."))
    form = TransitionForm()
    form.estate.choices = _estate_choices()
    to_status = form.to.data or ""
    if not form.validate_on_submit() or not form.version.data.isdigit():
        if to_status == "in_plan":
            _show_plan_errors(form)
        return _render_detail(measure, form, 400, _("Please correct the errors below."))
    estate = db.session.get(Estate, form.estate.data) if form.estate.data else None
    # A final step is confirmed on a page of its own first (works without JavaScript). Only a
    # step that would be taken now: a stale page or an illegal step gets its refusal instead.
    if (workflow.needs_confirmation(to_status) and form.confirm.data != "1"
            and workflow.is_allowed(measure.status, to_status)
            and int(form.version.data) == measure.version):
        return render_template("measures/confirm.html", measure=measure, form=form,
                               to_status=to_status, status_label=services.status_label)
    try:
        services.change_status(
            measure, to_status=to_status, by_user=current_user._get_current_object(),
            expected_version=int(form.version.data), note=form.note.data or "",
            plan_year=form.plan_year.data, amount_dkk=form.amount_dkk.data, estate=estate,
        )
    except ApiError as exc:
        return _refused(exc, measure_id, form, lambda measure, exc: _render_detail(
            measure, form, exc.status, exc.message))
    db.session.commit()
    flash(_("Status changed to “%(status)s”.", status=services.status_label(measure.status)),
          "success")
    return redirect(url_for("measures.show_measure", measure_id=measure.id))


def _show_plan_errors(form: TransitionForm) -> None:
    """Next to the form's own errors (e.g. a year that is not a number), every other problem
    with the plan fields, so one submit tells the user everything to fix."""
    estate = db.session.get(Estate, form.estate.data) if form.estate.data else None
    for name, (_code, message) in services.plan_errors(
            estate, form.plan_year.data, form.amount_dkk.data).items():
        if not form[name].errors:
            form[name].errors = [*form[name].errors, message]


def _refused(exc: ApiError, measure_id: int, form, render_form):
    """A refused status change or edit changes nothing: roll back, then either show the fresh
    measure (409: someone saved first, the user decides again against the current version) or
    the form again with the error at its field, rendered by `render_form(measure, exc)`."""
    db.session.rollback()
    measure = db.get_or_404(Measure, measure_id)
    if exc.status == 409:
        return _render_detail(measure, None, 409, exc.message)
    show_error_at_field(form, exc)
    return render_form(measure, exc)


@bp.route("/measures/<int:measure_id>/due.ics")
@staff_required
def measure_due_ics(measure_id: int):
    """The measure's due date as a calendar event."""
    measure = db.get_or_404(Measure, measure_id)
    if measure.due_on is None:
        raise ApiError(404, "no_due_date", _("This measure has no due date."))
    body = ics.all_day_event(
        uid=f"measure-{measure.id}-due@{public_host()}",
        day=measure.due_on,
        summary=_("Due: %(title)s", title=measure.title),
        description=measure.description or "",
        url=external_url("measures.show_measure", measure_id=measure.id),
        stamp=datetime.now(UTC),
    )
    return ics_response(body, f"measure-{measure.id}-due.ics")


# ---------------------------------------------------------------- 10-year plan


@bp.route("/plan")
@staff_required
def show_plan():
    """The 10-year plan entries grouped by estate and year, with sums."""
    estate_id = request.args.get("estate", type=int)
    rows = plan.plan_rows(estate_id=estate_id)
    return render_template(
        "measures/plan.html", groups=plan.group_plan(rows), total=sum(r.amount_dkk for r in rows),
        estates=_estate_choices()[1:], estate_id=estate_id or "",
        status_label=services.status_label,
    )


@bp.route("/plan.xlsx")
@staff_required
def plan_xlsx():
    """The 10-year plan as a spreadsheet."""
    rows = plan.plan_rows(estate_id=request.args.get("estate", type=int))
    headers = [_("Estate"), _("Housing organisation"), _("Plan year"), _("Measure"),
               _("Status"), _("Amount (DKK)"), _("Note")]
    body = plan_workbook(rows, headers, sheet_title=_("10-year plan"),
                              status_label=services.status_label)
    return Response(body, mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": 'attachment; filename="10-aarsplan.xlsx"'})


# ---------------------------------------------------------------- edit


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
            "public_note": measure.public_note,
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
            public_note=form.public_note.data or "",
        )
    except ApiError as exc:
        return _refused(exc, measure_id, form, lambda measure, exc: (render_template(
            "measures/edit.html", form=form, measure=measure, problem=exc.message), exc.status))
    db.session.commit()
    flash(_("The measure has been saved."), "success")
    return redirect(url_for("measures.show_measure", measure_id=measure.id))
