"""Photos served by a view that checks access (never from static/)."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.findings.storage import photo_path, photos_root
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
    path = photo_path(photos_root(current_app.instance_path), photo.storage_key, thumb=thumb)
    db.session.commit()
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Private: photos can show people and homes, so shared caches must not keep them.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/photos/<photo_id>.jpg")
def photo(photo_id: str):
    """The re-encoded photo (≤ 2048 px), for participants of its walk and for staff."""
    return _send(_visible_photo(photo_id), thumb=False)


@bp.get("/photos/<photo_id>/thumb.jpg")
def thumb(photo_id: str):
    """The thumbnail (≤ 400 px), with the same access check as the photo."""
    return _send(_visible_photo(photo_id), thumb=True)
