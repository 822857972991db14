"""The follow-up walk's check photos, served by a view that checks access (never from static/)."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort
from flask_login import current_user

from walkapp.extensions import db
from walkapp.findings.photo_response import photo_file_response
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.walks.participants import current_participant

bp = Blueprint("check_photos", __name__)


def _visible_photo(photo_id: str) -> CheckPhoto:
    """The photo if this browser may see it: staff, or a participant of the follow-up walk it
    was taken on. Everything else (unknown id, other walk) is the same 404."""
    try:
        key = uuid.UUID(photo_id)
    except ValueError:
        abort(404)
    row = db.session.execute(
        db.select(CheckPhoto, FindingCheck.walk_id)
        .join(FindingCheck, CheckPhoto.check_id == FindingCheck.id).where(CheckPhoto.id == key)
    ).first()
    if row is None:
        abort(404)
    photo, walk_id = row
    if not current_user.is_authenticated:
        participant = current_participant()
        if participant is None or participant.walk_id != walk_id:
            abort(404)
    return photo


@bp.get("/check-photos/<photo_id>.jpg")
def photo(photo_id: str):
    """A check's re-encoded photo, for participants of its walk and for staff."""
    return photo_file_response(_visible_photo(photo_id).storage_key, thumb=False)


@bp.get("/check-photos/<photo_id>/thumb.jpg")
def thumb(photo_id: str):
    """A check photo's thumbnail, with the same access check as the photo."""
    return photo_file_response(_visible_photo(photo_id).storage_key, thumb=True)
