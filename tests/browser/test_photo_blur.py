"""Blur on the phone: the participant blurs a box of a photo offline; what IndexedDB keeps and what
the server stores is blurred in that box and unchanged elsewhere (compared pixel by pixel with
Pillow), and "Spring over" stores the photo as it was."""
from __future__ import annotations

import base64
import hashlib
import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageStat

from tests.browser.capture_helpers import (
    findings_on_server,
    join,
    outbox_items,
    wait_for_worker,
    wait_ready,
    with_gps,
)
from tests.browser.layout_helpers import assert_fits_phone
from walkapp.extensions import db

WIDTH, HEIGHT = 1200, 900  # under photo.js's and the server's 2048 px: neither resizes it
BOX = (300, 200, 700, 500)  # the blurred box, in the photo's pixels (left, top, right, bottom)
# Drawn by a finger and taken back with "Fortryd": it must leave no trace.
UNDONE_STROKE = ((850, 650), (1100, 800))
# Pointer positions are rounded to CSS pixels (about 3 photo pixels here) and JPEG works in
# 8×8 blocks: the comparisons keep this far from the box's edges.
MARGIN = 16
BLURRED_MIN = 25  # mean absolute difference (0–255) inside the box, at least
UNCHANGED_MAX = 8  # and outside it (or anywhere after "Spring over"), at most: JPEG noise


