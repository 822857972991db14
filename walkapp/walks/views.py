"""Walk pages: list, plan (create/edit), show, status changes, invitation and QR code."""
from __future__ import annotations

import io
import json

import segno
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from walkapp.auth.security import planner_required, staff_required
from walkapp.errors import ApiError
from walkapp.exports.queries import SET_ASIDE_STATES, numbers_note
from walkapp.extensions import db
from walkapp.findings import queries as finding_queries
from walkapp.findings.models import Category, Finding
from walkapp.findings.route_order import numbers_by_finding, route_stops
from walkapp.followup import queries as followup_queries
from walkapp.i18n import current_language
from walkapp.labels import PARTICIPANT_ROLE_LABELS, WALK_STATUS_REASON_LABELS, label
from walkapp.orgs.areas import area_for_new, visible_areas
from walkapp.orgs.models import Estate, Organisation
from walkapp.urls import qr_code
from walkapp.walks import services
from walkapp.walks.follow_up_form import FollowUpWalkForm
from walkapp.walks.forms import WalkForm
from walkapp.walks.links import join_url
from walkapp.walks.models import Walk

bp = Blueprint("walks", __name__)


# Labels of the status buttons, by (from, to).
STATUS_ACTIONS = {
    ("planned", "active"): _l("Start the walk"),
    ("active", "closed"): _l("Close the walk"),
    ("closed", "active"): _l("Reopen the walk"),
}
# The walks list's sections, in the order they are read.
WALK_LIST_GROUPS = (
    ("active", _l("Walks under way")),
    ("planned", _l("Planned walks")),
    ("closed", _l("Closed walks")),
)


