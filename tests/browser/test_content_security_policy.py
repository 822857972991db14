"""The Content-Security-Policy in Chromium, which enforces it: the pages run everything they
need (no violation reported) on the join page, the capture page and the triage list and map,
and a script that got into a page anyway does not run."""
from __future__ import annotations

import pytest

from tests.browser.capture_helpers import join, with_gps
from tests.browser.staff_helpers import log_in

# Installed before any script of each document: every violation the page reports.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch(page) -> list[str]:
    """Collect the page's CSP violations: the events and Chromium's "Refused to …" messages."""
    refused: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text
            or msg.text.startswith("Refused to") else None)
    return refused


def violations(page, refused: list[str]) -> list[str]:
    return list(page.evaluate("window.__csp")) + refused


@pytest.fixture
def staff_page(browser, live_server, coordinator):
    """A desktop-sized page logged in as the coordinator, with its violations collected."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    refused = watch(page)
    log_in(page, coordinator["email"])
    yield page, refused
    context.close()


def test_join_and_capture_run_without_violations(page, pixel7_context, walk, live_server):
    """Join page (inlined CSS and text-size script), then the capture page (inlined start script,
    its modules, Leaflet, the service worker): nothing refused, and the page works."""
    with_gps(pixel7_context)
    refused = watch(page)
    page.goto(f"/j/{walk['join_code']}")
    page.click(".text-size-button[data-text-size='1']")  # text-size.js, inlined with the nonce
    assert page.evaluate("document.documentElement.getAttribute('data-text-size')") == "1"
    assert violations(page, refused) == []
    join(page, walk["join_code"])  # waits for the map the modules draw
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    assert violations(page, refused) == []


def test_triage_walk_page_and_report_run_without_violations(staff_page, make_walk, make_finding):
    """Triage list and map (clusters, popups), the walk page's map and the report's print button
    (a static script now, not onclick)."""
    walk = make_walk()
    for n in range(12):
        make_finding(walk["id"], lat=55.6700 + n * 1e-6, lon=12.6100)
    page, refused = staff_page
    page.goto("/findings")
    page.goto("/findings?view=map")
    page.wait_for_selector("#triage-map[data-points='12']")
    page.locator("#triage-map .marker-cluster").first.wait_for()
    assert violations(page, refused) == []
    page.goto(f"/walks/{walk['id']}")
    page.wait_for_selector(".leaflet-container")
    assert violations(page, refused) == []
    page.goto(f"/walks/{walk['id']}/report")
    page.evaluate("window.print = function () { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True
    assert violations(page, refused) == []


def test_a_script_that_got_into_the_page_does_not_run(staff_page):
    """The second line: an inline script without the page's nonce, however it got there, is
    refused, and the refusal is reported."""
    page, refused = staff_page
    page.goto("/walks")
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true;";
      document.body.appendChild(script);
      const img = document.createElement("div");
      img.innerHTML = '<img src="data:," onerror="window.handler = true">';
      document.body.appendChild(img);
    }""")
    page.wait_for_function("() => window.__csp.length >= 2")
    assert page.evaluate("window.injected") is None and page.evaluate("window.handler") is None
    assert any("script-src" in v for v in violations(page, refused))


def test_the_exported_map_works_under_its_own_policy(browser, logged_in, make_walk, make_finding):
    """map.html is a download (opened from disk, under no policy: test_followup_map.py); shown
    as a page with the policy the app sends with it, folium's inline code still draws the route,
    the markers and the legend and opens popups, and nothing is refused."""
    walk = make_walk(status="closed")
    make_finding(walk["id"], description='<img src=x onerror="window.__pwned=1">', lat=55.6662, lon=12.6040)
    make_finding(walk["id"], category="graffiti", lat=55.6667, lon=12.6062)
    response = logged_in.get(f"/walks/{walk['id']}/map.html")
    assert response.status_code == 200
    context = browser.new_context()
    context.route("http://walkapp.test/**", lambda route: route.fulfill(
        status=200, body=response.get_data(), headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": response.headers["Content-Security-Policy"]}))
    page = context.new_page()
    refused = watch(page)
    page.goto("http://walkapp.test/map.html")
    page.wait_for_selector("path.finding-marker")
    assert page.locator("path.walk-route").count() == 1 and page.locator("path.finding-marker").count() == 2
    assert page.locator("#followup-legend").is_visible()
    page.locator("path.finding-marker").first.click(force=True)
    page.locator(".leaflet-popup-content").wait_for()
    assert page.evaluate("() => window.__pwned") is None
    assert violations(page, refused) == []
    context.close()
