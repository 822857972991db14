"""The whole capture in Arabic on a Pixel 7 and on a 360 px phone at A++: mirrored, nothing wider
than the phone or on top of each other, a finding by touch with a voice note and one by keyboard
alone from the route list, both saved offline and each sent once; and axe-core on the join page
and the capture sheet in every participant language.

One Chromium with a fake microphone serves the whole module (a launch costs seconds)."""
from __future__ import annotations

import pytest

from tests.browser.a11y_helpers import axe_violations, tab_to
from tests.browser.capture_helpers import (
    FAKE_MEDIA,
    HERE,
    outbox_items,
    save_finding,
    wait_ready,
    wait_sent,
)
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.layout_helpers import assert_fits_phone, boxes, off_screen, overlaps, phone
from tests.conftest import chromium_path, skip_or_fail
from walkapp.extensions import db
from walkapp.findings.models import Audio, Finding
from walkapp.i18n import PARTICIPANT_LANGUAGES

MEETING = {"meeting_lat": 55.6661, "meeting_lon": 12.6040}
# Tiles from a closed port: the map is there, nothing is fetched from outside.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
PIXEL7 = (412, 839)


@pytest.fixture(scope="module")
def media_browser(playwright_instance):
    """Chromium with a fake microphone for every test of this module."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Chromium not found (set CHROMIUM_PATH or install chromium)")
    chromium = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield chromium
    chromium.close()


def stored(app, walk_id: int) -> list[tuple]:
    """(location_source, category, rating, description, language, voice notes) per stored finding."""
    with app.app_context():
        rows = db.session.execute(db.select(Finding).where(Finding.walk_id == walk_id)).scalars().all()
        result = sorted((f.location_source, f.category.code, f.rating, f.description, f.language,
                         len(db.session.execute(db.select(Audio).where(Audio.finding_id == f.id)).all()))
                        for f in rows)
        db.session.remove()
        return result


def assert_mirrored_sheet(page, width: int) -> None:
    """The sheet's heading starts at the right edge and Cancel sits at the left end."""
    heading = page.locator("#sheet-title").bounding_box()
    cancel = page.locator("#step-category .close-sheet").bounding_box()
    assert heading["x"] + heading["width"] > width - 30 and cancel["x"] < 30
    assert heading["x"] > cancel["x"] + cancel["width"]


SHEET_CONTROLS = ("#step-details button:not(.leaflet-control *), #step-details select,"
                  " #step-details input[type=text], #step-details textarea, #step-details .photo-button,"
                  " #place-map, #place-list-panel legend, #place-list-panel label")


