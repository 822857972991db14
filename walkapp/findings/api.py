"""Capture API: findings and photos (JSON, GeoJSON, multipart)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import geojson
from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _

from walkapp.db import reads_only
from walkapp.extensions import db
from walkapp.findings import access, queries, services
from walkapp.findings.access import Viewer, current_viewer
from walkapp.findings.api_input import bad as _bad
from walkapp.findings.api_input import (
    contributable_finding_id,
    processed_photo,
    store_and_record,
    upload_id,
    uploaded_bytes,
)
from walkapp.findings.api_input import observed_at_field as _observed_at
from walkapp.findings.api_input import uuid_field as _uuid
from walkapp.findings.models import (
    DESCRIPTION_MAX,
    FINDING_KINDS,
    LOCATION_SOURCES,
    LOCATION_TEXT_MAX,
    Finding,
)
from walkapp.findings.object_store import current_store
from walkapp.findings.redaction_services import redacted_photo_for_upload
from walkapp.findings.serializers import feature_collection, finding_json, photo_json
from walkapp.geo import valid_lat_lon
from walkapp.i18n import PARTICIPANT_LANGUAGES, current_language
from walkapp.measures.recurrence import earlier_with_status
from walkapp.request_input import json_object

bp = Blueprint("findings_api", __name__, url_prefix="/api/v1")

# Generous: a GPS fix indoors can be off by kilometres, but not by more than the planet.
ACCURACY_MAX_M = 100_000


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _clean_position(payload: dict[str, Any]) -> dict[str, Any]:
    lat, lon = payload.get("lat"), payload.get("lon")
    if not (_number(lat) and _number(lon) and valid_lat_lon(float(lat), float(lon))):
        raise _bad("invalid_coordinates", _("The position is not a valid latitude and longitude."))
    return {"lat": float(lat), "lon": float(lon)}


def _clean_accuracy(payload: dict[str, Any]) -> dict[str, Any]:
    accuracy = payload.get("accuracy_m")
    if accuracy is not None and not (_number(accuracy) and 0 <= accuracy <= ACCURACY_MAX_M):
        raise _bad("invalid_accuracy", _("The accuracy must be a number of metres or null."))
    return {"accuracy_m": None if accuracy is None else float(accuracy)}


def _clean_location_source(payload: dict[str, Any]) -> dict[str, Any]:
    source = payload.get("location_source", "gps")
    if source not in LOCATION_SOURCES:
        raise _bad("invalid_location_source", _("The location source must be gps, map, photo, route_point or text."))
    return {"location_source": source}


def _clean_location_text(payload: dict[str, Any]) -> dict[str, Any]:
    # A finding placed "by a few words" has only the words to find it by: they are required.
    text = payload.get("location_text")
    text = "" if text is None else text
    if not isinstance(text, str):
        raise _bad("invalid_location_text", _("The place description must be a string."))
    text = text.strip()
    if len(text) > LOCATION_TEXT_MAX:
        raise _bad(
            "location_text_too_long",
            _("The place description is too long (at most %(max)s characters).", max=LOCATION_TEXT_MAX),
        )
    if not text and payload.get("location_source") == "text":
        raise _bad("location_text_required", _("Describe the place in a few words."))
    return {"location_text": text}


def _clean_category(payload: dict[str, Any]) -> dict[str, Any]:
    code = payload.get("category")
    category = services.category_by_code(code) if isinstance(code, str) else None
    if category is None:
        raise _bad("unknown_category", _("The category is not known."))
    return {"category": category}


def _clean_rating(payload: dict[str, Any]) -> dict[str, Any]:
    rating = payload.get("rating")
    if rating is not None and not (
        isinstance(rating, int) and not isinstance(rating, bool) and 0 <= rating <= 3
    ):
        raise _bad("invalid_rating", _("The rating must be 0, 1, 2, 3 or empty."))
    return {"rating": rating}


def _clean_description(payload: dict[str, Any]) -> dict[str, Any]:
    description = payload.get("description")
    description = "" if description is None else description
    if not isinstance(description, str):
        raise _bad("invalid_description", _("The text must be a string."))
    if len(description) > DESCRIPTION_MAX:
        raise _bad(
            "description_too_long",
            _("The text is too long (at most %(max)s characters).", max=DESCRIPTION_MAX),
        )
    return {"description": description}


def _clean_kind(payload: dict[str, Any]) -> dict[str, Any]:
    kind = payload.get("kind", "problem")
    if kind not in FINDING_KINDS:
        raise _bad("invalid_kind", _("The kind must be problem or good."))
    return {"kind": kind}


def _clean_language(payload: dict[str, Any]) -> dict[str, Any]:
    # The page's language when the text was typed (kept as typed, so staff know what it is in);
    # an older phone sends none: the language this request is answered in.
    language = payload.get("language")
    if language is None:
        return {"language": current_language()}
    if language not in PARTICIPANT_LANGUAGES:
        raise _bad("invalid_language", _("The language must be one of %(codes)s.",
                                         codes=", ".join(PARTICIPANT_LANGUAGES)))
    return {"language": language}


# (fields, validator of those fields in a payload → their clean values). The order is the
# order of the checks, so a payload with several bad fields always gets the same error.
_FIELD_VALIDATORS: tuple[tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]], ...] = (
    (("lat", "lon"), _clean_position),
    (("accuracy_m",), _clean_accuracy),
    (("location_source",), _clean_location_source),
    (("location_text",), _clean_location_text),
    (("category",), _clean_category),
    (("rating",), _clean_rating),
    (("description",), _clean_description),
    (("kind",), _clean_kind),
    (("language",), _clean_language),
)


def _clean_fields(payload: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Validated values for the given fields present in the payload (400 with a code otherwise)."""
    clean: dict[str, Any] = {}
    for names, validate in _FIELD_VALIDATORS:
        if any(name in fields for name in names):
            clean.update(validate(payload))
    return clean


