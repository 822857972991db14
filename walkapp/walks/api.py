"""Walks JSON API: create, show and list walks."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.security import planner_required, staff_required
from walkapp.dates import date_in_range, local_to_utc
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings import queries as finding_queries
from walkapp.geo import valid_lat_lon
from walkapp.i18n import date_range_error
from walkapp.orgs.areas import area_for_new
from walkapp.request_input import json_object
from walkapp.urls import external_url
from walkapp.walks import services
from walkapp.walks.links import join_url
from walkapp.walks.models import WALK_KINDS, Walk
from walkapp.walks.routes import RouteError, extract_line, too_large, validate_line

bp = Blueprint("walks_api", __name__, url_prefix="/api/v1")


def walk_json(walk: Walk, participants: int | None = None, findings: int | None = None) -> dict:
    """The API representation of a walk."""
    data = {
        "id": walk.id,
        "area": {"id": walk.area.id, "name": walk.area.name},
        "kind": walk.kind,
        "title": walk.title,
        "starts_at": walk.starts_at.isoformat(),
        "meeting_point": walk.meeting_point,
        "meeting_lat": walk.meeting_lat,
        "meeting_lon": walk.meeting_lon,
        "route": walk.route,
        "status": walk.status,
        "join_code": walk.join_code,
        "join_url": join_url(walk.join_code),
        "follow_up_on": walk.follow_up_on.isoformat() if walk.follow_up_on else None,
        # The walk this one follows up (opfølgningsvandring), or null.
        "previous_walk_id": walk.previous_walk_id,
        "follow_up_time": walk.follow_up_time.strftime("%H:%M") if walk.follow_up_time else None,
        "estates": [{"id": e.id, "name": e.name} for e in walk.estates],
        "notes": walk.notes,
        "url": external_url("walks.show_walk", walk_id=walk.id),
    }
    if participants is not None:
        data["participant_count"] = participants
    if findings is not None:
        data["finding_count"] = findings
    return data


def _bad(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def _route_error(error: RouteError) -> ApiError:
    return _bad(error.code, _(error.message, **error.params))


def _text(body: dict, key: str, max_length: int, code: str, required: bool = False) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise _bad(code, _("%(field)s must be text of at most %(max)s characters.", field=key, max=max_length))
    return value


def _starts_at(value: Any) -> datetime:
    try:
        if not isinstance(value, str):
            raise ValueError
        # fromisoformat accepts "Z" and offsets from Python 3.11; naive means Copenhagen time.
        starts_at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(
            "invalid_starts_at",
            _("starts_at must be an ISO 8601 date and time, e.g. 2026-11-24T18:30:00+01:00."),
        ) from None
    if not date_in_range(starts_at):
        raise _bad("invalid_starts_at", date_range_error("starts_at"))
    return local_to_utc(starts_at)


def _route(value: Any) -> dict | None:
    if value is None:
        return None
    try:
        return validate_line(extract_line(value), current_app.config["ROUTE_MAX_POINTS"])
    except RouteError as error:
        raise _route_error(error) from None


def _meeting_location(body: dict) -> tuple[float | None, float | None]:
    lat, lon = body.get("meeting_lat"), body.get("meeting_lon")
    if lat is None and lon is None:
        return None, None
    if not valid_lat_lon(lat, lon):
        raise _bad("invalid_meeting_location", _("meeting_lat and meeting_lon must be a valid WGS84 position."))
    return float(lat), float(lon)


def _follow_up_on(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        follow_up_on = date.fromisoformat(value)
    except ValueError:
        raise _bad("invalid_follow_up_on", _("follow_up_on must be a date, e.g. 2027-05-25.")) from None
    if not date_in_range(follow_up_on):
        raise _bad("invalid_follow_up_on", date_range_error("follow_up_on"))
    return follow_up_on


_HH_MM = re.compile(r"[0-9]{2}:[0-9]{2}")


def _follow_up_time(value: Any, follow_up_on: date | None) -> time | None:
    """"HH:MM" (Copenhagen time) of the follow-up meeting; only together with its date."""
    if value is None or value == "":
        return None
    try:
        # Exactly "HH:MM": fromisoformat alone also takes "1730" and "17.30".
        if not isinstance(value, str) or not _HH_MM.fullmatch(value):
            raise ValueError
        meeting_time = time.fromisoformat(value)
    except ValueError:
        raise _bad("invalid_follow_up_time", _("follow_up_time must be a time HH:MM, e.g. 17:30.")) from None
    if follow_up_on is None:
        raise _bad("invalid_follow_up_time", _("follow_up_time needs follow_up_on (the date)."))
    return meeting_time


def _estates(value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad("invalid_estate", _("estates must be a list of estate ids or names."))
    return services.find_estates(value)


def parse_walk_body(body: Any) -> services.WalkData:
    """Validate a walk's JSON body; every problem is a 400 with a stable code."""
    if not isinstance(body, dict):
        raise _bad("invalid_json", _("The request body must be a JSON object."))
    kind = body.get("kind", "walk")
    if kind not in WALK_KINDS:
        raise _bad("invalid_kind", _("kind must be \"walk\" or \"inspection\"."))
    title = _text(body, "title", 200, "invalid_title", required=True)
    starts_at = _starts_at(body.get("starts_at"))
    meeting_point = _text(body, "meeting_point", 300, "invalid_meeting_point")
    lat, lon = _meeting_location(body)
    route = _route(body.get("route"))
    follow_up_on = _follow_up_on(body.get("follow_up_on"))
    return services.WalkData(
        kind=kind,
        title=title,
        starts_at=starts_at,
        meeting_point=meeting_point,
        meeting_lat=lat,
        meeting_lon=lon,
        route=route,
        estates=_estates(body.get("estates")),
        follow_up_on=follow_up_on,
        follow_up_time=_follow_up_time(body.get("follow_up_time"), follow_up_on),
        notes=_text(body, "notes", 10000, "invalid_notes"),
    )


