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
    return external_url(endpoint, photo_id=photo_id) if external else url_for(endpoint, photo_id=photo_id)