def checkerboard_jpeg(seed: int = 5) -> bytes:
    """A sharp photo of known pixels: 36 px squares of random greys, their edges off the 8 px JPEG grid, as a camera JPEG (RGB)."""
    rng = random.Random(seed)
    image = Image.new("L", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for top in range(-5, HEIGHT, 36):
        for left in range(-5, WIDTH, 36):
            draw.rectangle((left, top, left + 35, top + 35), fill=rng.randrange(256))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def grey(data: bytes) -> Image.Image:
    """Decode a JPEG the way the comparisons read it: one grey channel."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("L")


def inside_difference(original: Image.Image, stored: Image.Image, box: tuple = BOX) -> float:
    """Mean absolute pixel difference inside the box (kept MARGIN clear of its edges)."""
    left, top, right, bottom = box
    inner = (left + MARGIN, top + MARGIN, right - MARGIN, bottom - MARGIN)
    return ImageStat.Stat(ImageChops.difference(original, stored).crop(inner)).mean[0]


def outside_difference(original: Image.Image, stored: Image.Image, box: tuple = BOX) -> float:
    """Mean absolute pixel difference everywhere outside the box (and MARGIN around it)."""
    left, top, right, bottom = box
    mask = Image.new("L", original.size, 255)
    ImageDraw.Draw(mask).rectangle((left - MARGIN, top - MARGIN, right + MARGIN, bottom + MARGIN), fill=0)
    return ImageStat.Stat(ImageChops.difference(original, stored), mask).mean[0]


# Every Blob in every object store of every IndexedDB database of the page, as base64: not only
# the outbox's "items", so an original kept anywhere else would be found too.
STORED_BLOBS_JS = """async () => {
  const found = [];
  const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  for (const info of await indexedDB.databases()) {
    const database = await request(indexedDB.open(info.name));
    for (const name of database.objectStoreNames) {
      const values = await request(database.transaction(name, 'readonly').objectStore(name).getAll());
      const blobs = [];
      const visit = (value, depth) => {
        if (value instanceof Blob) blobs.push(value);
        else if (value && typeof value === 'object' && depth < 8) Object.values(value).forEach((v) => visit(v, depth + 1));
      };
      values.forEach((v) => visit(v, 0));
      for (const blob of blobs) {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let text = '';
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        found.push({ where: info.name + '/' + name, data: btoa(text) });
      }
    }
    database.close();
  }
  return found;
}"""


def stored_blobs(page) -> list[tuple[str, bytes]]:
    """(database/store, bytes) of every blob the phone keeps in IndexedDB."""
    return [(b["where"], base64.b64decode(b["data"])) for b in page.evaluate(STORED_BLOBS_JS)]


def stored_photo(app, walk_id: int) -> tuple[bytes, str]:
    """The one stored photo of the walk's one finding, as the server keeps it, and its upload sha256."""
    from flask import current_app

    from walkapp.findings.models import Finding, Photo
    from walkapp.findings.storage import photo_path, photos_root

    with app.app_context():
        photo = db.session.execute(
            db.select(Photo).join(Finding, Photo.finding_id == Finding.id).where(Finding.walk_id == walk_id)
        ).scalar_one()
        path = photo_path(photos_root(current_app.instance_path), photo.storage_key)
        result = path.read_bytes(), photo.sha256
        db.session.remove()
        return result


def start_finding(page, photo: bytes) -> None:
    """New finding → category → photo, up to the blur offer."""
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.set_input_files("#photo-input", files=[{"name": "IMG_2.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.wait_for_selector("#photo-thumbs img")
    page.wait_for_selector("#blur-offer", state="visible")


def drag(page, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Drag a finger across the blur canvas from one photo pixel to another."""
    canvas = page.locator("#blur-canvas").bounding_box()
    sx, sy = canvas["width"] / WIDTH, canvas["height"] / HEIGHT
    page.mouse.move(canvas["x"] + start[0] * sx, canvas["y"] + start[1] * sy)
    page.mouse.down()
    page.mouse.move(canvas["x"] + end[0] * sx, canvas["y"] + end[1] * sy, steps=8)
    page.mouse.up()


def test_a_box_blurred_offline_is_what_the_phone_keeps_and_the_server_stores(
        page, pixel7_context, live_server, make_walk):
    """Blur a box offline, undo a stroke, save, reload, sync: the box is blurred beyond recognition
    in IndexedDB and on the server, the rest of the photo is unchanged, no original is kept."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    wait_for_worker(page)
    original_bytes = checkerboard_jpeg()
    original = grey(original_bytes)
    original_sha = hashlib.sha256(original_bytes).hexdigest()

    pixel7_context.set_offline(True)
    start_finding(page, original_bytes)
    assert page.locator("#blur-start").inner_text() == "Slør ansigter og nummerplader"
    assert page.locator("#blur-skip").inner_text() == "Spring over"
    page.click("#blur-start")
    page.wait_for_selector("#blur-canvas[data-ready]")
    assert_fits_phone(page)
    assert page.locator("#blur-undo").is_disabled()
    drag(page, *UNDONE_STROKE)  # the brush is the first tool
    assert page.locator("#blur-status").inner_text() == "Slørede områder: 1"
    page.click("#blur-undo")
    assert page.locator("#blur-undo").is_disabled()
    page.click("#blur-tool-box")
    assert page.locator("#blur-tool-box").get_attribute("aria-pressed") == "true"
    drag(page, BOX[:2], BOX[2:])
    page.click("#blur-done")
    page.wait_for_selector("#blur-dialog", state="hidden")
    page.wait_for_selector("#photo-thumbs .thumb.blurred")
    assert page.locator("#blur-offer").is_hidden()
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")
    assert [i["kind"] for i in outbox_items(page)] == ["finding", "photo"]

    def check_phone() -> list[bytes]:
        blobs = stored_blobs(page)
        assert [where for where, _ in blobs] == ["walkapp-outbox/items"]
        for _, data in blobs:
            assert data != original_bytes
            kept = grey(data)
            assert kept.size == original.size
            assert inside_difference(original, kept) > BLURRED_MIN
            assert outside_difference(original, kept) < UNCHANGED_MAX
        return [data for _, data in blobs]

    before_reload = check_phone()
    page.reload()
    wait_ready(page)
    assert check_phone() == before_reload  # the blurred photo survives, still the only one

    pixel7_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    (_, _, photos, _), = findings_on_server(live_server.app, walk["id"])
    assert photos == 1
    data, upload_sha = stored_photo(live_server.app, walk["id"])
    assert upload_sha != original_sha
    stored = grey(data)
    assert stored.size == original.size
    inside, outside = inside_difference(original, stored), outside_difference(original, stored)
    print(f"\nblurred on the server: inside the box {inside:.2f}, outside {outside:.2f}")
    assert inside > BLURRED_MIN, inside
    assert outside < UNCHANGED_MAX, outside
    assert stored_blobs(page) == []  # sent: nothing of the photo is left on the phone


def test_skip_uploads_the_photo_unblurred(page, pixel7_context, live_server, make_walk):
    """One tap on "Spring over" and the photo goes as it was: the same everywhere, box included."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    original_bytes = checkerboard_jpeg(seed=6)
    original = grey(original_bytes)

    start_finding(page, original_bytes)
    page.click("#blur-skip")
    assert page.locator("#blur-offer").is_hidden()
    assert page.locator("#blur-dialog").is_hidden()
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)

    data, _ = stored_photo(live_server.app, walk["id"])
    stored = grey(data)
    inside, outside = inside_difference(original, stored), outside_difference(original, stored)
    print(f"\nskipped: inside the box {inside:.2f}, outside {outside:.2f}")
    assert inside < UNCHANGED_MAX, inside
    assert outside < UNCHANGED_MAX, outside


def test_blur_with_the_keyboard_only(page, pixel7_context, live_server, make_walk):
    """Tab to the photo, move the box with the arrow keys, Enter blurs it, Tab to "Færdig": the
    photo waiting in the outbox is blurred in that box and nowhere else."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    original_bytes = checkerboard_jpeg(seed=7)
    original = grey(original_bytes)

    pixel7_context.set_offline(True)
    start_finding(page, original_bytes)
    page.focus("#blur-start")
    page.keyboard.press("Enter")
    page.wait_for_selector("#blur-canvas[data-ready]")
    assert page.evaluate("document.activeElement.id") == "blur-title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "blur-canvas"
    # The box starts centred at 30 % of each side; one arrow press moves it 4 % of the longer side.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert page.locator("#blur-status").inner_text() == "Slørede områder: 1"
    for _ in range(5):  # past the tools, Fortryd and Annullér
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "blur-done"
    page.keyboard.press("Enter")
    page.wait_for_selector("#blur-dialog", state="hidden")
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")

    (data,) = [data for _, data in stored_blobs(page)]
    w, h, step = WIDTH * 0.3, HEIGHT * 0.3, 0.04 * WIDTH
    box = (round((WIDTH - w) / 2 + step), round((HEIGHT - h) / 2), round((WIDTH + w) / 2 + step), round((HEIGHT + h) / 2))
    kept = grey(data)
    assert inside_difference(original, kept, box) > BLURRED_MIN
    assert outside_difference(original, kept, box) < UNCHANGED_MAX


def test_a_photo_added_to_a_saved_finding_is_offered_for_blurring_first(
        page, pixel7_context, live_server, make_walk):
    """"Tilføj foto" on a finding already saved opens the blur tool before the photo enters the
    outbox: blur a box, "Færdig", and the server stores it blurred; its cancel button reads
    "Spring over", since cancelling keeps the photo as it is."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    original_bytes = checkerboard_jpeg(seed=7)
    original = grey(original_bytes)

    pixel7_context.set_offline(True)
    page.click("#show-list")
    with page.expect_file_chooser() as chooser:
        page.locator(".finding-item .add-photo").click()
    chooser.value.set_files(files=[{"name": "IMG_3.jpg", "mimeType": "image/jpeg", "buffer": original_bytes}])
    page.wait_for_selector("#blur-canvas[data-ready]")
    assert page.locator("#blur-cancel").inner_text() == "Spring over"
    assert outbox_items(page) == []  # nothing queued while the person decides
    page.click("#blur-tool-box")
    drag(page, BOX[:2], BOX[2:])
    page.click("#blur-done")
    page.wait_for_selector("#blur-dialog", state="hidden")
    page.locator(".finding-item .list-thumbs img").wait_for()
    for _, data in stored_blobs(page):
        assert data != original_bytes
        assert inside_difference(original, grey(data)) > BLURRED_MIN

    pixel7_context.set_offline(False)
    for _ in range(60):
        if findings_on_server(live_server.app, walk["id"])[0][2] == 1:
            break
        page.wait_for_timeout(500)
    data, _ = stored_photo(live_server.app, walk["id"])
    stored = grey(data)
    assert inside_difference(original, stored) > BLURRED_MIN
    assert outside_difference(original, stored) < UNCHANGED_MAX
