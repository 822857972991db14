"""The capture page in Arabic on a 360 px phone: right to left throughout (the page, the map's
controls, the new-finding sheet), nothing overlapping or wider than the phone, every target
48 px; and the language menu switches to another language by its own name."""
from __future__ import annotations

import pytest

from tests.browser.capture_helpers import HERE, wait_ready
from tests.browser.layout_helpers import assert_fits_phone, boxes, overlaps, phone

# Tiles from a closed port: Leaflet then shows the attribution, as with real tiles.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"

CONTROLS = {
    "new finding": "#new-finding",
    "find me": "#find-me",
    "map": "#show-map",
    "list": "#show-list",
    "zoom": "#capture-map .leaflet-control-zoom",
    "attribution": "#capture-map .leaflet-control-attribution",
    "title": ".capture-title h1",
    "language": ".capture-top .language-menu > summary",
    "sync": "#sync-status",
}


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def join_in_arabic(page, join_code: str) -> None:
    page.goto(f"/j/{join_code}?lang=ar")
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    page.check("input[name=role][value=resident]", force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/capture")
    wait_ready(page)
    page.wait_for_selector("#capture-map .leaflet-control-attribution")


@pytest.fixture
def arabic_capture(browser, live_server, make_walk):
    """A 360 px phone joined to a walk in Arabic, on its capture page."""
    walk = make_walk()
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    with phone(browser, live_server.url, 360, 740, geolocation=HERE) as device:
        join_in_arabic(device.page, walk["join_code"])
        yield device.page


def test_capture_in_arabic_is_mirrored_and_fits_a_360_px_phone(arabic_capture):
    """Arabic at 360 px: dir=rtl, controls apart and mirrored, the sheet's buttons on the left."""
    page = arabic_capture
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    assert "ملاحظة جديدة" in page.locator("#new-finding").inner_text()
    assert_fits_phone(page)
    found = boxes(page, CONTROLS)
    assert {b["name"].split("#")[0] for b in found} == set(CONTROLS)
    assert overlaps(found) == []
    # Mirrored: zoom and "Find me" on the right (reading start), attribution on the left.
    for selector in ("#capture-map .leaflet-control-zoom", "#find-me"):
        control = box(page, selector)
        assert control["x"] + control["width"] > 360 - 20, selector
    attribution = box(page, "#capture-map .leaflet-control-attribution")
    assert attribution["x"] < 20

    page.click("#new-finding")
    page.wait_for_selector("#step-category:not([hidden])")
    heading, cancel = box(page, "#sheet-title"), box(page, "#step-category .close-sheet")
    # The heading starts at the right edge, "إلغاء" (Cancel) sits at the left end.
    assert heading["x"] + heading["width"] > 360 - 30 and cancel["x"] < 30
    assert heading["x"] > cancel["x"] + cancel["width"]
    assert_fits_phone(page)
    page.locator(".category-button").first.click()
    page.wait_for_selector("#step-details:not([hidden])")
    change = box(page, "#change-category")
    chip = box(page, "#chosen-category")
    assert chip["x"] > change["x"]  # the chosen category first, at the right
    assert_fits_phone(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_the_language_menu_switches_by_the_languages_own_names(arabic_capture):
    """Arabic → Türkçe from the capture page's menu: Turkish, left to right, still on the walk."""
    page = arabic_capture
    capture_url = page.url
    page.click(".capture-top .language-menu > summary")
    menu = page.locator(".capture-top .language-choices")
    assert menu.locator("button").all_inner_texts() == [
        "Dansk", "English", "العربية", "فارسی", "اردو", "Türkçe", "Soomaali", "Polski", "Українська"]
    assert_fits_phone(page)
    menu.get_by_role("button", name="Türkçe").click()
    page.wait_for_function("() => document.documentElement.lang === 'tr'", timeout=15000)
    wait_ready(page)
    assert page.url == capture_url
    assert page.evaluate("() => document.documentElement.dir") == "ltr"
    assert "Yeni tespit" in page.locator("#new-finding").inner_text()
