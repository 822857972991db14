"""Playwright fixtures: the test's app served on a free local port, the system Chromium and a
Pixel 7 context (Danish locale, Copenhagen time zone).

Every test under tests/browser is marked `browser`. Without Chromium the tests are skipped on
a laptop and fail under WALKAPP_TEST_STRICT=1 (CI)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import chromium_path, skip_or_fail

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_HERE = Path(__file__).resolve().parent


# When Chromium hangs up mid-response (a context closing while its service worker still
# precaches icons), werkzeug's dev server raises in its clean-up before it closes the
# response's file, and the open file is reported when collected. That is the test server's
# problem, not the app's; only this exact leak is ignored, and only in browser tests.
DROPPED_CONNECTION_FILE_LEAK = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder as a browser test (select with -m browser)."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(DROPPED_CONNECTION_FILE_LEAK)


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(app):
    """The test's app (same database as the factories) served over HTTP in a daemon thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Track request threads, so teardown can wait for a request the page sent at the last
    # moment instead of dropping the database under it.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        for request_thread in list(getattr(server, "_threads", None) or []):
            request_thread.join(timeout=10)
        # Joined above with a bound; a stuck keep-alive thread must not hang the suite.
        server.block_on_close = False
        server.server_close()


@pytest.fixture(scope="session")
def playwright_instance():
    """A running Playwright driver for the whole session (skipped/failed if unavailable)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        skip_or_fail("the Python package playwright is not installed")
    instance = sync_playwright().start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """The system Chromium, headless (skipped, or failed in CI, when it cannot start)."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Chromium not found (set CHROMIUM_PATH or install chromium)")
    try:
        chromium = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser here"
        skip_or_fail(f"Chromium at {path} did not start: {exc}")
    yield chromium
    chromium.close()


@pytest.fixture
def pixel7_context(playwright_instance, browser, live_server):
    """A browser context emulating a Pixel 7 in Danish, pointed at the live server."""
    context = browser.new_context(
        **playwright_instance.devices["Pixel 7"],
        base_url=live_server.url,
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
    )
    yield context
    context.close()


@pytest.fixture
def page(pixel7_context):
    """A fresh page in the Pixel 7 context."""
    new_page = pixel7_context.new_page()
    yield new_page
    new_page.close()
