"""A stored photo or voice note as an HTTP response, for every access-checked view (findings'
photos, the follow-up walk's check photos and voice notes share the storage and these
headers). Callers check access first; nothing here looks at who is asking."""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, send_file

from walkapp.extensions import db
from walkapp.findings.object_store import RangeNotSatisfiable, StorageUnavailable, current_store
from walkapp.findings.storage import photo_name

MAX_AGE = 86400


def _private(response: Response, max_age: int = MAX_AGE) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Private: photos and voices can show or identify people, so shared caches must not keep them.
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response


def _single_range() -> str | None:
    """The request's one byte range as S3 takes it ("bytes=0-99", "bytes=-500"), or None:
    Safari plays a voice note only from 206 answers; several ranges get the whole object."""
    wanted = request.range
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        return None
    if request.if_range.etag or request.if_range.date:  # rare; the whole object is always right
        return None
    start, stop = wanted.ranges[0]
    if start < 0:
        return f"bytes={start}"
    return f"bytes={start}-" + ("" if stop is None else str(stop - 1))


def stored_response(name: str, mime: str) -> Response:
    """The stored bytes under this name: the file itself (local), streamed from the bucket, or,
    with PHOTO_REDIRECT = "presigned", a 302 to a short-lived URL of the object; 404 when the
    bytes are missing, 503 when the storage does not answer."""
    # The access check is done: end the transaction before the possibly slow transfer.
    db.session.commit()
    store = current_store()
    path = store.local_path(name)
    if path is not None:
        if not path.is_file():
            abort(404)
        return _private(send_file(path, mimetype=mime, conditional=True, max_age=MAX_AGE))
    try:
        if current_app.config["PHOTO_REDIRECT"] == "presigned":
            seconds = int(current_app.config["PHOTO_PRESIGN_SECONDS"])
            url = store.presigned_url(name, seconds, mime)
            if url is not None:
                response = redirect(url, 302)
                # The URL expires soon: neither the browser nor a proxy may keep the redirect.
                response.headers["Cache-Control"] = "no-store"
                return response
        stored = store.open(name, _single_range())
    except RangeNotSatisfiable:
        abort(416)
    except StorageUnavailable:
        current_app.logger.exception("Photo storage did not answer")
        abort(503)
    if stored is None:
        abort(404)
    if stored.etag and stored.etag in request.if_none_match:
        stored.close()
        response = Response(status=304)
        response.set_etag(stored.etag)
        return _private(response)
    response = Response(stored.chunks(), mimetype=mime, direct_passthrough=True)
    response.content_length = stored.size
    response.accept_ranges = "bytes"
    if stored.content_range:
        response.status_code = 206
        response.headers["Content-Range"] = stored.content_range
    if stored.etag:
        response.set_etag(stored.etag)
    response.last_modified = stored.modified
    return _private(response)


def photo_file_response(storage_key: str, thumb: bool) -> Response:
    """The JPEG (or its thumbnail) stored under this key; 404 when it is missing."""
    return stored_response(photo_name(storage_key, thumb), "image/jpeg")
