"""The printable overview of possible measures for a walk."""
from __future__ import annotations

from collections import OrderedDict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField
from wtforms.validators import InputRequired

from walkapp.auth.security import planner_required, staff_required
from walkapp.dashboard import figures as dashboard_figures
from walkapp.db import now_utc
from walkapp.exports.queries import SET_ASIDE_STATES, numbers_note
from walkapp.extensions import db
from walkapp.findings import queries as finding_queries
from walkapp.findings.models import Category, Finding
from walkapp.findings.photo_urls import photo_url
from walkapp.findings.route_order import numbers_by_finding, route_stops
from walkapp.followup.svg_map import project_map
from walkapp.i18n import current_language, date_in_range_validator
from walkapp.labels import PARTICIPANT_ROLE_LABELS, profile_group_label
from walkapp.measures import queries as measure_queries
from walkapp.measures import workflow
from walkapp.measures.models import Measure, PlanItem
from walkapp.measures.services import status_label
from walkapp.walks import services as walk_services
from walkapp.walks.models import Walk

bp = Blueprint("report", __name__)


class SentOnForm(FlaskForm):
    """The date the coordinator sent the overview."""

    sent_on = DateField(_l("Sent on"), validators=[InputRequired(message=_l("Enter a date.")),
                                                    date_in_range_validator])


# ---------------------------------------------------------------- grouping


def group_by_category(findings: list[Finding]) -> OrderedDict[Category, list[Finding]]:
    """Problems that still count (not dismissed, not duplicates, not good places) by category,
    in category order."""
    groups: dict[Category, list[Finding]] = {}
    for finding in findings:
        if finding.state in SET_ASIDE_STATES or finding.kind == "good":
            continue
        groups.setdefault(finding.category, []).append(finding)
    return OrderedDict(sorted(groups.items(), key=lambda item: (item[0].sort_order, item[0].code)))


# ---------------------------------------------------------------- views


def _render(walk: Walk, form: SentOnForm, status: int = 200):
    locale = current_language()
    # One numbering for the map and both lists (route order, every finding of the walk):
    # a dismissed or duplicate finding keeps its number, is drawn grey and listed with why.
    stops = route_stops(walk, finding_queries.walk_findings(
        walk, joinedload(Finding.category), selectinload(Finding.photos)))
    numbers = numbers_by_finding(stops)
    findings = [stop.finding for stop in stops]
    kept = [f for f in findings if f.state not in SET_ASIDE_STATES and f.kind != "good"]
    # Listed apart ("Gode steder") and green on the map: places to keep as they are.
    good = [f for f in findings if f.state not in SET_ASIDE_STATES and f.kind == "good"]
    set_aside = [(f, numbers_note(f, numbers)) for f in findings if f.state in SET_ASIDE_STATES]
    measures = measure_queries.walk_measures(
        walk.id, joinedload(Measure.responsible_org),
        selectinload(Measure.plan_items).joinedload(PlanItem.estate), selectinload(Measure.findings))
    by_role = walk_services.participants_by_role(walk)
    route = (walk.route or {}).get("coordinates") or []
    svg = project_map(route, [
        (f.lat, f.lon, {"number": numbers[f.id], "set_aside": f.state in SET_ASIDE_STATES,
                        "good": f.kind == "good"})
        for f in findings
    ])
    plan_items = sorted(
        (item for m in measures for item in m.plan_items),
        key=lambda item: (item.plan_year, item.estate.name, item.id),
    )
    return render_template(
        "walks/report.html", walk=walk, form=form, locale=locale, svg=svg,
        findings=findings, kept=kept, good=good, set_aside=set_aside, numbers=numbers,
        groups=group_by_category(findings),
        numbers_of=lambda m: sorted(numbers[f.id] for f in m.findings if f.id in numbers),
        participants=[(PARTICIPANT_ROLE_LABELS.get(r, r), n) for r, n in sorted(by_role.items())],
        participant_total=sum(by_role.values()),
        profile_groups=dashboard_figures.profile_groups([walk.id]),
        profile_label=profile_group_label, min_group=dashboard_figures.MIN_GROUP,
        proposed=[m for m in measures if m.status == workflow.INITIAL_STATUS],
        agreed=[m for m in measures if m.status in workflow.AGREED_STATUSES],
        closed=[m for m in measures if m.status in workflow.DROPPED_STATUSES],
        plan_items=plan_items, plan_total=sum(item.amount_dkk for item in plan_items),
        status_label=status_label, kind_label=walk_services.kind_label, photo_url=photo_url,
        first_photo=lambda f: next((p for p in f.photos if not p.hidden), None),
    ), status


@bp.route("/walks/<int:walk_id>/report")
@staff_required
def show_report(walk_id: int):
    """The overview of possible measures, on screen and printable (A4)."""
    walk = db.get_or_404(Walk, walk_id)
    today = walk_services.utc_to_local(now_utc()).date()
    form = SentOnForm(data={"sent_on": walk.overview_sent_on or today})
    return _render(walk, form)


@bp.route("/walks/<int:walk_id>/report/sent", methods=["POST"])
@planner_required
def record_sent(walk_id: int):
    """Record the date the coordinator sent the overview (a programme success criterion)."""
    walk = db.get_or_404(Walk, walk_id)
    form = SentOnForm()
    if not form.validate_on_submit():
        return _render(walk, form, 400)
    walk.overview_sent_on = form.sent_on.data
    db.session.commit()
    flash(_("The date the overview was sent has been saved."), "success")
    return redirect(url_for("report.show_report", walk_id=walk.id))
