"""Helpers shared by the capture browser tests: joining, a photo, counting rows on the server."""
from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from walkapp.extensions import db

# Near the demo route of tests/conftest.py (Holmbladsgade area).
HERE = {"latitude": 55.6665, "longitude": 12.6060, "accuracy": 8}


def jpeg_bytes(width: int = 1200, height: int = 900, seed: int = 1) -> bytes:
    """A real photo-like JPEG (a gradient with noise), different for every seed."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40 + seed).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    image.putpixel((rng.randrange(width), rng.randrange(height)), (255, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _dms(value: float) -> tuple:
    """Degrees as EXIF writes them: degrees, minutes and seconds as rationals."""
    from PIL.TiffImagePlugin import IFDRational

    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 10000), 10000)


def jpeg_with_gps(lat: float | None, lon: float | None, *, endian: str = "<", accuracy_m: float | None = None,
                  status: str | None = None, seed: int = 40) -> bytes:
    """A real JPEG whose EXIF holds a GPS IFD (0x8825) with the place as a camera writes it:
    unsigned degrees/minutes/seconds and N/S, E/W letters. lat=None: EXIF without GPS."""
    from PIL import ExifTags
    from PIL.TiffImagePlugin import IFDRational

    image = Image.open(io.BytesIO(jpeg_bytes(800, 600, seed=seed)))
    exif = Image.Exif()
    exif.endian = endian  # "<" as most Android phones, ">" as iPhones write it
    exif[0x010F] = "Testkamera"  # Make, so IFD0 has more than the GPS pointer
    if lat is not None and lon is not None:
        gps = {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lon >= 0 else "W", 4: _dms(lon)}
        if accuracy_m is not None:
            gps[0x1F] = IFDRational(round(accuracy_m * 10), 10)  # GPSHPositioningError
        if status is not None:
            gps[9] = status  # GPSStatus: "A" measurement active, "V" void
        exif[ExifTags.IFD.GPSInfo] = gps
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def with_gps(context) -> None:
    """Grant geolocation and stand on the route."""
    context.grant_permissions(["geolocation"])
    context.set_geolocation(HERE)


def join_on_the_route(page, context, make_walk, **walk_fields) -> dict:
    """A new walk, and a resident standing on its route with GPS who has joined it (on the
    capture page, ready). The walk as make_walk returns it."""
    walk = make_walk(**walk_fields)
    with_gps(context)
    join(page, walk["join_code"])
    return walk


def join(page, join_code: str) -> None:
    """Join through the QR link as a resident and wait for the capture page to be ready."""
    page.goto(f"/j/{join_code}")
    page.check("input[name=role][value=resident]", force=True)
    page.fill("input[name=display_name]", "Birte")
    page.click("main button[type=submit]")
    page.wait_for_url("**/capture")
    wait_ready(page)


def wait_ready(page) -> None:
    """The capture page has loaded and its modules have drawn the map."""
    page.wait_for_function("() => document.readyState === 'complete'"
                           " && document.querySelector('#capture-map.leaflet-container') !== null")


# The outbox as the phone stores it: every item of IndexedDB "walkapp-outbox", oldest first (read
# directly, not through the page's code, so a test sees what a reload would find).
OUTBOX_ITEMS_JS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('walkapp-outbox', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('items', { keyPath: 'seq', autoIncrement: true })
    .createIndex('id', 'id', { unique: false });
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const read = open.result.transaction('items', 'readonly').objectStore('items').getAll();
    read.onerror = () => reject(read.error);
    read.onsuccess = () => { open.result.close(); resolve(read.result.sort((a, b) => a.seq - b.seq)); };
  };
})"""


def outbox_items(page, pick: str = "i => i") -> list:
    """The phone's outbox items, each mapped through the JS function `pick`."""
    return page.evaluate(f"async () => (await ({OUTBOX_ITEMS_JS})()).map({pick})")


def wait_until(page, condition: str | Callable[[], Any], timeout: float = 15, what: str = "") -> Any:
    """Ask `condition` every 100 ms until its answer is truthy, and return that answer; fail
    after `timeout` seconds. A string is a (possibly async) script, awaited by page.evaluate.

    For what page.wait_for_function cannot do: it tests the predicate's return value as it
    is, and a Promise is truthy, so an async predicate ends the wait at once (after one
    evaluation, whatever it finds). Caches, IndexedDB and the server need awaiting."""
    ask = (lambda: page.evaluate(condition)) if isinstance(condition, str) else condition
    deadline = time.monotonic() + timeout
    while not (answer := ask()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what or condition}"
        page.wait_for_timeout(100)
    return answer


def kept_page_js(path: str = "location.pathname") -> str:
    """A script answering whether the service worker keeps the page at `path` (a JS expression)."""
    return f"async () => !!(await (await caches.open('pages')).match({path}))"


def wait_for_worker(page) -> None:
    """The service worker controls the page and has kept the page for offline use."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    wait_until(page, kept_page_js(), what="the capture page kept by the service worker")


def save_finding(page) -> None:
    """Tap Save in the sheet and wait for the sheet to close."""
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")


def wait_sent(page, timeout: float = 30000) -> None:
    """Everything the phone had to send has arrived ("Gemt" in the sync status)."""
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=timeout)


def close_walk(app, walk_id: int) -> None:
    """The coordinator closes the walk (on the server, as the staff page would)."""
    from walkapp.walks.models import Walk

    with app.app_context():
        db.session.get(Walk, walk_id).status = "closed"
        db.session.commit()
        db.session.remove()


def add_finding(page, category: str, photo: bytes | None, name: str = "photo.jpg", text: str = "") -> None:
    """The three-tap flow: New finding → category → photo → Save."""
    page.click("#new-finding")
    page.click(f".category-button[data-code={category}]")
    if photo is not None:
        page.set_input_files("#photo-input", files=[{"name": name, "mimeType": "image/jpeg", "buffer": photo}])
        page.wait_for_selector("#photo-thumbs img")
    if text:
        page.fill("#description", text)
    save_finding(page)


def findings_on_server(app, walk_id: int):
    """(finding, photo count) rows stored for the walk."""
    from walkapp.findings.models import Finding

    with app.app_context():
        rows = db.session.execute(db.select(Finding).where(Finding.walk_id == walk_id)).scalars().all()
        result = [(f.id, f.category.code, len(f.photos), f.description) for f in rows]
        db.session.remove()
        return result


def finding_row(app, finding_id: str) -> dict | None:
    """The stored finding as a dict (None when it is gone)."""
    from walkapp.findings.models import Finding

    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        row = None if finding is None else {
            "category": finding.category.code, "rating": finding.rating, "description": finding.description,
            "location_source": finding.location_source, "lat": finding.lat, "lon": finding.lon,
            "accuracy_m": finding.accuracy_m, "photos": [(p.width, p.height) for p in finding.photos],
        }
        db.session.remove()
        return row


def skip_blur(page) -> None:
    """A photo added to a saved finding first opens the blur tool: keep it as it is ("Spring over")."""
    page.wait_for_selector("#blur-canvas[data-ready]")
    page.click("#blur-cancel")
    page.wait_for_selector("#blur-dialog", state="hidden")


# Chromium with a fake microphone that needs no permission prompt (voice notes).
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
