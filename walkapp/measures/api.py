"""Measures JSON API: create, list, show, edit and change status (staff, bearer token or cookie)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from walkapp.auth.security import staff_required
from walkapp.dates import date_in_range
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.i18n import date_range_error
from walkapp.measures import queries, services, workflow
from walkapp.measures.models import Measure
from walkapp.orgs import lookups
from walkapp.request_input import json_object

bp = Blueprint("measures_api", __name__, url_prefix="/api/v1")

LIST_LIMIT = 500


def _optional_int(data: dict, key: str, code: str, message: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, code, message)
    return value


def _optional_date(data: dict, key: str) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_date", _("Dates are written YYYY-MM-DD.")) from None
    if not date_in_range(day):
        raise ApiError(400, "invalid_date", date_range_error(key))
    return day


def _text(data: dict, key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"invalid_{key}", _("“%(field)s” must be text.", field=key))
    return value


def _measure_or_404(measure_id: int) -> Measure:
    measure = db.session.get(Measure, measure_id)
    if measure is None:
        raise ApiError(404, "not_found", _("No measure with this id."))
    return measure


@bp.route("/measures", methods=["POST"])
@staff_required
def create_measure():
    """Create a proposed measure for one or more findings."""
    data = json_object()
    ids = data.get("finding_ids")
    if not isinstance(ids, list) or not ids:
        raise ApiError(400, "findings_required", _("Give finding_ids: a list of finding ids."))
    findings, missing = queries.findings_by_ids(ids)
    if missing:
        raise ApiError(400, "unknown_findings", _("Unknown findings: %(ids)s", ids=", ".join(missing)),
                       finding_ids=missing)
    org = None
    if data.get("responsible_org") not in (None, ""):
        org = lookups.find_organisation(data["responsible_org"])
        if org is None:
            raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
    title = data.get("title")
    if not isinstance(title, str):
        raise ApiError(400, "invalid_title", _("Give the measure a title."))
    measure = services.create_measure(
        title=title, findings=findings, by_user=current_user._get_current_object(),
        responsible_org=org, due_on=_optional_date(data, "due_on"),
        cost_estimate_dkk=_optional_int(data, "cost_estimate_dkk", "invalid_cost",
                                        _("The cost estimate must be a whole number of kroner, 0 or more.")),
        description=_text(data, "description"),
    )
    db.session.commit()
    response = jsonify(services.measure_json(measure))
    response.status_code = 201
    response.headers["Location"] = url_for("measures_api.get_measure", measure_id=measure.id)
    return response


@bp.route("/measures", methods=["GET"])
@staff_required
def list_measures():
    """Measures, optionally filtered by ?status= and ?org= (id or exact name)."""
    query = db.select(Measure).options(
        selectinload(Measure.responsible_org), selectinload(Measure.findings),
        selectinload(Measure.history), selectinload(Measure.plan_items),
    )
    status = request.args.get("status", "")
    if status:
        if status not in workflow.STATUSES:
            raise ApiError(400, "invalid_status", _("Unknown status."))
        query = query.where(Measure.status == status)
    org_arg = request.args.get("org", "")
    if org_arg:
        org = lookups.find_organisation(org_arg)
        if org is None:
            raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
        query = query.where(Measure.responsible_org_id == org.id)
    measures = db.session.execute(query.order_by(Measure.id).limit(LIST_LIMIT)).scalars()
    return jsonify({"measures": [services.measure_json(m) for m in measures]})


@bp.route("/measures/<int:measure_id>", methods=["GET"])
@staff_required
def get_measure(measure_id: int):
    """One measure with its findings, plan entries and history."""
    return jsonify(services.measure_json(_measure_or_404(measure_id)))


EDITABLE = ("title", "description", "responsible_org", "due_on", "cost_estimate_dkk", "public_note")


@bp.route("/measures/<int:measure_id>", methods=["PATCH"])
@staff_required
def update_measure(measure_id: int):
    """Edit the given fields (null clears org, due date, cost): 200, 409 stale, 400 bad input."""
    measure = _measure_or_404(measure_id)
    if not services.can_edit_measure(current_user, measure):
        raise ApiError(403, "forbidden",
                       _("Only coordinators and the responsible organisation can edit this measure."))
    data = json_object()
    unknown = sorted(set(data) - {"version", *EDITABLE})
    if unknown:
        # Status goes through /transitions (history, workflow); ids and dates are not editable.
        raise ApiError(400, "unknown_fields",
                       _("These fields cannot be changed here: %(fields)s", fields=", ".join(unknown)),
                       fields=unknown)
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(400, "version_required",
                       _("Give the version of the measure you are changing."))
    changes: dict[str, Any] = {}
    if "title" in data:
        if not isinstance(data["title"], str):
            raise ApiError(400, "invalid_title", _("Give the measure a title."))
        changes["title"] = data["title"]
    if "description" in data:
        changes["description"] = _text(data, "description")
    if "public_note" in data:
        changes["public_note"] = _text(data, "public_note")
    if "responsible_org" in data:
        org = None
        if data["responsible_org"] not in (None, ""):
            org = lookups.find_organisation(data["responsible_org"])
            if org is None:
                raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
        changes["responsible_org"] = org
    if "due_on" in data:
        changes["due_on"] = _optional_date(data, "due_on")
    if "cost_estimate_dkk" in data:
        changes["cost_estimate_dkk"] = _optional_int(
            data, "cost_estimate_dkk", "invalid_cost",
            _("The cost estimate must be a whole number of kroner, 0 or more."))
    services.update_measure(measure, by_user=current_user._get_current_object(),
                            expected_version=version, **changes)
    db.session.commit()
    return jsonify(services.measure_json(measure))


@bp.route("/measures/<int:measure_id>/transitions", methods=["POST"])
@staff_required
def transition(measure_id: int):
    """Change a measure's status: 200, 409 stale version, 422 illegal step, 400 bad plan."""
    measure = _measure_or_404(measure_id)
    if not services.can_change_status(current_user, measure):
        raise ApiError(403, "forbidden",
                       _("Only coordinators and the responsible organisation can change the status."))
    data = json_object()
    to_status = data.get("to")
    if not isinstance(to_status, str) or not to_status:
        raise ApiError(400, "invalid_status", _("Give the new status in “to”."))
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(400, "version_required",
                       _("Give the version of the measure you are changing."))
    estate = None
    if data.get("estate") not in (None, ""):
        estate = lookups.find_estate(data["estate"])
        if estate is None:
            raise ApiError(400, "estate_required", _("Unknown estate."))
    services.change_status(
        measure, to_status=to_status, by_user=current_user._get_current_object(),
        expected_version=version, note=_text(data, "note"),
        plan_year=_optional_int(data, "plan_year", "invalid_plan_year",
                                _("The plan year must be a whole number.")),
        amount_dkk=_optional_int(data, "amount_dkk", "invalid_amount",
                                 _("The amount must be a whole number of kroner, 0 or more.")),
        estate=estate,
    )
    db.session.commit()
    return jsonify(services.measure_json(measure))
