"""Meeting JSON API: a walk's agenda in route order and one decision per finding (staff)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.models import User
from walkapp.auth.security import staff_required
from walkapp.dates import date_in_range
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.findings.services import ensure_problems
from walkapp.followup import decisions
from walkapp.followup.agenda import agenda_json, walk_agenda
from walkapp.i18n import date_range_error
from walkapp.measures.services import measure_json
from walkapp.orgs import lookups
from walkapp.request_input import json_object
from walkapp.walks.models import Walk

bp = Blueprint("meeting_api", __name__, url_prefix="/api/v1")


@bp.get("/walks/<int:walk_id>/agenda")
@staff_required
def agenda(walk_id: int):
    """The walk's findings in route order with their state and decision, and its measures."""
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        raise ApiError(404, "not_found", _("The page was not found."))
    response = jsonify(agenda_json(walk_agenda(walk)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _due_on(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        raise ApiError(400, "invalid_date", _("Dates are written YYYY-MM-DD."))
    if not date_in_range(day):
        raise ApiError(400, "invalid_date", date_range_error("due_on"))
    return day


def _cost(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "invalid_cost",
                       _("The cost estimate must be a whole number of kroner, 0 or more."))
    return value


def _decide_measure(finding: Finding, data: dict[str, Any], user: User) -> tuple[dict[str, Any], int]:
    org = None
    if data.get("responsible_org") not in (None, ""):
        org = lookups.find_organisation(data["responsible_org"])
        if org is None:
            raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
    # create_measure refuses a title that is missing, not text or too long (invalid_title).
    measure = decisions.decide_measure(
        finding, title=data.get("title"), by_user=user, responsible_org=org,
        due_on=_due_on(data.get("due_on")), cost_estimate_dkk=_cost(data.get("cost_estimate_dkk")),
    )
    return measure_json(measure), 201


@bp.post("/findings/<finding_id>/decision")
@staff_required
def decide(finding_id: str):
    """Decide a new or parked finding at the meeting: 201 new measure, 200 otherwise, 409 when
    it was already decided (naming by whom), 400 for an unknown action or another walk's ids."""
    data = json_object()
    action = data.get("action")
    # The original of a duplicate is locked with the finding: two chairs marking A a duplicate
    # of B and B of A at once must not both succeed (a cycle).
    rows = decisions.lock_findings(finding_id, data.get("of") if action == "duplicate" else None)
    finding = decisions.locked(rows, finding_id)
    if finding is None:
        raise ApiError(404, "not_found", _("The page was not found."))
    if action not in decisions.ACTIONS:
        raise ApiError(400, "invalid_action",
                       _("Choose one of: %(actions)s.", actions=", ".join(decisions.ACTIONS)))
    # Before the input is checked: a finding decided meanwhile answers who decided it.
    decisions.ensure_undecided(finding)
    if action in ("measure", "attach"):
        ensure_problems([finding])  # 400 good_place before the rest of the input is read
    user = current_user._get_current_object()
    status = 200
    if action == "measure":
        body, status = _decide_measure(finding, data, user)
    elif action == "attach":
        measure = decisions.meeting_measure(finding, data.get("measure_id"))
        if measure is None:
            raise ApiError(400, "unknown_measure",
                           _("Choose a measure decided for another finding of this walk."))
        body = measure_json(decisions.attach_to_measure(finding, measure, user))
    else:
        if action == "duplicate":
            original = decisions.locked(rows, data.get("of"))
            if original is None or original.walk_id != finding.walk_id:
                raise ApiError(400, "unknown_finding", _("Choose a finding of this walk."))
            decisions.decide_duplicate(finding, original, user)
        elif action == "dismiss":
            reason = data.get("reason")
            decisions.decide_dismiss(finding, reason if isinstance(reason, str) else "", user)
        else:
            decisions.decide_park(finding, user)
        body = {"finding_id": str(finding.id), "state": finding.state,
                "duplicate_of": str(finding.duplicate_of_id) if finding.duplicate_of_id else None,
                "dismiss_reason": finding.dismiss_reason}
    db.session.commit()
    return jsonify(body), status
