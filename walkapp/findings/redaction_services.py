"""Staff redaction of stored photos: who may, which photo a re-sent original is, the row update.

The files are written by the caller before the transaction (as for uploads) and the old ones
deleted after the commit; these functions only read and change rows and flush().
"""
from __future__ import annotations

import uuid

from flask_babel import gettext as _

from walkapp.db import now_utc
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.access import Viewer, not_found, require_viewer
from walkapp.findings.history import record_change
from walkapp.findings.models import Finding, Photo
from walkapp.findings.redaction import RedactedImage

REDACTED_FIELD = "photo_redacted"


def photo_for_redaction(photo_id: str, viewer: Viewer, lock: bool = False) -> Photo:
    """The photo if this viewer may redact it (staff only). A participant gets 403 for a photo
    of their own walk they can see, and the same 404 as for an unknown id otherwise."""
    require_viewer(viewer)
    try:
        key = uuid.UUID(str(photo_id))
    except ValueError:
        raise not_found() from None
    stmt = db.select(Photo, Finding.walk_id).join(Finding, Photo.finding_id == Finding.id) \
        .where(Photo.id == key).execution_options(populate_existing=True)
    if lock and db.engine.dialect.name == "postgresql":
        # Two staff redacting the same photo at once: the second waits and sees the first's key.
        stmt = stmt.with_for_update(of=Photo)
    row = db.session.execute(stmt).first()
    if row is None:
        raise not_found()
    photo, walk_id = row
    if viewer.is_staff:
        return photo
    if viewer.participant.walk_id != walk_id or photo.hidden:
        raise not_found()
    raise ApiError(403, "forbidden", _("Only staff can blur photos."))


def redacted_photo_for_upload(
    finding_id: uuid.UUID, sha256: str, photo_id: uuid.UUID | None
) -> Photo | None:
    """The redacted photo an upload is a re-send of (same photo id, or the same finding and the
    original's hash), or None. Such an upload must never bring the original back."""
    match = Photo.original_sha256 == sha256
    if photo_id is not None:
        match = match | (Photo.id == photo_id)
    return db.session.execute(
        db.select(Photo).where(Photo.finding_id == finding_id, Photo.redacted_at.is_not(None), match)
    ).scalars().first()


def apply_redaction(photo: Photo, image: RedactedImage, storage_key: str, by_user) -> str:
    """Point the photo at its blurred files (already written under storage_key) and record who
    blurred it in the finding's history; returns the old storage key, whose files the caller
    deletes after the commit. The original's hash is kept from the first redaction only."""
    old_key = photo.storage_key
    if photo.original_sha256 is None:
        photo.original_sha256 = photo.sha256
    photo.storage_key = storage_key
    photo.sha256 = image.sha256
    photo.width, photo.height = image.width, image.height
    photo.size_bytes = len(image.jpeg)
    photo.redacted_at = now_utc()
    record_change(photo.finding, by_user, REDACTED_FIELD, "", str(photo.id)[:8])
    db.session.flush()
    return old_key
