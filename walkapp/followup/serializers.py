"""JSON shapes of the follow-up walk's checks and their photos, and the URLs of those photos."""
from __future__ import annotations

import uuid
from typing import Any

from flask import url_for

from walkapp.findings.access import Viewer
from walkapp.findings.serializers import iso, photo_json
from walkapp.followup.models import CheckPhoto, FindingCheck


def check_photo_url(photo: CheckPhoto | uuid.UUID, thumb: bool = False) -> str:
    """The URL of a check's photo or its thumbnail; the one place that knows these routes."""
    photo_id = photo.id if isinstance(photo, CheckPhoto) else photo
    return url_for("check_photos.thumb" if thumb else "check_photos.photo", photo_id=photo_id)


def check_photo_json(photo: CheckPhoto) -> dict[str, Any]:
    """{id, url, thumb_url, width, height} of one check photo (as a finding's photo)."""
    return photo_json(photo, url=check_photo_url)


def check_json(check: FindingCheck, viewer: Viewer) -> dict[str, Any]:
    """A check as the capture page and the outbox see it."""
    return {
        "id": str(check.id),
        "walk_id": check.walk_id,
        "finding_id": str(check.finding_id),
        "verdict": check.verdict,
        "note": check.note,
        "observed_at": iso(check.observed_at),
        # Set when the phone's clock was not believed (observed_at is then the receive time).
        "phone_observed_at": check.phone_observed_at,
        "created_at": iso(check.created_at),
        # Viewer.owns reads user_id and participant_id, which a check has as a finding does.
        "mine": viewer.owns(check),
        "photos": [check_photo_json(p) for p in check.photos],
    }