def _finding_body(finding: Finding, viewer: Viewer) -> dict[str, Any]:
    """The finding's JSON with the same-kind findings near it, on its walk and on earlier walks."""
    earlier = earlier_with_status([finding.id]).get(finding.id)
    return finding_json(finding, viewer, services.nearby_ids([finding])[finding.id], earlier)


@bp.post("/walks/<int:walk_id>/findings")
def create_finding(walk_id: int):
    """Store a finding made on a phone; re-sending it is harmless (same id → same finding)."""
    viewer = current_viewer()
    walk = access.walk_for_viewer(walk_id, viewer)
    payload = json_object()
    data = {"id": _uuid(payload.get("id"))}
    data.update(_clean_fields(payload, (
        "lat", "lon", "accuracy_m", "location_source", "location_text", "category", "rating", "description",
        "language",
    )))
    data.update(_clean_fields(payload, ("kind",)))
    if payload.get("observed_at") is not None:
        data["observed_at"] = _observed_at(payload["observed_at"])
    finding, created = services.create_finding(walk, viewer, data)
    db.session.commit()
    # The answer (nearby findings: the walk's every finding) is read after the commit, so the
    # write lock is held for the insert only.
    with reads_only(db.session):
        body = _finding_body(finding, viewer)
    return jsonify(body), (201 if created else 200)


@bp.get("/walks/<int:walk_id>/findings", endpoint="walk_findings")
def list_findings(walk_id: int):
    """The walk's findings as a GeoJSON FeatureCollection."""
    viewer = current_viewer()
    walk = access.walk_for_viewer(walk_id, viewer)
    findings = queries.walk_findings_with_photos(walk)
    nearby = services.nearby_ids(findings, findings)
    earlier = earlier_with_status(db.select(Finding.id).where(Finding.walk_id == walk.id))
    collection = feature_collection(findings, viewer, nearby, earlier)
    db.session.commit()
    response = Response(geojson.dumps(collection), mimetype="application/geo+json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.patch("/findings/<finding_id>")
def update_finding(finding_id: str):
    """Correct one's own finding (coordinators may correct any)."""
    viewer = current_viewer()
    finding = access.finding_for_viewer(finding_id, viewer)
    access.ensure_can_edit(finding, viewer)
    payload = json_object()
    wanted = tuple(f for f in services.EDITABLE_FIELDS if f in payload)
    if ("lat" in payload) != ("lon" in payload):
        raise _bad("invalid_coordinates", _("Send both latitude and longitude."))
    changes = _clean_fields(payload, wanted)
    services.update_finding(finding, viewer, changes)
    body = _finding_body(finding, viewer)
    db.session.commit()
    return jsonify(body)


@bp.delete("/findings/<finding_id>")
def delete_finding(finding_id: str):
    """Delete one's own finding with its photos."""
    viewer = current_viewer()
    finding = access.finding_for_viewer(finding_id, viewer)
    access.ensure_can_edit(finding, viewer)
    keys = services.delete_finding(finding)
    db.session.commit()
    services.remove_photo_files(current_store(), keys)
    return "", 204


@bp.post("/findings/<finding_id>/additions")
def add_to_finding(finding_id: str):
    """"Samme sted": add my text and rating to another person's finding at the same spot, once."""
    viewer = current_viewer()
    finding = access.finding_for_viewer(finding_id, viewer)
    access.ensure_can_contribute(finding, viewer)
    payload = json_object()
    addition_id = _uuid(payload.get("id"))
    clean = _clean_fields(payload, ("description", "rating"))
    services.add_to_finding(finding, viewer, addition_id, clean["description"], clean["rating"])
    body = _finding_body(finding, viewer)
    db.session.commit()
    return jsonify(body)


@bp.post("/findings/<finding_id>/photos")
def add_photo(finding_id: str):
    """Attach a photo: decoded, re-encoded and written first, then recorded; same bytes → 200."""
    # On SQLite a writing request's transaction holds the write lock from its first query to
    # its commit, so the slow parts (reading the body, the image work, writing and fsyncing the
    # files) happen while no transaction is open.
    data = uploaded_bytes("photo")
    finding_key = contributable_finding_id(finding_id)
    image = processed_photo(data)
    del data
    photo_id = upload_id()
    with reads_only(db.session):
        redacted = redacted_photo_for_upload(finding_key, image.sha256, photo_id)
        if redacted is not None:
            # A phone's outbox re-sending the original of a photo staff blurred since: the
            # blurred photo answers, and the original is never written anywhere.
            return jsonify(photo_json(redacted)), 200

    def record(storage_key: str) -> tuple[dict, bool]:
        finding = access.finding_for_viewer(str(finding_key), current_viewer())
        photo, created = services.add_photo(finding, image, photo_id, storage_key)
        return photo_json(photo), created

    body, created = store_and_record(image, record)
    return jsonify(body), (201 if created else 200)