def grouped_code(code: str) -> str:
    """ABCD-EFGH-JKLMN: easier to read aloud; the join form ignores the dashes."""
    groups = [code[i:i + 4] for i in range(0, len(code), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        last = groups.pop()
        groups[-1] += last
    return "-".join(groups)


def join_qr_code(walk: Walk) -> segno.QRCode:
    """QR code of the walk's join link."""
    return qr_code(join_url(walk.join_code))


def _get_walk(walk_id: int) -> Walk:
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        abort(404)
    return walk


def _estate_choices() -> list[SelectChoice]:
    estates = db.session.execute(
        db.select(Estate).join(Organisation).order_by(Estate.name, Organisation.name)
    ).scalars()
    return [SelectChoice(e.id, f"{e.name} ({e.organisation.name})") for e in estates]


def _walk_data(form: WalkForm) -> services.WalkData:
    lat, lon = form.meeting_location
    estates = [db.session.get(Estate, estate_id) for estate_id in form.estates.data or []]
    return services.WalkData(
        kind=form.kind.data,
        title=form.title.data,
        starts_at=form.starts_at.data,
        meeting_point=form.meeting_point.data or "",
        meeting_lat=lat,
        meeting_lon=lon,
        route=form.route_geometry,
        estates=[e for e in estates if e is not None],
        follow_up_on=form.follow_up_on.data,
        follow_up_time=form.follow_up_time.data,
        notes=form.notes.data or "",
    )


def _render_form(form: WalkForm, walk: Walk | None):
    status = 400 if form.errors else 200
    return render_template("walks/form.html", form=form, walk=walk), status


@bp.route("/walks")
@staff_required
def list_walks():
    """All walks and inspections by status: under way, planned (soonest first), closed (newest first)."""
    walks = db.session.execute(db.select(Walk).order_by(Walk.starts_at, Walk.id)).scalars().all()
    groups = {
        status: [w for w in walks if w.status == status] for status, _heading in WALK_LIST_GROUPS
    }
    # What is going on now or lately comes first; what is coming is read soonest first.
    groups["active"].reverse()
    groups["closed"].reverse()
    ids = [w.id for w in walks]
    return render_template(
        "walks/list.html",
        groups=[(status, heading, groups[status]) for status, heading in WALK_LIST_GROUPS],
        walk_total=len(walks),
        participants=services.participant_counts(ids),
        findings=finding_queries.finding_counts(ids),
        kind_label=services.kind_label,
        status_label=services.status_label,
    )


@bp.route("/walks/new", methods=["GET", "POST"])
@planner_required
def new_walk():
    """Plan a new walk or inspection."""
    form = WalkForm()
    form.estates.choices = _estate_choices()
    form.area.choices = [SelectChoice(area.id, area.name) for area in visible_areas()]
    if form.validate_on_submit():
        data = _walk_data(form)
        data.area = area_for_new(form.area.data if len(form.area.choices) > 1 else None)
        walk = services.create_walk(data, created_by_id=current_user.id)
        db.session.commit()
        flash(_("The walk has been created."), "success")
        return redirect(url_for("walks.show_walk", walk_id=walk.id))
    return _render_form(form, None)


@bp.route("/walks/<int:walk_id>/edit", methods=["GET", "POST"])
@planner_required
def edit_walk(walk_id: int):
    """Edit a walk's facts and route; a bad route file leaves the walk as it was."""
    walk = _get_walk(walk_id)
    form = WalkForm()
    form.estates.choices = _estate_choices()
    if request.method == "GET":
        form.kind.data = walk.kind
        form.title.data = walk.title
        form.starts_at.data = services.utc_to_local(walk.starts_at)
        form.meeting_point.data = walk.meeting_point
        form.meeting_lat.data = "" if walk.meeting_lat is None else repr(walk.meeting_lat)
        form.meeting_lon.data = "" if walk.meeting_lon is None else repr(walk.meeting_lon)
        form.estates.data = [e.id for e in walk.estates]
        form.follow_up_on.data = walk.follow_up_on
        form.follow_up_time.data = walk.follow_up_time
        form.notes.data = walk.notes
        form.route.data = json.dumps(walk.route) if walk.route else ""
    elif form.validate_on_submit():
        services.update_walk(walk, _walk_data(form))
        db.session.commit()
        flash(_("The walk has been saved."), "success")
        return redirect(url_for("walks.show_walk", walk_id=walk.id))
    return _render_form(form, walk)


def map_findings(walk: Walk, findings: list[Finding], locale: str) -> list[dict]:
    """The walk map's points in route order with their numbers on the walk; a dismissed or
    duplicate finding is marked set aside (drawn grey) with why ("Afvist: …", "Dublet af #…")."""
    stops = route_stops(walk, findings)
    numbers = numbers_by_finding(stops)
    points = []
    for stop in stops:
        f = stop.finding
        points.append({
            "number": stop.number,
            "lat": f.lat,
            "lon": f.lon,
            "rating": f.rating,
            "category": f.category.name(locale),
            "description": (f.description or "")[:200],
            "set_aside": f.state in SET_ASIDE_STATES,
            "good": f.kind == "good",
            "note": numbers_note(f, numbers),
        })
    return points


@bp.route("/walks/<int:walk_id>")
@staff_required
def show_walk(walk_id: int):
    """The walk: route map, facts, join link and QR code, participants and finding counts."""
    walk = _get_walk(walk_id)
    findings = finding_queries.walk_findings_for_map(walk)
    locale = current_language()
    map_data = {
        "route": walk.route,
        "meeting": (
            {"lat": walk.meeting_lat, "lon": walk.meeting_lon, "label": walk.meeting_point}
            if walk.meeting_lat is not None else None
        ),
        "findings": map_findings(walk, findings, locale),
        "labels": {"meeting": _("Meeting point")},
    }
    by_role = services.participants_by_role(walk)
    return render_template(
        "walks/show.html",
        walk=walk,
        map_data=map_data,
        join_url=join_url(walk.join_code),
        join_code=grouped_code(walk.join_code),
        qr_svg=join_qr_code(walk).svg_inline(scale=4, border=2, omitsize=True, svgclass="qr"),
        participants_by_role=[(PARTICIPANT_ROLE_LABELS.get(r, r), n) for r, n in sorted(by_role.items())],
        role_labels=PARTICIPANT_ROLE_LABELS,
        finding_total=len(findings),
        findings_by_category=finding_queries.findings_by_category(walk, locale),
        status_actions=[
            (to, STATUS_ACTIONS[(walk.status, to)]) for to in services.next_statuses(walk)
        ],
        kind_label=services.kind_label,
        status_label=services.status_label,
        follow_up_walk=_follow_up_walk_block(walk),
        status_history=_status_history_rows(walk),
    )


def _status_history_rows(walk: Walk) -> list[dict]:
    """The walk's status history as the walk page lists it: when, from → to, by whom, why."""
    rows = []
    for change, user, participant in services.status_history(walk):
        if user is not None:
            by = user.name or user.email
        elif participant is not None:
            role = label(PARTICIPANT_ROLE_LABELS, participant.role)
            by = f"{participant.display_name} ({role})" if participant.display_name else role
        else:
            by = ""
        rows.append({
            "at": change.at,
            "from": services.status_label(change.from_status) if change.from_status else "",
            "to": services.status_label(change.to_status),
            "by": by,
            "reason": label(WALK_STATUS_REASON_LABELS, change.reason) if change.reason else "",
        })
    return rows


@bp.route("/walks/<int:walk_id>/status", methods=["POST"])
@planner_required
def change_status(walk_id: int):
    """Start, close or reopen a walk (POST buttons on the walk page)."""
    walk = _get_walk(walk_id)
    to_status = request.form.get("status", "")
    try:
        services.change_walk_status(walk, to_status, by_user=current_user)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("walks.show_walk", walk_id=walk_id))
    db.session.commit()
    flash(_("The walk is now: %(status)s.", status=services.status_label(walk.status)), "success")
    return redirect(url_for("walks.show_walk", walk_id=walk_id))


@bp.route("/walks/<int:walk_id>/invitation")
@staff_required
def invitation(walk_id: int):
    """A printable A4 invitation with the time, the meeting point and a big QR code."""
    walk = _get_walk(walk_id)
    return render_template(
        "walks/invitation.html",
        walk=walk,
        join_url=join_url(walk.join_code),
        join_code=grouped_code(walk.join_code),
        qr_svg=join_qr_code(walk).svg_inline(scale=10, border=2, omitsize=True, svgclass="qr"),
        kind_label=services.kind_label,
    )


@bp.route("/walks/<int:walk_id>/qr.svg")
@staff_required
def qr_svg(walk_id: int):
    """The join QR code as an SVG file, e.g. for a poster or a newsletter."""
    walk = _get_walk(walk_id)
    buffer = io.BytesIO()
    join_qr_code(walk).save(buffer, kind="svg", scale=10, border=4, title=walk.title[:100])
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'inline; filename="walk-{walk.id}-qr.svg"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- follow-up walk


def _follow_up_walk_block(walk: Walk) -> dict:
    """What the walk page's follow-up walk block shows: the walks it follows up and is followed
    up by, the planning form (title prefilled, or as refused) and the route's walks side by side."""
    # A refused form comes from plan_follow_up_walk, which renders the page through show_walk.
    form = g.get("follow_up_form")
    if form is None:
        form = FollowUpWalkForm(formdata=None)
        form.follow_up_title.data = services.default_follow_up_title(walk)
    chain = followup_queries.walk_chain(walk)
    history = followup_queries.chain_history(chain) if len(chain) > 1 else []
    codes = sorted({code for row in history for code in row["counts"]})
    locale = current_language()
    names = {c.code: c.name(locale) for c in db.session.execute(
        db.select(Category).where(Category.code.in_(codes))).scalars()} if codes else {}
    return {
        "previous": walk.previous_walk,
        "next": services.follow_up_walks(walk),
        "form": form,
        "history": history,
        "walks": {w.id: w for w in chain},
        "categories": [(code, names.get(code, code)) for code in codes],
    }


@bp.route("/walks/<int:walk_id>/follow-up-walk", methods=["POST"])
@staff_required
def plan_follow_up_walk(walk_id: int):
    """"Planlæg opfølgningsvandring": a new walk on the same route, then its page."""
    walk = _get_walk(walk_id)
    form = FollowUpWalkForm()
    if not form.validate_on_submit():
        g.follow_up_form = form
        return show_walk(walk.id), 400
    follow_up = services.plan_follow_up_walk(
        walk, form.follow_up_starts_at.data, form.follow_up_title.data, created_by_id=current_user.id
    )
    db.session.commit()
    flash(_("The follow-up walk has been planned."), "success")
    return redirect(url_for("walks.show_walk", walk_id=follow_up.id))

