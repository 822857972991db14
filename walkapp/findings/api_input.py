"""What the capture API endpoints share (findings, and the follow-up walk's checks): who is
asking, ids and phone timestamps from a body, and a photo upload taken in and stored.
Not a view module: the API modules of several packages import it."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _

from walkapp.dates import phone_time
from walkapp.db import reads_only
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings import access, services
from walkapp.findings.images import ImageRejected, ProcessedImage, process_upload
from walkapp.findings.object_store import PhotoStore, StorageUnavailable, current_store


def bad(code: str, message: str) -> ApiError:
    """A 400 with a stable code."""
    return ApiError(400, code, message)


def uuid_field(value: Any) -> uuid.UUID:
    """A UUID sent by the phone (400 `invalid_id` otherwise)."""
    if not isinstance(value, str):
        raise bad("invalid_id", _("The id must be a UUID."))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise bad("invalid_id", _("The id must be a UUID.")) from None


def observed_at_field(value: Any) -> tuple[datetime | None, str]:
    """(UTC instant or None when it has none, the string as sent) of the phone's timestamp.
    Only a value that is no timestamp at all is refused; a wrong clock is the service's to judge."""
    message = _("The time must be an ISO 8601 timestamp with an offset.")
    if not isinstance(value, str):
        raise bad("invalid_observed_at", message)
    try:
        return phone_time(value), value
    except ValueError:
        raise bad("invalid_observed_at", message) from None


def uploaded_bytes(field: str) -> bytes:
    """The bytes of the multipart file `field` (empty when none was sent). The upload is closed
    at once: a large one is spooled to a temporary file, which would otherwise stay open until
    garbage collection when the upload is refused."""
    upload = request.files.get(field)
    if upload is None:
        return b""
    with upload.stream:
        return upload.read()


def upload_id() -> uuid.UUID | None:
    """The phone's id of an upload (form field `id`), so a re-sent upload is recognised."""
    return uuid_field(request.form["id"]) if request.form.get("id") else None


def contributable_finding_id(finding_id: str) -> uuid.UUID:
    """The finding's id if this viewer may add a photo or voice note to it. Read in a read-only
    transaction: on SQLite a writing one would hold the write lock through the slow upload work
    that follows."""
    with reads_only(db.session):
        viewer = access.current_viewer()
        finding = access.finding_for_viewer(finding_id, viewer)
        access.ensure_can_contribute(finding, viewer)
        return finding.id


def processed_photo(data: bytes) -> ProcessedImage:
    """The upload decoded, re-encoded and thumbnailed (400/413/415 with a code otherwise)."""
    if not data:
        raise bad("missing_photo", _("No photo was sent."))
    try:
        return process_upload(data, max_pixels=current_app.config["PHOTO_MAX_PIXELS"])
    except ImageRejected as exc:
        raise ApiError(exc.status, exc.code, image_message(exc.code)) from None


def store_and_record(image: ProcessedImage, record: Callable[[str], tuple[dict, bool]]) -> tuple[dict, bool]:
    """Write the photo's files (no transaction open), then `record(storage_key)` → (answer, new)
    and commit; the files are removed again when the row is not new or never committed."""
    return store_files_and_record(lambda store: services.store_photo_files(store, image), record)


def storage_unavailable() -> ApiError:
    """503 `storage_unavailable`: the photo storage refused the bytes; nothing was recorded."""
    return ApiError(503, "storage_unavailable", _(
        "The photo storage is not available right now. The app sends it again later."))


def store_files_and_record(
    write: Callable[[PhotoStore], str], record: Callable[[str], tuple[dict, bool]],
) -> tuple[dict, bool]:
    """`write(store)` → storage key (no transaction open; photos and voice notes), then
    `record(storage_key)` → (answer, new) and commit; the files are removed again when the row
    is not new or never committed."""
    store = current_store()
    try:
        storage_key = write(store)
    except StorageUnavailable:
        current_app.logger.exception("Photo storage refused an upload")
        raise storage_unavailable() from None
    kept = False
    try:
        body, created = record(storage_key)
        db.session.commit()
        kept = created
    finally:
        if not kept:  # the same photo was already there, or the row never made it
            services.remove_photo_files(store, [storage_key])
    return body, created


def image_message(code: str) -> str:
    """The words for an image the pipeline refused."""
    return {
        "unsupported_image": _("This file type is not supported. Send a JPEG, PNG, WebP or HEIC photo."),
        "image_too_large": _("The photo has too many pixels (at most about 40 megapixels)."),
    }.get(code, _("The photo could not be read. It may be damaged or incomplete."))
