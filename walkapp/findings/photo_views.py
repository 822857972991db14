"""Photos served by a view that checks access (never from static/)."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort
from flask_login import current_user

from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.findings.photo_response import photo_file_response
from walkapp.walks.participants import current_participant

bp = Blueprint("photos", __name__)


def _visible_photo(photo_id: str) -> Photo:
    """The photo if this browser may see it: staff, or a participant of the photo's walk.
    Everything else (unknown id, other walk, hidden photo) is the same 404."""
    try:
        key = uuid.UUID(photo_id)
    except ValueError:
        abort(404)
    row = db.session.execute(
        db.select(Photo, Finding.walk_id).join(Finding, Photo.finding_id == Finding.id)
        .where(Photo.id == key)
    ).first()
    if row is None:
        abort(404)
    photo, walk_id = row
    if current_user.is_authenticated:
        return photo
    participant = current_participant()
    if participant is None or participant.walk_id != walk_id or photo.hidden:
        abort(404)
    return photo


def _send(photo: Photo, thumb: bool):
    return photo_file_response(photo.storage_key, thumb)


@bp.get("/photos/<photo_id>.jpg")
def photo(photo_id: str):
    """The re-encoded photo (≤ 2048 px), for participants of its walk and for staff."""
    return _send(_visible_photo(photo_id), thumb=False)


@bp.get("/photos/<photo_id>/thumb.jpg")
def thumb(photo_id: str):
    """The thumbnail (≤ 400 px), with the same access check as the photo."""
    return _send(_visible_photo(photo_id), thumb=True)
