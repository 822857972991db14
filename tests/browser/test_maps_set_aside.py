"""Dismissed and duplicate findings as Chromium draws them: grey with why on the downloaded
follow-up map (legend counts = circles drawn, numbers on the markers) and on the walk page."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.browser.staff_helpers import log_in
from walkapp.exports.folium_map import STATUS_COLOURS
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.models import Measure

POPUP_TEXTS = """() => {
    const map = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k)).map(k => window[k])[0];
    const texts = [];
    map.eachLayer(layer => {
        if (layer instanceof L.CircleMarker && layer.getPopup()) {
            layer.openPopup();
            // This marker's own popup: the one closed before may still be fading out.
            texts.push(layer.getPopup().getElement().querySelector('.leaflet-popup-content').textContent);
        }
    });
    return texts;
}"""


@pytest.fixture
def scene(app, make_walk, make_finding):
    """A lamp with an agreed measure at the route's start, a dismissed finding in the middle
    and a duplicate of the lamp at the end, seen in the reverse order."""
    walk = make_walk(title="Ruteaften")
    lamp = make_finding(walk["id"], lat=55.66605, lon=12.6037, description="Mørk port",
                        observed_at=datetime(2026, 11, 29, 19, 30, tzinfo=UTC))
    make_finding(walk["id"], category="litter", lat=55.6664, lon=12.6054, description="Skrald",
                 state="dismissed", dismiss_reason="Privat have",
                 observed_at=datetime(2026, 11, 29, 19, 0, tzinfo=UTC))
    make_finding(walk["id"], lat=55.66675, lon=12.6070, description="Også mørkt", state="duplicate",
                 duplicate_of_id=lamp, observed_at=datetime(2026, 11, 29, 18, 30, tzinfo=UTC))
    with app.app_context():
        db.session.add(Measure(title="Ny lampe", status="agreed", findings=[db.session.get(Finding, lamp)]))
        db.session.commit()
    return walk


def test_followup_map_draws_them_grey_and_the_legend_counts_what_is_drawn(logged_in, scene, browser, tmp_path):
    path = tmp_path / "map.html"
    path.write_bytes(logged_in.get(f"/walks/{scene['id']}/map.html").get_data())
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else route.abort())
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("path.finding-marker")
        fills = page.eval_on_selector_all("path.finding-marker", "els => els.map(e => e.getAttribute('fill'))")
        legend = page.eval_on_selector_all(
            "#followup-legend .legend-count", "els => els.map(e => [e.dataset.status, Number(e.textContent)])")
        numbers = page.eval_on_selector_all(".leaflet-tooltip.finding-number", "els => els.map(e => e.textContent)")
        popups = page.evaluate(POPUP_TEXTS)
    finally:
        context.close()
    status_of_colour = {colour: status for status, colour in STATUS_COLOURS.items()}
    drawn = Counter(status_of_colour[fill] for fill in fills)
    assert drawn == Counter({"agreed": 1, "dismissed": 1, "duplicate": 1})
    assert {status: n for status, n in legend if n} == dict(drawn)
    assert sorted(numbers) == ["1", "2", "3"]
    assert any(t.startswith("#2 ") and "Afvist: Privat have" in t for t in popups)
    assert any(t.startswith("#3 ") and "Dublet af #1" in t for t in popups)
    assert not any("Intet tiltag endnu" in t for t in popups)


def test_walk_page_map_draws_them_grey_with_why(browser, live_server, coordinator, scene):
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        page.goto(f"/walks/{scene['id']}")
        page.wait_for_selector("#walk-map path.finding-marker")
        grey = page.eval_on_selector_all("#walk-map path.finding-marker.set-aside",
                                         "els => els.map(e => e.getAttribute('fill'))")
        others = page.eval_on_selector_all("#walk-map path.finding-marker:not(.set-aside)",
                                           "els => els.map(e => e.getAttribute('fill'))")
        page.click("#walk-map path.finding-marker.set-aside >> nth=0")
        first_grey = page.locator(".leaflet-popup-content").last.inner_text()
        page.click("#walk-map path.finding-marker.set-aside >> nth=1")
        # The popup closed before may still be fading out; the new one comes last.
        second_grey = page.locator(".leaflet-popup-content").last.inner_text()
    finally:
        context.close()
    assert grey == ["#bdbdbd", "#bdbdbd"] and len(others) == 1 and others[0] != "#bdbdbd"
    # Drawn in route order among the set-aside ones: #2 (dismissed), then #3 (duplicate).
    assert first_grey.startswith("#2 ") and "Afvist: Privat have" in first_grey
    assert second_grey.startswith("#3 ") and "Dublet af #1" in second_grey
