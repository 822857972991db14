"""Installability (Chromium's own check) and accessibility (axe-core) of the phone pages."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.browser.a11y_helpers import axe_violations
from tests.browser.capture_helpers import join, wait_for_worker, wait_ready, with_gps
from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import chromium_path


@pytest.fixture
def profile_context(playwright_instance, browser, live_server, tmp_path):
    """A Pixel 7 context with a profile on disk: Chromium never offers to install from incognito,
    and every new_context() is an incognito-like one, so the check needs a real profile."""
    device = dict(playwright_instance.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS,
        base_url=live_server.url, locale="da-DK", **device,
    )
    yield context
    context.close()


def test_chromium_finds_the_app_installable(profile_context, live_server, make_walk):
    """No installability errors from Chromium, and the manifest is served as JSON."""
    walk = make_walk()
    page = profile_context.new_page()
    with_gps(profile_context)
    join(page, walk["join_code"])
    wait_for_worker(page)
    manifest = page.request.get("/manifest.webmanifest")
    assert manifest.ok
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["display"] == "standalone"
    session = profile_context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    assert session.send("Page.getAppManifest")["url"].endswith("/manifest.webmanifest")


def test_join_page_has_no_axe_violations(page, live_server, make_walk):
    """The join page a participant sees after scanning the QR code passes axe-core."""
    walk = make_walk()
    page.goto(f"/j/{walk['join_code']}")
    assert axe_violations(page) == []


def test_capture_page_has_no_axe_violations(page, pixel7_context, live_server, make_walk):
    """The capture page passes axe-core on the map, in the list, and with the new-finding sheet open."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    assert axe_violations(page) == []
    page.click("#new-finding")
    assert axe_violations(page) == []
    page.click(".category-button[data-code=graffiti]")
    page.wait_for_selector("#place-map .leaflet-marker-icon")
    assert axe_violations(page) == []
    page.click("#sheet [data-close]:visible")
    page.click("#show-list")
    assert axe_violations(page) == []


def test_every_script_the_capture_page_runs_is_kept_for_offline(page, pixel7_context, live_server, make_walk):
    """Each script the capture page loads, every module it imports included, is in the service
    worker's precache: one module missing offline and the whole capture page stops working."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    scripts = set()
    page.on("request", lambda r: scripts.add(urlsplit(r.url).path) if r.resource_type == "script" else None)
    page.reload()
    wait_ready(page)
    worker = page.request.get("/sw.js").text()
    settings = json.loads(re.match(r"const SW_SETTINGS = (\{.*?\});\n", worker).group(1))
    assert {"/static/js/capture.js", "/static/js/capture-sheet.js", "/static/js/fetch-json.js",
            "/static/js/photo.js", "/static/js/map.js"} <= scripts  # the imports were seen
    assert sorted(scripts - set(settings["precache"])) == []
