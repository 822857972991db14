"""Staff blurring areas of a stored photo: POST /api/v1/photos/<id>/redact, irreversibly."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send, upload
from tests.conftest import join_walk
from tests.image_helpers import jpeg_bytes
from walkapp.extensions import db
from walkapp.findings.models import FindingChange, Photo
from walkapp.findings.redaction import MAX_BOXES, InvalidBoxes, blur_boxes, parse_boxes

WIDTH, HEIGHT = 1200, 900
BOX = [420, 260, 300, 240]  # x, y, w, h: where the "face" is
# Mean absolute difference (0–255) of the grey pixels: the box must change far beyond JPEG
# noise, the rest must stay within it.
INSIDE_MIN = 25.0
OUTSIDE_MAX = 2.0
CHUNK = 64
CHUNKS = 24


def detailed_photo() -> bytes:
    """A phone-sized JPEG with fine detail everywhere and a striped "face" where BOX is."""
    img = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    img = Image.blend(img, Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB"), 0.5)
    draw = ImageDraw.Draw(img)
    x, y, w, h = BOX
    for i in range(0, w, 12):
        draw.rectangle([x + i, y, x + i + 5, y + h], fill=(250, 240, 220))
    draw.ellipse([x + 60, y + 40, x + 120, y + 100], fill=(10, 10, 10))
    draw.ellipse([x + 180, y + 40, x + 240, y + 100], fill=(10, 10, 10))
    # Quality 85 keeps it under 500 KB: a larger body makes the test client spool it to a
    # temporary file it never closes (a ResourceWarning, an error under filterwarnings).
    return jpeg_bytes(img, quality=85)


def grey(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("L")


def mean_diff(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    return ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean[0]


def scan_chunks(data: bytes) -> list[bytes]:
    """CHUNKS 64-byte pieces of a JPEG's coded picture data, spread over it. The headers before
    the first scan (quantisation and Huffman tables) are the same in every photo of that
    quality and carry nothing of the picture, so they are not looked for."""
    start = data.index(b"\xff\xda") + 16
    end = len(data) - 2 - CHUNK
    step = (end - start) // CHUNKS
    return [data[start + k * step: start + k * step + CHUNK] for k in range(CHUNKS)]


def files_under(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fetch(client, url: str) -> bytes:
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data()


def redact(client, photo_id: str, boxes, **kwargs):
    return send(client, "POST", f"/api/v1/photos/{photo_id}/redact", {"boxes": boxes}, **kwargs)


@pytest.fixture
def uploaded(participant, walk):
    """A participant's finding with one detailed photo: ids and the bytes sent."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    data = detailed_photo()
    photo_id = str(uuid.uuid4())
    response = upload(participant, payload["id"], data, photo_id=photo_id)
    assert response.status_code == 201
    return {"finding": payload["id"], "photo": photo_id, "data": data, "body": response.get_json()}


def test_redaction_blurs_the_box_and_leaves_no_byte_of_the_original(app, logged_in, uploaded):
    instance = Path(app.instance_path)
    before_photo = fetch(logged_in, uploaded["body"]["url"])
    before_thumb = fetch(logged_in, uploaded["body"]["thumb_url"])

    response = redact(logged_in, uploaded["photo"], [BOX])

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["id"] == uploaded["photo"]
    assert body["url"] != uploaded["body"]["url"] and body["thumb_url"] != uploaded["body"]["thumb_url"]
    after_photo = fetch(logged_in, body["url"])
    assert hashlib.sha256(after_photo).hexdigest() == body["sha256"]
    x, y, w, h = BOX
    old, new = grey(before_photo), grey(after_photo)
    assert new.size == old.size == (WIDTH, HEIGHT)
    assert mean_diff(old, new, (x, y, x + w, y + h)) > INSIDE_MIN
    for outside in ((0, 0, WIDTH, y - 8), (0, y + h + 8, WIDTH, HEIGHT), (0, 0, x - 8, HEIGHT)):
        assert mean_diff(old, new, outside) < OUTSIDE_MAX, outside
    # The thumbnail is blurred too (box scaled to the thumbnail's 400 px).
    after_thumb = fetch(logged_in, body["thumb_url"])
    scale = grey(before_thumb).width / WIDTH
    thumb_box = tuple(round(v * scale) for v in (x + 8, y + 8, x + w - 8, y + h - 8))
    assert mean_diff(grey(before_thumb), grey(after_thumb), thumb_box) > INSIDE_MIN

    # Nothing of the original photo or its thumbnail is left under the instance folder.
    files = files_under(instance)
    # The new photo, thumbnail and follow-up map image; the original's three are gone.
    assert len([p for p in files if p.suffix == ".jpg"]) == 3
    original_hashes = {hashlib.sha256(b).hexdigest() for b in (before_photo, before_thumb)}
    for path, content in files.items():
        assert hashlib.sha256(content).hexdigest() not in original_hashes, path
        for digest in original_hashes:
            assert digest.encode() not in content, path
        for original in (before_photo, before_thumb):
            for chunk in scan_chunks(original):
                assert chunk not in content, path


