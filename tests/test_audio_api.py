"""Voice notes (POST /api/v1/findings/<id>/audio): checked by their bytes, stored once, played only
through the access-checked view, on the staff page, in the ZIP, and gone with the finding, with
retention, and never taken for orphans by `flask photos check` (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import os
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.audio_helpers import mp3_bytes, mp4_aac, ogg_opus, post_audio, webm_opus
from tests.capture_api_helpers import finding_payload, findings_url, send
from tests.conftest import join_walk
from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp.extensions import db
from walkapp.findings.models import Audio
from walkapp.walks.models import Walk

LONG_AGO = datetime.now(UTC) - timedelta(days=40 * 31)  # beyond the default 36 months


@pytest.fixture
def finding_id(participant, walk):
    """A finding posted by `participant`."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    return payload["id"]


def audio_rows(app) -> list[Audio]:
    with app.app_context():
        rows = list(db.session.execute(db.select(Audio)).scalars())
        db.session.expunge_all()
        return rows


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def fetch(client, url: str):
    """(status, mimetype, body) of a served file, the response closed."""
    with client.get(url) as response:
        return response.status_code, response.mimetype, response.get_data()


def run(app, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_a_voice_note_is_stored_once_and_plays_back_as_recorded(app, participant, finding_id):
    """201 the first time, 200 for the same recording again; one row, one file, the same bytes."""
    note_id = str(uuid.uuid4())
    first = post_audio(participant, finding_id, webm_opus(), audio_id=note_id, duration_s="2.4")
    assert first.status_code == 201, first.get_json()
    again = post_audio(participant, finding_id, webm_opus(), audio_id=note_id, duration_s="2.4")
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"] == note_id
    [row] = audio_rows(app)
    assert (row.mime, row.duration_s, row.size_bytes) == ("audio/webm", 2.4, len(webm_opus()))
    assert [p.name for p in stored_files(app)] == [row.storage_key.split("/")[1] + ".audio"]
    status, mimetype, body = fetch(participant, first.get_json()["url"])
    assert (status, mimetype, body) == (200, "audio/webm", webm_opus())


@pytest.mark.parametrize(("data", "mime"), [(ogg_opus, "audio/ogg"), (mp4_aac, "audio/mp4")],
                         ids=["ogg-opus", "mp4-aac"])
def test_ogg_opus_and_mp4_aac_are_accepted_by_their_bytes(app, participant, finding_id, data, mime):
    """Firefox's and Safari's containers, under a misleading name, are kept with their real type."""
    response = post_audio(participant, finding_id, data(), filename="note.txt")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mime"] == mime
    assert fetch(participant, response.get_json()["url"])[:2] == (200, mime)


@pytest.mark.parametrize(("data", "filename"), [
    (lambda: jpeg_bytes(marked_landscape()), "voice.webm"),
    (mp3_bytes, "voice.webm"),
    (lambda: b"Hej, det er bare tekst\n" * 20, "voice.ogg"),
    (lambda: b"<!doctype html><html><script>alert(1)</script></html>", "voice.m4a"),
    (lambda: mp4_aac(with_track=False), "voice.m4a"),
    (lambda: b"\x1a\x45\xdf\xa3" + b"\x00" * 200, "voice.webm"),
], ids=["renamed-jpeg", "mp3", "text", "html", "mp4-video", "ebml-not-webm"])
def test_anything_else_is_refused_and_nothing_is_kept(app, participant, finding_id, data, filename):
    """415 `unsupported_audio` whatever the name says; no row and no file."""
    response = post_audio(participant, finding_id, data(), filename=filename)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_audio"
    assert response.get_json()["message"]
    assert audio_rows(app) == [] and stored_files(app) == []


def test_a_voice_note_over_5_mb_is_refused(app, participant, finding_id):
    """413 `audio_too_large` for a real WebM padded past 5 MB; nothing is kept."""
    big = webm_opus() + b"\x00" * (5 * 1024 * 1024)
    # A body encoded here: werkzeug's test builder spools a body this large to a temporary file
    # it never closes.
    boundary = "voice-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"voice.webm\"\r\n"
            "Content-Type: audio/webm\r\n\r\n").encode() + big + f"\r\n--{boundary}--\r\n".encode()
    response = send(participant, "POST", f"/api/v1/findings/{finding_id}/audio", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert response.get_json()["error"] == "audio_too_large"
    assert audio_rows(app) == [] and stored_files(app) == []


@pytest.mark.parametrize("duration", ["abc", "-1", "131", "nan", "inf"])
def test_a_duration_outside_0_to_130_seconds_is_refused(app, participant, finding_id, duration):
    """400 `invalid_duration`; nothing is kept."""
    response = post_audio(participant, finding_id, webm_opus(), duration_s=duration)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_duration"
    assert audio_rows(app) == [] and stored_files(app) == []


def test_an_empty_upload_is_a_clear_error(app, participant, finding_id):
    """400 `missing_audio` for no file at all."""
    response = send(participant, "POST", f"/api/v1/findings/{finding_id}/audio", data={},
                    content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"] == "missing_audio"


def test_only_the_walks_participants_and_staff_hear_it(app, participant, finding_id, make_walk, logged_in):
    """Another walk's participant and an anonymous browser get 404, for sending and for playing."""
    url = post_audio(participant, finding_id, webm_opus()).get_json()["url"]
    other = app.test_client()
    join_walk(other, make_walk(status="active")["join_code"])
    assert post_audio(other, finding_id, ogg_opus()).status_code == 404
    assert fetch(other, url)[0] == 404
    assert fetch(app.test_client(), url)[0] == 404
    assert fetch(app.test_client(), f"/audio/{uuid.uuid4()}")[0] == 404
    assert fetch(app.test_client(), "/audio/not-a-uuid")[0] == 404
    assert fetch(logged_in, url)[:2] == (200, "audio/webm")
    assert len(audio_rows(app)) == 1


def test_no_voice_note_once_the_walk_is_closed(app, participant, walk, finding_id):
    """A participant cannot add one to a closed walk (409 `walk_closed`)."""
    with app.app_context():
        db.session.execute(update(Walk).where(Walk.id == walk["id"]).values(status="closed"))
        db.session.commit()
    response = post_audio(participant, finding_id, webm_opus())
    assert response.status_code == 409
    assert audio_rows(app) == [] and stored_files(app) == []


def test_deleting_the_finding_deletes_its_voice_note(app, participant, finding_id):
    """The row and the file go with the finding."""
    assert post_audio(participant, finding_id, webm_opus()).status_code == 201
    assert send(participant, "DELETE", f"/api/v1/findings/{finding_id}").status_code == 204
    assert audio_rows(app) == [] and stored_files(app) == []


def test_the_staff_finding_page_plays_it(app, participant, finding_id, logged_in):
    """An <audio controls> pointing at the access-checked view."""
    url = post_audio(participant, finding_id, webm_opus(), duration_s="12").get_json()["url"]
    html = logged_in.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert f'<audio controls preload="metadata" src="{url}"' in html


def test_the_photo_zip_holds_the_voice_note(app, participant, walk, finding_id, logged_in):
    """Named by category and short id, with its container's extension, the bytes as recorded."""
    assert post_audio(participant, finding_id, webm_opus()).status_code == 201
    response = logged_in.get(f"/walks/{walk['id']}/photos.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    name = f"lighting-{finding_id[:8]}-voice-1.webm"
    assert archive.namelist() == [name]
    assert archive.read(name) == webm_opus()


def test_retention_removes_voice_notes(app, logged_in, make_walk, make_finding):
    """A walk closed long ago loses its voice notes (row and file); the dry run lists them."""
    walk = make_walk(status="active")
    finding = make_finding(walk["id"])
    assert post_audio(logged_in, finding, webm_opus()).status_code == 201
    with app.app_context():
        db.session.execute(update(Walk).where(Walk.id == walk["id"]).values(status="closed", updated_at=LONG_AGO))
        db.session.commit()
    dry = run(app, "retention")
    assert "1 voice notes" in dry.output
    assert len(audio_rows(app)) == 1
    result = run(app, "retention", "--apply")
    assert result.exit_code == 0, result.output
    assert audio_rows(app) == [] and stored_files(app) == []


def test_photos_check_counts_voice_notes_and_repair_keeps_them(app, participant, finding_id):
    """A voice note's file is not an orphan: check passes, --repair leaves it; a stray old
    voice-note file is an orphan and goes; a row whose file is gone is reported."""
    assert post_audio(participant, finding_id, webm_opus()).status_code == 201
    [kept] = stored_files(app)
    old = time.time() - 2 * 3600
    os.utime(kept, (old, old))
    result = run(app, "photos", "check")
    assert result.exit_code == 0, result.output
    assert "1 voice note rows" in result.output
    stray = kept.parent / (kept.parent.name + uuid.uuid4().hex[2:] + ".audio")
    stray.write_bytes(webm_opus())
    os.utime(stray, (old, old))
    repaired = run(app, "photos", "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert kept.is_file() and not stray.exists()
    kept.unlink()
    missing = run(app, "photos", "check")
    assert missing.exit_code == 1
    assert "missing audio" in missing.output
