"""Offline first: findings made without coverage survive a reload, are sent exactly once when the
phone is back online, are retried after a server error, and are kept when the walk closed."""
from __future__ import annotations

import json
import re

from tests.browser.capture_helpers import (
    add_finding,
    close_walk,
    findings_on_server,
    join_on_the_route,
    jpeg_bytes,
    kept_page_js,
    outbox_items,
    wait_for_worker,
    wait_ready,
    wait_sent,
    wait_until,
)

CATEGORIES = ("lighting", "graffiti", "litter")


def test_offline_findings_survive_a_reload_and_arrive_once(page, pixel7_context, live_server, make_walk):
    """Three findings with photos made offline are still waiting after a reload, then sent once each."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    wait_for_worker(page)

    pixel7_context.set_offline(True)
    for number, category in enumerate(CATEGORIES):
        add_finding(page, category, jpeg_bytes(seed=10 + number), text=f"Fund {number}")
    page.wait_for_selector("#sync-status[data-state=waiting]")

    page.reload()
    wait_ready(page)
    page.click("#show-list")
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 3")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.finding-item')].every(e => e.dataset.state === 'waiting')")
    assert page.locator("#sync-status").get_attribute("data-state") == "waiting"
    assert "3" in page.locator("#sync-status").inner_text()
    assert page.locator(".finding-item .list-thumbs img").count() == 3
    assert findings_on_server(live_server.app, walk["id"]) == []

    pixel7_context.set_offline(False)
    wait_sent(page)
    rows = findings_on_server(live_server.app, walk["id"])
    assert sorted(r[1] for r in rows) == sorted(CATEGORIES)
    assert all(r[2] == 1 for r in rows), rows
    page.wait_for_function(
        "() => [...document.querySelectorAll('.finding-item')].every(e => e.dataset.state === 'sent')")


def test_a_failed_attempt_is_retried(page, pixel7_context, live_server, make_walk):
    """The server answers 503 once: the finding stays in the outbox and arrives on the retry."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    attempts = []
    inner = live_server.app.wsgi_app

    # A hook in front of the app, not page.route: the retry may come from the service worker's
    # Background Sync, whose requests page routes do not see.
    def fail_first(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and re.fullmatch(r"/api/v1/walks/\d+/findings", environ["PATH_INFO"]):
            attempts.append(environ["PATH_INFO"])
            if len(attempts) == 1:
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [b'{"error": "unavailable", "message": "busy"}']
        return inner(environ, start_response)

    live_server.app.wsgi_app = fail_first
    add_finding(page, "vandalism", jpeg_bytes(seed=3))
    wait_sent(page)
    assert len(attempts) >= 2
    rows = findings_on_server(live_server.app, walk["id"])
    assert len(rows) == 1 and rows[0][2] == 1


def test_finding_sent_after_the_walk_closed_needs_attention(page, pixel7_context, live_server, make_walk):
    """A finding that reaches the server after closing is kept on the phone and marked for the user."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    pixel7_context.set_offline(True)
    add_finding(page, "access", jpeg_bytes(seed=4), text="Kælderdør står åben")
    close_walk(live_server.app, walk["id"])

    pixel7_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=attention]", timeout=30000)
    page.click("#show-list")
    item = page.locator(".finding-item").first
    assert item.get_attribute("data-state") == "attention"
    assert item.locator(".attention-text").inner_text().strip()
    assert findings_on_server(live_server.app, walk["id"]) == []
    # Still kept after a reload: nothing is thrown away.
    page.reload()
    wait_ready(page)
    page.wait_for_selector("#sync-status[data-state=attention]")
    items = outbox_items(page, "i => [i.kind, i.state]")
    assert ["finding", "attention"] in items and ["photo", "waiting"] in items
    # The user reads what to do (kept on the phone, ask the coordinator) and can try again.
    strings = json.loads(page.locator("#capture-strings").text_content())
    page.click("#show-list")
    item = page.locator(".finding-item").first
    item.locator(".attention-text").wait_for()
    assert item.locator(".attention-text").inner_text() == strings["walkClosedHelp"]
    assert item.locator(".retry-finding").is_visible()


def test_the_installed_app_opened_offline_shows_the_capture_page(page, pixel7_context, live_server, make_walk):
    """Offline, the start URL "/" opens the walk's kept capture page with its outbox; other pages link to it."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    wait_for_worker(page)
    capture_path = f"/walks/{walk['id']}/capture"
    wait_until(page, kept_page_js("'/__last-capture'"), what="the last capture page kept for the start URL")

    pixel7_context.set_offline(True)
    add_finding(page, "lighting", None, text="Lampen er gået")
    page.goto("/")
    page.wait_for_url(f"**{capture_path}")
    wait_ready(page)
    page.wait_for_selector("#sync-status[data-state=waiting]")
    assert page.locator("#new-finding").is_visible()

    page.goto("/walks")
    link = page.locator("#open-capture")
    link.wait_for(state="visible")
    assert link.get_attribute("href") == capture_path
    link.click()
    page.wait_for_url(f"**{capture_path}")
    wait_ready(page)

    pixel7_context.set_offline(False)
    wait_sent(page)
    assert len(findings_on_server(live_server.app, walk["id"])) == 1


def _read_body(environ) -> bytes:
    """Read a WSGI request body and put it back for the app behind."""
    import io

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def test_one_finding_the_server_keeps_failing_does_not_hold_back_the_others(
        page, pixel7_context, live_server, make_walk):
    """500 for one finding: the later findings still arrive; it waits (with its photo) and arrives after recovery."""
    import json

    walk = join_on_the_route(page, pixel7_context, make_walk)
    inner = live_server.app.wsgi_app
    broken = {"id": None, "on": True, "hits": 0, "photo_posts": 0}

    def fail_one(environ, start_response):
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "POST" and re.fullmatch(r"/api/v1/walks/\d+/findings", path):
            finding_id = json.loads(_read_body(environ) or b"{}").get("id")
            if broken["id"] is None:
                broken["id"] = finding_id  # the oldest finding in the outbox is the one that fails
            if broken["on"] and finding_id == broken["id"]:
                broken["hits"] += 1
                start_response("500 Internal Server Error", [("Content-Type", "application/json")])
                return [b'{"error": "server_error", "message": "boom"}']
        if broken["on"] and broken["id"] and path == f"/api/v1/findings/{broken['id']}/photos":
            broken["photo_posts"] += 1
        return inner(environ, start_response)

    live_server.app.wsgi_app = fail_one
    pixel7_context.set_offline(True)
    for number, category in enumerate(CATEGORIES):
        add_finding(page, category, jpeg_bytes(seed=30 + number), text=f"Fund {number}")
    pixel7_context.set_offline(False)

    for _ in range(150):
        arrived = findings_on_server(live_server.app, walk["id"])
        if len(arrived) == 2 and all(r[2] == 1 for r in arrived):  # both findings with their photo
            break
        page.wait_for_timeout(100)
    rows = findings_on_server(live_server.app, walk["id"])
    assert sorted(r[1] for r in rows) == ["graffiti", "litter"]
    assert all(r[2] == 1 for r in rows), rows
    assert broken["hits"] >= 1 and broken["photo_posts"] == 0
    page.click("#show-list")
    page.wait_for_function("""(id) => document.querySelector(`.finding-item[data-id="${id}"]`)
        ?.dataset.state === 'waiting'""", arg=broken["id"])
    assert page.locator("#sync-status").get_attribute("data-state") == "waiting"

    broken["on"] = False
    wait_sent(page, timeout=60000)
    rows = findings_on_server(live_server.app, walk["id"])
    assert sorted(r[1] for r in rows) == sorted(CATEGORIES)
    assert all(r[2] == 1 for r in rows), rows


def test_map_tiles_are_cached_as_cors_responses_only(page, pixel7_context, live_server, make_walk):
    """Tiles are asked for with CORS, so the worker keeps real responses, never opaque ones."""
    import io

    from PIL import Image
    from werkzeug.urls import urlsplit

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 200)).save(buffer, "PNG")
    tile_png = buffer.getvalue()
    inner = live_server.app.wsgi_app

    def tiles(environ, start_response):
        if environ["PATH_INFO"].startswith("/tiles/"):
            start_response("200 OK", [("Content-Type", "image/png"), ("Access-Control-Allow-Origin", "*"),
                                      ("Content-Length", str(len(tile_png)))])
            return [tile_png]
        return inner(environ, start_response)

    live_server.app.wsgi_app = tiles
    port = urlsplit(live_server.url).port
    # "localhost" is another origin than the app's 127.0.0.1: the tiles are cross-origin, like OSM's.
    live_server.app.config["MAP_TILE_URL"] = f"http://localhost:{port}/tiles/{{z}}/{{x}}/{{y}}.png"
    join_on_the_route(page, pixel7_context, make_walk)
    wait_for_worker(page)
    page.reload()
    wait_ready(page)
    wait_until(page, "async () => (await (await caches.open('tiles')).keys()).length >= 4", what="4 tiles kept")
    kept = page.evaluate("""async () => { const c = await caches.open('tiles');
        return Promise.all((await c.keys()).map(async k => { const r = await c.match(k); return [r.type, r.status]; })); }""")
    assert kept and all(status == 200 and kind != "opaque" for kind, status in kept), kept
    assert page.locator("#capture-map img.leaflet-tile-loaded").count() >= 4