def test_redaction_is_recorded_and_the_photo_stays_redacted(app, logged_in, coordinator, uploaded):
    first = redact(logged_in, uploaded["photo"], [BOX]).get_json()
    second = redact(logged_in, uploaded["photo"], [[0, 0, 50, 50]])
    assert second.status_code == 200
    assert second.get_json()["sha256"] != first["sha256"]
    upload_hash = hashlib.sha256(uploaded["data"]).hexdigest()
    with app.app_context():
        photo = db.session.get(Photo, uuid.UUID(uploaded["photo"]))
        assert photo.redacted_at is not None
        assert photo.original_sha256 == upload_hash  # from the first redaction, not the second
        changes = list(db.session.execute(
            db.select(FindingChange).where(FindingChange.field == "photo_redacted")
        ).scalars())
        assert [c.by_user_id for c in changes] == [coordinator["id"]] * 2
    page = logged_in.get(f"/findings/{uploaded['finding']}").get_data(as_text=True)
    assert "Foto sløret" in page
    assert '<h2 id="redact-heading">Slør område</h2>' in page
    settings = json.loads(re.search(r'id="redact-data">(.*?)</script>', page, re.S).group(1))
    assert settings["texts"]["confirm"].startswith("Sløringen kan ikke fortrydes.")
    assert [p["id"] for p in settings["photos"]] == [uploaded["photo"]]


def test_bearer_token_may_redact(app, client, api_token, uploaded):
    response = client.post(f"/api/v1/photos/{uploaded['photo']}/redact", json={"boxes": [BOX]},
                           headers=bearer(api_token))
    assert response.status_code == 200


@pytest.mark.parametrize("with_id", [True, False], ids=["same-photo-id", "same-finding-and-hash"])
def test_resent_original_answers_the_redacted_photo_and_touches_no_file(
    app, participant, logged_in, uploaded, with_id
):
    redacted = redact(logged_in, uploaded["photo"], [BOX]).get_json()
    files = files_under(Path(app.instance_path))

    response = upload(participant, uploaded["finding"], uploaded["data"],
                      photo_id=uploaded["photo"] if with_id else None)

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == uploaded["photo"] and body["url"] == redacted["url"]
    assert files_under(Path(app.instance_path)) == files
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Photo.id))).scalar_one() == 1
    served = fetch(participant, body["url"])
    assert hashlib.sha256(served).hexdigest() == redacted["sha256"]


@pytest.mark.parametrize("boxes", [
    None, "0,0,10,10", [], [[0, 0, 10]], [[0, 0, 10, "10"]], [[0, 0, 10, True]],
    [[0, 0, 0, 10]], [[0, 0, 10, -5]], [[-1, 0, 10, 10]], [[WIDTH - 5, 0, 10, 10]],
    [[0, HEIGHT, 10, 10]], [[0, 0, 10, 10]] * (MAX_BOXES + 1), [{"x": 0}],
], ids=lambda b: repr(b)[:30])
def test_bad_boxes_are_refused_and_change_nothing(app, logged_in, uploaded, boxes):
    files = files_under(Path(app.instance_path))
    response = redact(logged_in, uploaded["photo"], boxes)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_boxes"
    assert files_under(Path(app.instance_path)) == files
    with app.app_context():
        assert db.session.get(Photo, uuid.UUID(uploaded["photo"])).redacted_at is None


def test_participants_and_strangers_cannot_redact(app, client, participant, uploaded, make_walk):
    url = f"/api/v1/photos/{uploaded['photo']}/redact"
    own = send(participant, "POST", url, {"boxes": [BOX]})
    assert own.status_code == 403 and own.get_json()["error"] == "forbidden"
    other = app.test_client()
    join_walk(other, make_walk()["join_code"])
    assert send(other, "POST", url, {"boxes": [BOX]}).status_code == 404
    assert send(client, "POST", url, {"boxes": [BOX]}).status_code == 401
    with app.app_context():
        assert db.session.get(Photo, uuid.UUID(uploaded["photo"])).redacted_at is None


def test_unknown_photo_is_404(logged_in, uploaded):
    assert redact(logged_in, str(uuid.uuid4()), [BOX]).status_code == 404
    assert redact(logged_in, "not-a-uuid", [BOX]).status_code == 404


def test_exports_use_the_redacted_photo(app, logged_in, walk, uploaded):
    body = redact(logged_in, uploaded["photo"], [BOX]).get_json()
    stored = fetch(logged_in, body["url"])
    stored_thumb = fetch(logged_in, body["thumb_url"])

    with zipfile.ZipFile(io.BytesIO(fetch(logged_in, f"/walks/{walk['id']}/photos.zip"))) as archive:
        assert [archive.read(name) for name in archive.namelist()] == [stored]

    html = fetch(logged_in, f"/walks/{walk['id']}/map.html").decode()
    uris = re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", html)
    assert len(uris) == 1
    popup = grey(base64.b64decode(uris[0]))
    expected = grey(stored_thumb).resize(popup.size)
    assert mean_diff(popup, expected, (0, 0, *popup.size)) < 4.0


def test_blur_cannot_be_undone_by_sharpening():
    img = Image.open(io.BytesIO(detailed_photo())).convert("RGB")
    x, y, w, h = BOX
    box = (x, y, x + w, y + h)
    blurred = blur_boxes(img, parse_boxes([BOX], WIDTH, HEIGHT))
    sharpened = blurred.filter(ImageFilter.UnsharpMask(radius=4, percent=300, threshold=0))
    original = img.convert("L")
    for attempt in (blurred, sharpened):
        assert mean_diff(original, attempt.convert("L"), box) > INSIDE_MIN
    # What is left in the box is smooth: almost no detail (edge energy) survives.
    edges = ImageStat.Stat(sharpened.convert("L").crop(box).filter(ImageFilter.FIND_EDGES)).mean[0]
    original_edges = ImageStat.Stat(original.crop(box).filter(ImageFilter.FIND_EDGES)).mean[0]
    assert edges < original_edges / 4


def test_boxes_are_rounded_outwards():
    assert parse_boxes([[10.4, 20.6, 5.2, 5.2]], 100, 100) == [(10, 20, 16, 26)]
    with pytest.raises(InvalidBoxes):
        parse_boxes([[99.5, 0, 1, 1]], 100, 100)