@bp.post("/walks")
@planner_required
def create_walk():
    """Create a walk (coordinators and admins) → 201 with its join code and link."""
    max_bytes = current_app.config["ROUTE_MAX_BYTES"]
    # Only a route can make a walk this large; refuse before parsing a huge body.
    if request.content_length is not None and request.content_length > max_bytes:
        raise _route_error(too_large(max_bytes))
    body = json_object()
    data = parse_walk_body(body)
    # Required only of a planner whose organisation works in several areas.
    data.area = area_for_new(body.get("area"))
    walk = services.create_walk(data, created_by_id=current_user.id)
    db.session.commit()
    return _created(walk)


def _created(walk: Walk):
    """201 with a new walk's JSON and its URL."""
    response = jsonify(walk_json(walk, participants=0, findings=0))
    response.status_code = 201
    response.headers["Location"] = url_for("walks_api.get_walk", walk_id=walk.id)
    return response


@bp.get("/walks/<int:walk_id>")
@staff_required
def get_walk(walk_id: int):
    """One walk with its participant and finding counts."""
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        raise ApiError(404, "not_found", _("The walk was not found."))
    participants = services.participant_counts([walk.id]).get(walk.id, 0)
    findings = finding_queries.finding_counts([walk.id]).get(walk.id, 0)
    return jsonify(walk_json(walk, participants=participants, findings=findings))


@bp.get("/walks")
@staff_required
def list_walks():
    """All walks, newest start first."""
    walks = db.session.execute(
        db.select(Walk).order_by(Walk.starts_at.desc(), Walk.id.desc())
    ).scalars().all()
    ids = [w.id for w in walks]
    participants = services.participant_counts(ids)
    findings = finding_queries.finding_counts(ids)
    return jsonify({
        "walks": [
            walk_json(w, participants=participants.get(w.id, 0), findings=findings.get(w.id, 0))
            for w in walks
        ]
    })


@bp.post("/walks/<int:walk_id>/follow-up-walk")
@staff_required
def create_follow_up_walk(walk_id: int):
    """Plan the follow-up walk of a walk (same route, meeting point and estates) → 201."""
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        raise ApiError(404, "not_found", _("The walk was not found."))
    body = json_object()
    starts_at = _starts_at(body.get("starts_at"))
    title = _text(body, "title", 200, "invalid_title")
    follow_up = services.plan_follow_up_walk(
        walk, starts_at, title.strip() or services.default_follow_up_title(walk),
        created_by_id=current_user.id,
    )
    db.session.commit()
    return _created(follow_up)
