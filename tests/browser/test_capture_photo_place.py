"""Without a position: one message that says what to do, no pin until a place is chosen, and the
place a camera wrote into the photo (EXIF GPS, read on the phone before the downscale drops it)
as the finding's place. The EXIF reader itself runs in Chromium on the served photo.js."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from PIL import Image

from tests.browser.capture_helpers import (
    finding_row,
    findings_on_server,
    join,
    jpeg_bytes,
    jpeg_with_gps,
    outbox_items,
    save_finding,
    wait_sent,
)
from walkapp.extensions import db

# A spot on the demo route, some 60 m from where the tests usually stand.
PHOTO_PLACE = (55.66712, 12.60488)


def strings(page) -> dict:
    """The page's translated UI texts (what the user reads)."""
    return json.loads(page.locator("#capture-strings").text_content())


def pins_on_place_map(page) -> int:
    return page.locator("#place-map .leaflet-marker-icon").count()


def stored_photo_files(app, finding_id) -> list[bytes]:
    """The stored (main) photo files of a finding, as the server keeps them."""
    from walkapp.findings.models import Finding
    from walkapp.findings.storage import photo_path

    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        root = Path(app.instance_path) / "photos"
        files = [photo_path(root, p.storage_key).read_bytes() for p in finding.photos]
        db.session.remove()
        return files


def open_sheet_without_position(page, context, join_code: str, category: str) -> None:
    """Join with geolocation refused and open the sheet for a finding of this category."""
    context.clear_permissions()  # the phone says no to geolocation
    join(page, join_code)
    page.locator("#gps-note[data-state=off]").wait_for()  # the phone's "no" has arrived
    page.click("#new-finding")
    page.click(f".category-button[data-code={category}]")


def choose_photo_with_place(page, photo: bytes, name: str) -> None:
    """Choose a photo in the sheet and wait until its place is the finding's place."""
    page.set_input_files("#photo-input", files=[{"name": name, "mimeType": "image/jpeg", "buffer": photo}])
    page.wait_for_selector("#photo-thumbs img")
    page.wait_for_function("(t) => document.querySelector('#place-text').textContent === t",
                           arg=strings(page)["placeFromPhoto"])


def save_and_wait_sent(page) -> None:
    """Save the sheet and wait until the outbox has sent everything."""
    save_finding(page)
    wait_sent(page)


