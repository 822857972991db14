"""Voice-note services: the file written to photo storage first, then the row, idempotently on
the bytes (the same recording sent again is the same voice note). flush(), never commit()."""
from __future__ import annotations

import uuid

from flask import url_for

from walkapp.extensions import db
from walkapp.findings.audio import CheckedAudio
from walkapp.findings.models import Audio, Finding
from walkapp.findings.object_store import PhotoStore
from walkapp.findings.services import insert_photo_row
from walkapp.findings.storage import audio_name, new_storage_key


def store_audio_file(store: PhotoStore, audio: CheckedAudio) -> str:
    """Write the voice note under a new storage key (no database work, so callers do it before
    their transaction takes a lock); the key is returned."""
    storage_key = new_storage_key()
    store.put(audio_name(storage_key), audio.data)
    return storage_key


def add_audio(
    finding: Finding, audio: CheckedAudio, audio_id: uuid.UUID | None, duration_s: float | None,
    storage_key: str,
) -> tuple[Audio, bool]:
    """Record a voice note whose file is stored under storage_key, idempotently on
    UNIQUE(finding_id, sha256): (row, True) when new, (the one already there, False) otherwise.
    The caller removes the file when the row is not new or not committed."""
    values = {
        "id": audio_id or uuid.uuid4(), "finding_id": finding.id, "storage_key": storage_key,
        "sha256": audio.sha256, "mime": audio.mime, "duration_s": duration_s,
        "size_bytes": len(audio.data),
    }
    return insert_photo_row(Audio, Audio.finding_id, values)


def audio_url(audio: Audio) -> str:
    """The access-checked URL of a voice note; the one place that knows the route."""
    return url_for("audio.audio_file", audio_id=audio.id)


def audio_json(audio: Audio) -> dict:
    """{id, url, mime, duration_s, size_bytes} of one voice note."""
    return {
        "id": str(audio.id), "url": audio_url(audio), "mime": audio.mime,
        "duration_s": audio.duration_s, "size_bytes": audio.size_bytes,
    }


def audio_by_finding(finding_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Audio]]:
    """The voice notes of these findings, oldest first, in one statement."""
    found: dict[uuid.UUID, list[Audio]] = {}
    if not finding_ids:
        return found
    for note in db.session.execute(
        db.select(Audio).where(Audio.finding_id.in_(finding_ids)).order_by(Audio.created_at, Audio.id)
    ).scalars():
        found.setdefault(note.finding_id, []).append(note)
    return found


def visible_audio(audio_id: uuid.UUID, staff: bool, participant_walk_id: int | None) -> Audio | None:
    """The voice note if this browser may hear it: staff, or a participant of its walk."""
    row = db.session.execute(
        db.select(Audio, Finding.walk_id).join(Finding, Audio.finding_id == Finding.id)
        .where(Audio.id == audio_id)
    ).first()
    if row is None:
        return None
    audio, walk_id = row
    if staff or (participant_walk_id is not None and participant_walk_id == walk_id):
        return audio
    return None
