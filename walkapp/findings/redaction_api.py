"""Staff blurring areas of a stored photo: POST /api/v1/photos/<id>/redact."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from walkapp.db import reads_only
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.access import current_viewer
from walkapp.findings.api_input import storage_unavailable
from walkapp.findings.images import map_thumbnail_from_thumb
from walkapp.findings.object_store import StorageUnavailable, current_store, discard, save_photo
from walkapp.findings.redaction import MAX_BOXES, InvalidBoxes, parse_boxes, redact_jpeg
from walkapp.findings.redaction_services import apply_redaction, photo_for_redaction
from walkapp.findings.serializers import photo_json
from walkapp.findings.storage import new_storage_key, photo_name
from walkapp.request_input import json_object

bp = Blueprint("redaction_api", __name__, url_prefix="/api/v1")


def _invalid_boxes() -> ApiError:
    return ApiError(400, "invalid_boxes", _(
        "The areas must be a list of 1 to %(max)s boxes [x, y, width, height] inside the photo.",
        max=MAX_BOXES,
    ))


@bp.post("/photos/<photo_id>/redact")
def redact_photo(photo_id: str):
    """Blur boxes of a stored photo for good: new files under a new key, the old ones deleted."""
    # As for uploads: the image work and the file writes happen while no transaction holds
    # SQLite's write lock; the row is changed in a short transaction at the end.
    with reads_only(db.session):
        viewer = current_viewer()
        photo = photo_for_redaction(photo_id, viewer)
        key, width, height = photo.storage_key, photo.width, photo.height
    boxes = json_object().get("boxes")
    try:
        parse_boxes(boxes, width, height)
    except InvalidBoxes:
        raise _invalid_boxes() from None
    store = current_store()
    try:
        data = store.read(photo_name(key))
    except StorageUnavailable:
        raise storage_unavailable() from None
    if data is None:
        raise ApiError(404, "photo_missing", _("The photo's file is missing."))
    try:
        redacted = redact_jpeg(data, boxes)
    except InvalidBoxes:  # the file's size disagrees with the row's
        raise _invalid_boxes() from None
    del data
    new_key = new_storage_key()
    try:
        # The map image too: a follow-up map must show the blurred photo, never the original.
        save_photo(store, new_key, redacted.jpeg, redacted.thumb,
                   map_thumbnail_from_thumb(redacted.thumb))
    except StorageUnavailable:
        raise storage_unavailable() from None
    committed = False
    try:
        photo = photo_for_redaction(photo_id, viewer, lock=True)
        if photo.storage_key != key:
            raise ApiError(409, "conflict", _("Someone else changed the photo meanwhile. Reload the page."))
        old_key = apply_redaction(photo, redacted, new_key, viewer.user)
        body = {**photo_json(photo), "sha256": photo.sha256}
        db.session.commit()
        committed = True
    finally:
        if not committed:
            discard(store, [new_key])
    discard(store, [old_key])
    return jsonify(body)
