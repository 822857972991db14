"""A walk's follow-up page and its meeting as a calendar file."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from walkapp.auth.queries import user_names
from walkapp.auth.security import staff_required
from walkapp.dates import LOCAL_TZ, to_local
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.followup import queries as followup_queries
from walkapp.i18n import show_date
from walkapp.measures import ics, queries, services
from walkapp.measures.downloads import ics_response
from walkapp.measures.models import Measure, StatusChange
from walkapp.urls import external_url, public_host
from walkapp.walks.models import Walk

bp = Blueprint("followup", __name__)

# The length written into the follow-up meeting's calendar entry.
FOLLOW_UP_MINUTES = 60


@bp.route("/walks/<int:walk_id>/follow-up")
@staff_required
def follow_up(walk_id: int):
    """A walk's follow-up: date, its measures and every status change since the walk."""
    walk = db.get_or_404(Walk, walk_id)
    measures = queries.walk_measures(
        walk.id, selectinload(Measure.responsible_org), selectinload(Measure.findings))
    changes = []
    if measures:
        changes = list(db.session.execute(
            db.select(StatusChange)
            .where(StatusChange.measure_id.in_([m.id for m in measures]),
                   StatusChange.at > walk.starts_at)
            .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        ).scalars())
    by_id = {m.id: m for m in measures}
    return render_template(
        "measures/follow_up.html", walk=walk, measures=measures, changes=changes, by_id=by_id,
        user_names=user_names({c.by_user_id for c in changes}),
        status_label=services.status_label, is_overdue=queries.is_overdue,
        still_unsafe=followup_queries.still_unsafe(by_id),
    )


@bp.route("/walks/<int:walk_id>/follow-up.ics")
@staff_required
def follow_up_ics(walk_id: int):
    """The follow-up meeting as a calendar event: one hour at its Copenhagen time, or the
    whole day when only the date is agreed (never a time nobody chose)."""
    walk = db.get_or_404(Walk, walk_id)
    if walk.follow_up_on is None:
        raise ApiError(404, "no_follow_up_date", _("The walk has no follow-up date yet."))
    event = {
        "uid": f"walk-{walk.id}-follow-up@{public_host()}",
        "summary": _("Follow-up meeting: %(title)s", title=walk.title),
        "description": _("Follow-up on the measures from the walk on %(date)s.",
                         date=show_date(to_local(walk.starts_at).date())),
        "url": external_url("followup.follow_up", walk_id=walk.id),
        "stamp": datetime.now(UTC),
    }
    if walk.follow_up_time is None:
        body = ics.all_day_event(day=walk.follow_up_on, **event)
    else:
        start = datetime.combine(walk.follow_up_on, walk.follow_up_time, tzinfo=LOCAL_TZ)
        body = ics.timed_event(start=start, minutes=FOLLOW_UP_MINUTES, **event)
    return ics_response(body, f"walk-{walk.id}-follow-up.ics")