def _worker_registration(page, scope: str) -> tuple:
    """A DevTools session on the page and the id Chromium gives the app's worker registration."""
    session = page.context.new_cdp_session(page)
    found = []
    session.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(
        r["registrationId"] for r in event["registrations"] if r["scopeURL"] == scope and not r["isDeleted"]))
    session.send("ServiceWorker.enable")
    for _ in range(50):
        if found:
            break
        page.wait_for_timeout(100)
    assert found, "no service worker registration for " + scope
    return session, found[0]


def test_the_worker_sends_what_a_closed_capture_page_left(page, pixel7_context, live_server, make_walk):
    """A finding and its photo saved offline arrive, once, after the capture page is gone: the
    service worker sends them on Background Sync with the outbox modules the page uses."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    wait_for_worker(page)

    pixel7_context.set_offline(True)
    add_finding(page, "graffiti", jpeg_bytes(seed=31), text="Tag på muren")
    page.wait_for_selector("#sync-status[data-state=waiting]")
    page.goto("about:blank")  # no capture page left to send anything
    pixel7_context.set_offline(False)
    assert findings_on_server(live_server.app, walk["id"]) == []

    session, registration = _worker_registration(page, live_server.url + "/")
    session.send("ServiceWorker.dispatchSyncEvent", {
        "origin": live_server.url, "registrationId": registration, "tag": "outbox", "lastChance": False})
    for _ in range(100):
        rows = findings_on_server(live_server.app, walk["id"])
        if rows and rows[0][2] == 1:
            break
        page.wait_for_timeout(200)
    assert [(r[1], r[2], r[3]) for r in rows] == [("graffiti", 1, "Tag på muren")]
