"""Photo URLs: the one place that knows the photo routes, for pages, exports and the API."""
from __future__ import annotations

import uuid

from flask import url_for

from walkapp.findings.models import Photo
from walkapp.urls import external_url


def photo_url(photo: Photo | uuid.UUID, thumb: bool = False, external: bool = False) -> str:
    """The URL of a photo or its thumbnail; the one place that knows these routes."""
    photo_id = photo.id if isinstance(photo, Photo) else photo
    endpoint = "photos.thumb" if thumb else "photos.photo"
    values: dict[str, object] = {"photo_id": photo_id}
    if isinstance(photo, Photo) and photo.redacted_at is not None:
        # A blurred photo gets a new URL, so no browser cache (photos are cached for a day)
        # shows the original again.
        values["v"] = photo.sha256[:16]
    return external_url(endpoint, **values) if external else url_for(endpoint, **values)