@pytest.mark.parametrize("size", ["pixel7", "360-a++"])
def test_the_whole_capture_in_arabic_offline_then_sent_once(media_browser, live_server, make_walk, size):
    """Arabic, right to left: a lighting finding by touch (rating, words, a voice note) and a
    keyboard-only one at Point 2 of the route, saved offline ("في انتظار الشبكة"), then sent
    once each ("تم الحفظ") with language "ar" and one voice note. At 360 px under A++ no control
    of the page or the sheet overlaps another or leaves the screen."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    width, height = PIXEL7 if size == "pixel7" else (360, 740)
    with phone(media_browser, live_server.url, width, height, geolocation=HERE) as device:
        page = device.page
        page.context.grant_permissions(["geolocation", "microphone"])
        posts: list[str] = []
        page.on("response", lambda r: posts.append(r.url.rsplit("/", 1)[-1])
                if r.request.method == "POST" and r.status == 201 else None)

        page.goto(f"/j/{walk['join_code']}?lang=ar")
        assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        if size != "pixel7":
            page.click("button[data-text-size='2']")
            assert page.locator("button[data-text-size='2']").get_attribute("aria-pressed") == "true"
        # Not assert_fits_phone: the privacy link inside the notice's sentence is an inline link.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        if size != "pixel7":
            page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
            join_page = boxes(page, {"size": ".text-size button", "heading": "main h1", "brand": ".brand",
                                     "tile": ".role-tile", "start": "main button[type=submit]"})
            assert overlaps(join_page) == [] and off_screen(join_page, width) == []
        page.check("input[name=role][value=resident]", force=True)
        page.click("main button[type=submit]")
        page.wait_for_url("**/capture")
        wait_ready(page)
        page.wait_for_selector("#capture-map .leaflet-control-attribution")
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        assert_fits_phone(page)
        if size != "pixel7":
            top = boxes(page, {"title": ".capture-title h1", "sync": "#sync-status", "map": "#show-map",
                               "list": "#show-list", "new finding": "#new-finding", "find me": "#find-me",
                               "language": ".capture-top .language-menu > summary",
                               "zoom": "#capture-map .leaflet-control-zoom a"})
            assert overlaps(top) == [] and off_screen(top, width, height) == []
        page.context.set_offline(True)

        # 1: by touch, with a rating, words and a voice note (tap to start, tap to stop).
        page.click("#new-finding")
        page.wait_for_selector("#step-category:not([hidden])")
        assert_mirrored_sheet(page, width)
        # The standard categories by their Arabic names, not the Danish ones.
        assert page.locator(".category-button[data-code=lighting]").inner_text().strip() == "الإضاءة"
        assert page.locator(".category-button[data-code=entrance]").inner_text().strip() == "السلالم والمداخل"
        assert_fits_phone(page)
        page.click(".category-button[data-code=lighting]")
        page.wait_for_selector("#step-details:not([hidden])")
        chip, change = page.locator("#chosen-category").bounding_box(), page.locator("#change-category").bounding_box()
        assert chip["x"] > change["x"]  # the chosen category first, at the right
        assert "الإضاءة" in page.locator("#chosen-category").inner_text()
        page.click("#step-details .rating-button[data-rating='1']")
        page.fill("#description", "المصباح مكسور عند المدخل")
        page.click("#voice-record")
        page.wait_for_selector("#voice-record[aria-pressed=true]")
        page.wait_for_timeout(1200)
        page.click("#voice-record")
        page.wait_for_selector("#voice-preview:not([hidden])")
        assert "تم تسجيل الرسالة الصوتية" in page.locator("#voice-status").inner_text()
        assert_fits_phone(page)
        if size != "pixel7":
            page.click("#place-list-toggle")
            page.evaluate("() => { const s = document.querySelector('#sheet'); s.scrollTop = s.scrollHeight; }")
            sheet = boxes(page, {"control": SHEET_CONTROLS})
            assert len(sheet) >= 14
            assert overlaps(sheet) == [] and off_screen(sheet, width) == []
            assert page.evaluate("() => document.querySelector('#sheet').scrollWidth") <= width
            page.click("#place-list-toggle")
        save_finding(page)
        page.wait_for_function("() => document.querySelector('#saved-live').textContent === 'في انتظار الشبكة'")

        # 2: keyboard only, no map: the second point of the route from the list.
        tab_to(page, "#new-finding")
        page.keyboard.press("Enter")
        page.wait_for_selector("#step-category:not([hidden])")
        page.keyboard.press("Enter")
        page.wait_for_selector("#step-details:not([hidden])")
        tab_to(page, "#place-list-toggle")
        page.keyboard.press("Enter")
        assert page.locator("#place-list-toggle").get_attribute("aria-expanded") == "true"
        tab_to(page, "#place-route-point")
        for _ in range(3):
            page.keyboard.press("ArrowDown")
        assert page.locator("#place-text").inner_text() == "وُضعت عند النقطة 2."
        assert_fits_phone(page)
        tab_to(page, "#save-finding")
        page.keyboard.press("Enter")
        page.wait_for_selector("#sheet", state="hidden")
        assert [i for i in outbox_items(page, "i => i.kind")] == ["finding", "audio", "finding"]
        assert stored(live_server.app, walk["id"]) == []

        page.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        wait_sent(page)
        page.wait_for_function("() => document.querySelector('#saved-live').textContent === 'تم الحفظ'")
        assert outbox_items(page) == []
        first_category = page.evaluate("() => document.querySelector('.category-button').dataset.code")
        assert stored(live_server.app, walk["id"]) == [
            ("gps", "lighting", 1, "المصباح مكسور عند المدخل", "ar", 1),
            ("route_point", first_category, None, "", "ar", 0),
        ]
        assert sorted(posts) == ["audio", "findings", "findings"]


def test_no_axe_violations_on_the_join_page_and_the_sheet_in_every_language(
        media_browser, playwright_instance, live_server, make_walk):
    """Join page, then the capture page with the sheet open (details, the no-map list open), in
    da en ar fa ur tr so pl uk: axe-core finds nothing, and each page says its language."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    context = media_browser.new_context(**playwright_instance.devices["Pixel 7"], base_url=live_server.url,
                                        locale="da-DK", timezone_id="Europe/Copenhagen")
    try:
        page = context.new_page()
        found = {}
        for lang in PARTICIPANT_LANGUAGES:
            page.goto(f"/j/{walk['join_code']}?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            found[f"join {lang}"] = axe_violations(page)
        page.check("input[name=role][value=resident]", force=True)
        page.click("main button[type=submit]")
        page.wait_for_url("**/capture")
        for lang in PARTICIPANT_LANGUAGES:
            page.goto(f"/walks/{walk['id']}/capture?lang={lang}")
            wait_ready(page)
            assert page.locator("html").get_attribute("lang") == lang
            page.click("#new-finding")
            page.wait_for_selector("#step-category:not([hidden])")
            found[f"categories {lang}"] = axe_violations(page)
            page.click(".category-button[data-code=lighting]")
            page.click("#place-list-toggle")
            page.fill("#place-words", "12")
            found[f"details {lang}"] = axe_violations(page)
        assert {where: v for where, v in found.items() if v} == {}
        assert len(found) == 3 * len(PARTICIPANT_LANGUAGES)
    finally:
        context.close()
