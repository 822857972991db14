"""Voice notes: `POST /api/v1/findings/<id>/audio` (multipart `audio`, optional `id` and
`duration_s`) and the access-checked view that plays one (never from static/)."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.errors import ApiError
from walkapp.findings import access
from walkapp.findings.api_input import (
    bad,
    contributable_finding_id,
    store_files_and_record,
    upload_id,
    uploaded_bytes,
)
from walkapp.findings.audio import AudioRejected, CheckedAudio, check_audio, parse_duration
from walkapp.findings.audio_services import add_audio, audio_json, store_audio_file, visible_audio
from walkapp.findings.photo_response import stored_response
from walkapp.findings.storage import audio_name
from walkapp.walks.participants import current_participant

bp = Blueprint("audio", __name__)


def _checked(data: bytes) -> CheckedAudio:
    """The upload as an allowed voice note (400/413/415 with a code otherwise)."""
    if not data:
        raise bad("missing_audio", _("No voice note was sent."))
    try:
        return check_audio(data)
    except AudioRejected as exc:
        message = (_("The voice note is too large (at most 5 MB).") if exc.code == "audio_too_large"
                   else _("This is not a voice note the app can play. Record it again in the app."))
        raise ApiError(exc.status, exc.code, message) from None


def _duration() -> float | None:
    try:
        return parse_duration(request.form.get("duration_s"))
    except ValueError:
        raise bad("invalid_duration", _("The duration must be a number of seconds from 0 to 130.")) from None


@bp.post("/api/v1/findings/<finding_id>/audio")
def add_audio_note(finding_id: str):
    """Attach a voice note: checked by its bytes, written first, then recorded; same bytes → 200."""
    # As for photos: reading the body and writing the file happen while no transaction is open
    # (on SQLite a writing transaction holds the write lock until its commit).
    data = uploaded_bytes("audio")
    finding_key = contributable_finding_id(finding_id)
    audio = _checked(data)
    del data
    audio_id = upload_id()
    duration_s = _duration()

    def record(storage_key: str) -> tuple[dict, bool]:
        finding = access.finding_for_viewer(str(finding_key), access.current_viewer())
        row, created = add_audio(finding, audio, audio_id, duration_s, storage_key)
        return audio_json(row), created

    body, created = store_files_and_record(lambda store: store_audio_file(store, audio), record)
    return jsonify(body), (201 if created else 200)


@bp.get("/audio/<audio_id>")
def audio_file(audio_id: str):
    """A voice note, for staff and for participants of its walk; anything else is the same 404."""
    try:
        key = uuid.UUID(audio_id)
    except ValueError:
        abort(404)
    participant = None if current_user.is_authenticated else current_participant()
    audio = visible_audio(key, current_user.is_authenticated, participant.walk_id if participant else None)
    if audio is None:
        abort(404)
    return stored_response(audio_name(audio.storage_key), audio.mime)
