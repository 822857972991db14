"""Response compression (Flask-Compress): pages, scripts and JSON travel as Brotli or gzip when
the phone accepts it and decode to the very same bytes; photos, voice notes and ZIP archives go
as they are, with their ETag, 304 and byte ranges intact."""
from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import brotli
import pytest

from tests.audio_helpers import post_audio, webm_opus
from tests.capture_api_helpers import finding_payload, findings_url, send, upload
from tests.image_helpers import jpeg_bytes, marked_landscape

STATIC = Path(__file__).resolve().parent.parent / "static"
BROWSER = "gzip, deflate, br, zstd"


def decoded(response) -> bytes:
    """The body as the browser reads it, after its Content-Encoding."""
    with response:
        body = response.get_data()
        encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


@pytest.fixture
def finding_id(participant, walk):
    """A finding posted by `participant`."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    return payload["id"]


@pytest.mark.parametrize("accept, encoding", [(BROWSER, "br"), ("gzip", "gzip"), ("", None)])
def test_a_script_arrives_compressed_and_decodes_to_the_file(client, accept, encoding):
    """Leaflet (148 KB) shrinks to a third or less and decodes to the file byte for byte; a
    client that accepts nothing gets the plain file."""
    original = (STATIC / "vendor" / "leaflet" / "leaflet.js").read_bytes()
    response = client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    with response:
        sent = len(response.get_data())
    assert decoded(client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": accept})) == original
    if encoding:
        assert sent < len(original) / 3
        assert "Accept-Ranges" not in response.headers


def test_pages_and_json_are_compressed(app, participant, walk, finding_id):
    """The capture page and the findings GeoJSON, what a phone loads on every walk."""
    page = participant.get(f"/walks/{walk['id']}/capture", headers={"Accept-Encoding": BROWSER})
    assert page.headers["Content-Encoding"] == "br"
    assert b'id="capture-viewer"' in decoded(page)
    listed = participant.get(findings_url(walk["id"]), headers={"Accept-Encoding": "gzip"})
    assert listed.headers["Content-Encoding"] == "gzip"
    assert finding_id.encode() in decoded(listed)


def test_a_compressed_static_file_answers_304_to_its_etag(client):
    """Revalidating an unversioned module (as relative imports are) costs a 304, not the file."""
    headers = {"Accept-Encoding": BROWSER}
    with client.get("/static/js/map.js", headers=headers) as first:
        etag = first.headers["ETag"]
        assert first.headers["Content-Encoding"] == "br"
    with client.get("/static/js/map.js", headers={**headers, "If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert again.get_data() == b""


def test_a_byte_range_of_a_static_file_is_the_stored_bytes(client):
    """A Range request is answered with the file's own bytes, never a slice of a compressed body."""
    original = (STATIC / "js" / "map.js").read_bytes()
    with client.get("/static/js/map.js", headers={"Accept-Encoding": BROWSER, "Range": "bytes=100-199"}) as part:
        assert part.status_code == 206
        assert "Content-Encoding" not in part.headers
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(original)}"
        assert part.get_data() == original[100:200]


def test_photos_are_sent_as_stored_with_etag_and_ranges(participant, finding_id):
    """A JPEG is compressed already: it goes as stored; its ETag gives a 304 and a range the
    right bytes, even from a browser that accepts every encoding."""
    body = upload(participant, finding_id, jpeg_bytes(marked_landscape(1200, 800))).get_json()
    headers = {"Accept-Encoding": BROWSER}
    with participant.get(body["url"], headers=headers) as photo:
        assert photo.status_code == 200
        assert "Content-Encoding" not in photo.headers
        assert photo.headers["Accept-Ranges"] == "bytes"
        etag, full = photo.headers["ETag"], photo.get_data()
        assert int(photo.headers["Content-Length"]) == len(full)
    assert full[:2] == b"\xff\xd8"
    with participant.get(body["url"], headers={**headers, "If-None-Match": etag}) as again:
        assert again.status_code == 304
    with participant.get(body["url"], headers={**headers, "Range": "bytes=0-99"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 0-99/{len(full)}"
        assert part.get_data() == full[:100]


def test_a_voice_note_seeks_by_byte_range(participant, finding_id):
    """An audio player seeks with Range requests: they must get the recording's bytes."""
    recording = webm_opus()
    body = post_audio(participant, finding_id, recording).get_json()
    headers = {"Accept-Encoding": BROWSER}
    with participant.get(body["url"], headers=headers) as full:
        assert full.status_code == 200
        assert "Content-Encoding" not in full.headers
        assert full.get_data() == recording
        etag = full.headers["ETag"]
    with participant.get(body["url"], headers={**headers, "Range": "bytes=10-"}) as part:
        assert part.status_code == 206
        assert part.get_data() == recording[10:]
    with participant.get(body["url"], headers={**headers, "If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_the_photo_zip_streams_uncompressed(app, logged_in, walk, participant, finding_id):
    """The ZIP export is a stream of compressed photos: it is neither compressed again nor
    gathered into memory first."""
    upload(participant, finding_id, jpeg_bytes(marked_landscape(800, 600)))
    response = logged_in.get(f"/walks/{walk['id']}/photos.zip", headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    with response:
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert len([name for name in archive.namelist() if name.endswith(".jpg")]) == 1
