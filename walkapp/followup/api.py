"""Follow-up walk API: the checks (verdicts on the previous walk's findings) and their photos,
and the chain of walks on a route. Checks are taken in as findings are (walkapp.findings)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from walkapp.auth.security import staff_required
from walkapp.db import reads_only
from walkapp.extensions import db
from walkapp.findings import access
from walkapp.findings.access import Viewer, current_viewer, not_found, require_viewer
from walkapp.findings.api_input import (
    bad,
    observed_at_field,
    processed_photo,
    store_and_record,
    upload_id,
    uploaded_bytes,
    uuid_field,
)
from walkapp.followup import queries, services
from walkapp.followup.models import CHECK_NOTE_MAX, CHECK_VERDICTS, FindingCheck
from walkapp.followup.serializers import check_json, check_photo_json
from walkapp.request_input import json_object
from walkapp.walks.models import Walk

bp = Blueprint("followup_api", __name__, url_prefix="/api/v1")


def _verdict(value: Any) -> str:
    if value not in CHECK_VERDICTS:
        raise bad("invalid_verdict", _("The verdict must be fixed, still or worse."))
    return value


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad("invalid_note", _("The text must be a string."))
    if len(value) > CHECK_NOTE_MAX:
        raise bad("note_too_long",
                  _("The text is too long (at most %(max)s characters).", max=CHECK_NOTE_MAX))
    return value


def _finding_id(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(value) if isinstance(value, str) else uuid.UUID(int=0)
    except ValueError:
        return uuid.UUID(int=0)  # no finding has it: unknown_finding, like any other stranger


def _check_for_viewer(check_id: str, viewer: Viewer) -> FindingCheck:
    """The check, if it was made on a walk this viewer may see; anything else is 404."""
    require_viewer(viewer)
    try:
        key = uuid.UUID(check_id)
    except ValueError:
        raise not_found() from None
    check = db.session.get(FindingCheck, key)
    if check is None or not (viewer.is_staff or viewer.participant.walk_id == check.walk_id):
        raise not_found()
    return check


@bp.post("/walks/<int:walk_id>/checks")
def create_check(walk_id: int):
    """Store a verdict made on a phone; re-sending it is harmless (same id → same check)."""
    viewer = current_viewer()
    walk = access.walk_for_viewer(walk_id, viewer)
    services.require_follow_up_walk(walk)
    payload = json_object()
    data: dict[str, Any] = {"id": uuid_field(payload.get("id"))}
    data["finding"] = services.checkable_finding(walk, _finding_id(payload.get("finding_id")))
    data["verdict"] = _verdict(payload.get("verdict"))
    data["note"] = _note(payload.get("note"))
    if payload.get("observed_at") is not None:
        data["observed_at"] = observed_at_field(payload["observed_at"])
    check, created = services.create_check(walk, viewer, data)
    body = check_json(check, viewer)
    db.session.commit()
    return jsonify(body), (201 if created else 200)


@bp.get("/walks/<int:walk_id>/checks")
def list_checks(walk_id: int):
    """The checks made on a walk (participants of that walk and staff)."""
    viewer = current_viewer()
    walk = access.walk_for_viewer(walk_id, viewer)
    body = {"checks": [check_json(c, viewer) for c in queries.walk_checks(walk)]}
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/checks/<check_id>/photos")
def add_check_photo(check_id: str):
    """Attach a photo to a check, as a finding's photo: re-encoded, stored, same bytes → 200."""
    # As for findings' photos: the slow parts happen while no transaction holds a lock.
    data = uploaded_bytes("photo")
    with reads_only(db.session):
        viewer = current_viewer()
        check = _check_for_viewer(check_id, viewer)
        services.ensure_can_add_photo(check, viewer)
    image = processed_photo(data)
    del data
    photo_id = upload_id()

    def record(storage_key: str) -> tuple[dict, bool]:
        stored = _check_for_viewer(check_id, viewer)
        photo, created = services.add_check_photo(stored, image, photo_id, storage_key)
        return check_photo_json(photo), created

    body, created = store_and_record(image, record)
    return jsonify(body), (201 if created else 200)


@bp.get("/walks/<int:walk_id>/history")
@staff_required
def walk_history(walk_id: int):
    """The walks on this walk's route (linked by follow-ups either way), oldest first, with
    their findings per category and mean rating."""
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        raise not_found()
    return jsonify({"walks": queries.chain_history(queries.walk_chain(walk))})
