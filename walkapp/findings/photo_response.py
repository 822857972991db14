"""A stored photo file as an HTTP response, for every access-checked photo view (findings'
photos and the follow-up walk's check photos share the storage and these headers)."""
from __future__ import annotations

from flask import abort, current_app, send_file

from walkapp.extensions import db
from walkapp.findings.storage import photo_path, photos_root


def photo_file_response(storage_key: str, thumb: bool):
    """The JPEG (or its thumbnail) stored under this key; 404 when the file is missing."""
    path = photo_path(photos_root(current_app.instance_path), storage_key, thumb=thumb)
    db.session.commit()
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Private: photos can show people and homes, so shared caches must not keep them.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
