"""Open311 GeoReport v2 feed of findings under /open311/v2/ (read-only).

Each finding is a service request; its category code is the service_code. The feed needs a
staff login or bearer token unless OPEN311_PUBLIC is true, because findings can point at
crime spots. Participant names never appear. Errors use the specification's shape:
JSON `[{"code": 400, "description": "…"}]`, XML `<errors><error><code>…`.
"""
from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from walkapp.dates import LOCAL_TZ, shifted
from walkapp.errors import ApiError
from walkapp.exports.escaping import xml_text
from walkapp.exports.geojson_export import iso8601
from walkapp.exports.queries import ExportFinding, closed_condition, is_closed, load_export_findings
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.findings.photo_urls import photo_url
from walkapp.labels import MEASURE_STATUS_LABELS, label_in
from walkapp.orgs.area_scope import unscope_request
from walkapp.urls import external_url
from walkapp.walks.models import Walk

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_RANGE = timedelta(days=90)
MAX_RESULTS = 1000
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


class Open311Error(Exception):
    """An error answered in the specification's shape."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _format() -> str:
    """json or xml from the URL's suffix (json when unknown, e.g. for a 404 on the suffix)."""
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in FORMATS else "json"


def _xml_response(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, mimetype="text/xml")


def _add(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    else:
        child.text = xml_text(value)


def error_response(code: int, description: str) -> Response:
    if _format() == "xml":
        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        _add(error, "code", code)
        _add(error, "description", description)
        return _xml_response(root, code)
    response = current_app.response_class(
        json.dumps([{"code": code, "description": description}]), status=code, mimetype="application/json"
    )
    return response


@bp.errorhandler(Open311Error)
def handle_open311_error(exc: Open311Error):
    return error_response(exc.code, exc.description)


@bp.errorhandler(ApiError)
def handle_api_error(exc: ApiError):
    # e.g. an invalid bearer token, refused before the view runs.
    return error_response(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def handle_http_error(exc: HTTPException):
    return error_response(exc.code or 500, exc.description or "")


@bp.before_request
def require_staff_unless_public():
    """Findings can be sensitive: a staff login or token unless the feed is made public."""
    if current_user.is_authenticated:
        return  # a staff member's own areas
    if not current_app.config.get("OPEN311_PUBLIC"):
        raise Open311Error(401, _("A staff API token is required."))
    # Made public by the operator: every area's findings, one area with jurisdiction_id.
    unscope_request()


def _jurisdiction() -> list[Any]:
    """`jurisdiction_id` (an area's id) narrows the feed to that area (Open311's own name for
    whose requests these are)."""
    raw = request.args.get("jurisdiction_id", "").strip()
    if not raw:
        return []
    if not (raw.isascii() and raw.isdigit()):
        raise Open311Error(400, _("jurisdiction_id must be an area's number."))
    return [Finding.walk_id.in_(db.select(Walk.id).where(Walk.area_id == int(raw)))]


def _render(fmt: str, items: list[dict[str, Any]], root_tag: str, item_tag: str) -> Response:
    if fmt not in FORMATS:
        raise Open311Error(404, _("Unknown format."))
    if fmt == "json":
        return current_app.response_class(
            json.dumps(items, ensure_ascii=False), mimetype="application/json"
        )
    root = ET.Element(root_tag)
    for item in items:
        element = ET.SubElement(root, item_tag)
        for key, value in item.items():
            _add(element, key, value)
    return _xml_response(root)


@bp.route("/discovery.<fmt>")
def discovery(fmt: str):
    """Where the endpoint is and what it speaks."""
    if fmt not in FORMATS:
        raise Open311Error(404, _("Unknown format."))
    base = external_url("open311.services", fmt="json").rsplit("/", 1)[0] + "/"
    updated = "2026-11-29T00:00:00+01:00"
    data = {
        "changeset": updated,
        "contact": "",
        "key_service": "",
        "endpoints": [{
            "specification": SPEC_URL, "url": base, "changeset": updated, "type": "production",
            "formats": list(FORMATS.values()),
        }],
    }
    if fmt == "json":
        return current_app.response_class(json.dumps(data, ensure_ascii=False), mimetype="application/json")
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        _add(root, key, data[key])
    endpoints = ET.SubElement(root, "endpoints")
    endpoint = ET.SubElement(endpoints, "endpoint")
    for key in ("specification", "url", "changeset", "type"):
        _add(endpoint, key, data["endpoints"][0][key])
    formats = ET.SubElement(endpoint, "formats")
    for mimetype in FORMATS.values():
        _add(formats, "format", mimetype)
    return _xml_response(root)


@bp.route("/services.<fmt>")
def services(fmt: str):
    """The finding categories as Open311 services."""
    categories = db.session.execute(
        db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.code)
    ).scalars()
    items = [
        {"service_code": c.code, "service_name": c.name_da, "description": c.name_en,
         "metadata": False, "type": "realtime", "keywords": "", "group": ""}
        for c in categories
    ]
    return _render(fmt, items, "services", "service")


def _parse_datetime(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+") if "T" in raw else raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s is not a valid ISO 8601 date.", name=name)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise Open311Error(400, _("%(name)s is not a valid ISO 8601 date.", name=name)) from None


def _date_range() -> tuple[datetime, datetime]:
    """start_date/end_date: at most 90 days apart; default the last 90 days (up to the end of
    the calendar when one of them lies within 90 days of year 1 or 9999)."""
    start, end = _parse_datetime("start_date"), _parse_datetime("end_date")
    if start is None and end is None:
        end = datetime.now(UTC)
    if end is None:
        end = shifted(start, MAX_RANGE) or datetime.max.replace(tzinfo=UTC)
    if start is None:
        start = shifted(end, -MAX_RANGE) or datetime.min.replace(tzinfo=UTC)
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > MAX_RANGE:
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
    return start, end


def _expected(due: date | None) -> str | None:
    return iso8601(datetime.combine(due, time(0, 0), LOCAL_TZ)) if due else None


def request_item(item: ExportFinding) -> dict[str, Any]:
    """One finding as a service request (no participant data)."""
    finding = item.finding
    closed = is_closed(item)
    notes = [f"{m.title}: {label_in(MEASURE_STATUS_LABELS, m.status, 'da')}" for m in item.measures]
    if finding.state == "dismissed":
        notes.insert(0, _("Dismissed: %(reason)s", reason=finding.dismiss_reason).strip().rstrip(":"))
    agencies = dict.fromkeys(m.responsible_org.name for m in item.measures if m.responsible_org)
    updated = max([finding.updated_at, *(m.updated_at for m in item.measures)])
    due_dates = [m.due_on for m in item.measures if m.due_on]
    photo = item.photos[0] if item.photos else None
    return {
        "service_request_id": str(finding.id),
        "status": "closed" if closed else "open",
        "status_notes": "; ".join(notes),
        "service_name": finding.category.name_da,
        "service_code": finding.category.code,
        "description": finding.description,
        "agency_responsible": "; ".join(agencies),
        "service_notice": "",
        "address": "",
        "address_id": "",
        "zipcode": "",
        "requested_datetime": iso8601(finding.observed_at),
        "updated_datetime": iso8601(updated),
        "expected_datetime": _expected(min(due_dates)) if due_dates else None,
        "lat": finding.lat,
        "long": finding.lon,
        "media_url": photo_url(photo, external=True) if photo else None,
    }


def _uuid_list(raw: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(v.strip()) for v in raw.split(",") if v.strip()]
    except ValueError:
        raise Open311Error(400, _("service_request_id is not valid.")) from None


@bp.route("/requests.<fmt>")
def requests(fmt: str):
    """Service requests (findings) by id, or by category, date range and status."""
    if fmt not in FORMATS:
        raise Open311Error(404, _("Unknown format."))
    if request.args.get("service_request_id"):
        # The specification: with ids given, all other parameters are ignored.
        items = load_export_findings(Finding.id.in_(_uuid_list(request.args["service_request_id"])),
                                     *_jurisdiction())
    else:
        status = request.args.get("status", "").strip()
        statuses = {s.strip() for s in status.split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        start, end = _date_range()
        criteria: list[Any] = [Finding.observed_at >= start, Finding.observed_at <= end, *_jurisdiction()]
        codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
        if codes:
            criteria.append(Finding.category_id.in_(db.select(Category.id).where(Category.code.in_(codes))))
        if statuses == {"open"}:
            criteria.append(~closed_condition())
        elif statuses == {"closed"}:
            criteria.append(closed_condition())
        # The newest MAX_RESULTS, chosen by the database.
        newest = (db.select(Finding.id).where(*criteria)
                  .order_by(Finding.observed_at.desc(), Finding.id).limit(MAX_RESULTS))
        items = load_export_findings(Finding.id.in_(newest))
        items.reverse()
    return _render(fmt, [request_item(i) for i in items], "service_requests", "request")


@bp.route("/requests/<request_id>.<fmt>")
def single_request(request_id: str, fmt: str):
    """One service request, as a list of one (the specification's shape)."""
    if fmt not in FORMATS:
        raise Open311Error(404, _("Unknown format."))
    try:
        finding_id = uuid.UUID(request_id)
    except ValueError:
        raise Open311Error(404, _("No such service request.")) from None
    items = load_export_findings(Finding.id == finding_id)
    if not items:
        raise Open311Error(404, _("No such service request."))
    return _render(fmt, [request_item(items[0])], "service_requests", "request")