def test_without_a_position_one_message_and_no_pin_until_a_tap(page, pixel7_context, live_server, make_walk):
    """Location denied: the map says so once, the sheet says what to do, no ghost pin, Save waits for a tap."""
    walk = make_walk()
    open_sheet_without_position(page, pixel7_context, walk["join_code"], "lighting")
    texts = strings(page)
    note = page.locator("#gps-note")  # on the map under the sheet
    assert note.inner_text() == texts["gpsOff"]
    place = page.locator("#place-text")
    assert place.inner_text() == texts["placeOff"]
    assert pins_on_place_map(page) == 0
    page.click("#save-finding")
    page.locator("#place-text.place-needed").wait_for()
    # Still the one message, now marked; nothing says "waiting for your position" next to it.
    assert place.inner_text() == texts["placeOff"]
    assert page.locator("#save-error").is_hidden()
    assert "Venter på din position" not in page.locator("body").inner_text()
    assert pins_on_place_map(page) == 0
    assert outbox_items(page) == []

    box = page.locator("#place-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    assert pins_on_place_map(page) == 1
    assert place.inner_text() == texts["placeMoved"]
    assert page.locator("#place-text.place-needed").count() == 0
    save_and_wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "map" and row["accuracy_m"] is None


def test_the_photos_own_place_is_the_place_when_the_phone_has_none(page, pixel7_context, live_server, make_walk):
    """No fix, a photo with EXIF GPS: the pin goes to the photo's place, stored as "photo"; the file keeps no EXIF."""
    walk = make_walk()
    open_sheet_without_position(page, pixel7_context, walk["join_code"], "vandalism")
    assert pins_on_place_map(page) == 0
    choose_photo_with_place(page, jpeg_with_gps(*PHOTO_PLACE, accuracy_m=6), "IMG_2041.jpg")
    assert pins_on_place_map(page) == 1
    save_and_wait_sent(page)

    (finding_id, _category, photos, _text), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "photo"
    assert abs(row["lat"] - PHOTO_PLACE[0]) < 1e-5 and abs(row["lon"] - PHOTO_PLACE[1]) < 1e-5
    assert row["accuracy_m"] == 6
    assert photos == 1
    stored, = stored_photo_files(live_server.app, finding_id)
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG"
    assert not kept.getexif() and not kept.getexif().get_ifd(0x8825)
    assert b"Exif" not in stored[:4096]


def test_a_tap_overrides_the_photos_place(page, pixel7_context, live_server, make_walk):
    """The photo's place is a suggestion: my tap on the map wins, and a later photo does not move it back."""
    walk = make_walk()
    open_sheet_without_position(page, pixel7_context, walk["join_code"], "graffiti")
    choose_photo_with_place(page, jpeg_with_gps(*PHOTO_PLACE, seed=41), "a.jpg")
    box = page.locator("#place-map").bounding_box()
    tap = (box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.mouse.click(*tap)
    pin = page.locator("#place-map .leaflet-marker-icon")
    tapped = pin.bounding_box()
    # The pin's point (the bottom middle of Leaflet's marker) is where I tapped.
    assert abs(tapped["x"] + tapped["width"] / 2 - tap[0]) <= 1.5 and abs(tapped["y"] + tapped["height"] - tap[1]) <= 1.5
    page.set_input_files("#photo-input", files=[
        {"name": "b.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(55.6650, 12.6010, seed=42)}])
    page.wait_for_function("() => document.querySelectorAll('#photo-thumbs img').length === 2")
    page.wait_for_timeout(300)  # a place read from the photo would have moved the pin by now
    assert pin.bounding_box() == tapped  # the later photo did not move the pin back
    save_and_wait_sent(page)
    (finding_id, _category, photos, _text), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "map" and photos == 2
    assert abs(row["lon"] - PHOTO_PLACE[1]) > 5e-5  # neither photo's place was stored
    assert abs(row["lat"] - 55.6650) > 5e-5 or abs(row["lon"] - 12.6010) > 5e-5


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


# The first bytes of an iPhone HEIC ("ftypheic" box): not a JPEG, so no place and no error.
HEIC_HEAD = bytes.fromhex("00000018") + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64

PARSER_CASES = [
    ("north-east, little-endian", jpeg_with_gps(55.6665, 12.6060), (55.6665, 12.6060, None)),
    ("south-west, big-endian, accuracy", jpeg_with_gps(-33.8568, -151.2153, endian=">", accuracy_m=4.5),
     (-33.8568, -151.2153, 4.5)),
    ("north-west", jpeg_with_gps(64.1466, -21.9426), (64.1466, -21.9426, None)),
    ("south-east", jpeg_with_gps(-37.8136, 144.9631, endian=">"), (-37.8136, 144.9631, None)),
    ("status void", jpeg_with_gps(55.6665, 12.6060, status="V"), None),
    ("0, 0: a camera without a fix", jpeg_with_gps(0.0, 0.0), None),
    ("EXIF without GPS", jpeg_with_gps(None, None), None),
    ("JPEG without EXIF", jpeg_bytes(64, 48), None),
    ("PNG", _png_bytes(), None),
    ("HEIC", HEIC_HEAD, None),
    ("cut off inside the EXIF", jpeg_with_gps(55.6665, 12.6060)[:60], None),
    ("empty", b"", None),
]


def test_the_exif_reader_on_real_files(page, live_server):
    """placeOf (the served photo.js module, in Chromium) reads degrees with their N/S/E/W sign, else null."""
    page.goto("/offline")
    read = page.evaluate("""async (files) => {
        const out = {};
        for (const [name, b64] of Object.entries(files)) {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const place = await (await import('/static/js/photo.js')).placeOf(new Blob([bytes], { type: 'image/jpeg' }));
            out[name] = place && [Number(place.lat.toFixed(6)), Number(place.lon.toFixed(6)), place.accuracy];
        }
        return out;
    }""", {case: base64.b64encode(data).decode() for case, data, _expected in PARSER_CASES})
    assert read == {case: expected and list(expected) for case, _data, expected in PARSER_CASES}
