"""Photo archive: visible photos only, named by category and short id, real JPEGs, streamed."""
from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

from PIL import Image

from walkapp.exports.photo_archive import stream_zip
from walkapp.extensions import db
from walkapp.findings.models import Photo
from walkapp.findings.storage import new_storage_key, photo_path


def _jpeg(colour: str, size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _store_photo(app, finding_id: uuid.UUID, colour: str, hidden: bool = False) -> None:
    key = new_storage_key()
    path = photo_path(Path(app.instance_path) / "photos", key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_jpeg(colour))
    with app.app_context():
        db.session.add(Photo(finding_id=finding_id, storage_key=key, sha256=uuid.uuid4().hex * 2,
                             width=32, height=24, hidden=hidden))
        db.session.commit()


def test_zip_lists_visible_photos_named_by_category_and_short_id(app, logged_in, make_walk, make_finding):
    walk = make_walk()
    lamp = make_finding(walk["id"], category="lighting")
    wall = make_finding(walk["id"], category="graffiti")
    _store_photo(app, lamp, "red")
    _store_photo(app, lamp, "blue")
    _store_photo(app, wall, "green")
    _store_photo(app, wall, "white", hidden=True)
    response = logged_in.get(f"/walks/{walk['id']}/photos.zip")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="walk-{walk["id"]}-photos.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert names == sorted([f"lighting-{lamp.hex[:8]}-1.jpg", f"lighting-{lamp.hex[:8]}-2.jpg",
                            f"graffiti-{wall.hex[:8]}-1.jpg"])
    colours = set()
    for name in names:
        with Image.open(archive.open(name)) as image:
            assert image.format == "JPEG" and image.size == (32, 24)
            colours.add(image.convert("RGB").getpixel((16, 12)))
    # The hidden (white) photo is not among them.
    assert all(sum(c) < 700 for c in colours) and len(colours) == 3


def test_zip_of_a_walk_without_photos_is_an_empty_archive(logged_in, make_walk, make_finding):
    walk = make_walk()
    make_finding(walk["id"])
    response = logged_in.get(f"/walks/{walk['id']}/photos.zip")
    assert zipfile.ZipFile(io.BytesIO(response.get_data())).namelist() == []


def test_zip_needs_login(app, make_walk):
    walk = make_walk()
    assert app.test_client().get(f"/walks/{walk['id']}/photos.zip").status_code == 302


def test_stream_yields_in_chunks_not_one_buffer(tmp_path):
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * (1024 * 1024))
    chunks = list(stream_zip([("a.jpg", big), ("b.jpg", big)]))
    assert len(chunks) > 10 and max(len(c) for c in chunks) < 200 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read("b.jpg") == big.read_bytes()
