"""A finding placed without the map, by keyboard only (a route point from the list, a few
words), offline and then sent once; axe-core on the participant pages in Danish and English; and
the A / A+ / A++ text size, remembered, with nothing overlapping at 360 px under A++."""
from __future__ import annotations

import pytest

from tests.browser.a11y_helpers import axe_violations, tab_to
from tests.browser.capture_helpers import (
    findings_on_server,
    join,
    join_on_the_route,
    outbox_items,
    save_finding,
    wait_sent,
    wait_until,
)
from tests.browser.layout_helpers import boxes, off_screen, overlaps, phone, too_small, unreachable
from walkapp.extensions import db

MEETING = {"meeting_lat": 55.6661, "meeting_lon": 12.6040}
# Tiles from a closed port: the map is there, nothing is fetched from outside.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


def live_text(page) -> str:
    """What the save live region says now."""
    return page.locator("#saved-live").inner_text().strip()


def stored_places(app, walk_id: int) -> list[tuple]:
    """(location_source, lat, lon, location_text) of the walk's stored findings, sorted."""
    from walkapp.findings.models import Finding

    with app.app_context():
        rows = db.session.execute(db.select(Finding).where(Finding.walk_id == walk_id)).scalars().all()
        result = sorted((f.location_source, f.lat, f.lon, f.location_text) for f in rows)
        db.session.remove()
        return result


def test_keyboard_only_findings_by_route_point_and_by_words_offline_then_sent_once(
        page, pixel7_context, live_server, make_walk):
    """No position, no map touch: Punkt 2 from the list and "ved opgang 12" are saved offline by
    keyboard alone ("Venter på net"), then each arrives once ("Gemt")."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    join(page, walk["join_code"])
    created = []
    page.on("response", lambda r: created.append(r.url) if r.request.method == "POST"
            and r.url.endswith(f"/walks/{walk['id']}/findings") and r.status == 201 else None)
    pixel7_context.set_offline(True)

    # 1: the second point of the route, chosen from the list.
    tab_to(page, "#new-finding")
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-category:not([hidden])")
    assert page.evaluate("() => document.activeElement.classList.contains('category-button')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-details:not([hidden])")
    tab_to(page, "#place-list-toggle")
    assert page.locator("#place-list-toggle").get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert page.locator("#place-list-toggle").get_attribute("aria-expanded") == "true"
    options = page.locator("#place-route-point option").all_inner_texts()
    assert options[1:] == ["Mødested: Ved vaskeriet", "Punkt 1", "Punkt 2", "Punkt 3"]
    tab_to(page, "#place-route-point")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.locator("#place-text").inner_text() == "Sat ved Punkt 2."
    tab_to(page, "#save-finding")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sheet", state="hidden")
    page.wait_for_function("() => document.querySelector('#saved-live').textContent === 'Venter på net'")
    assert page.evaluate("() => document.activeElement.id") == "new-finding"

    # 2: a few words, no point at all.
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-category:not([hidden])")
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-details:not([hidden])")
    tab_to(page, "#place-list-toggle")
    page.keyboard.press("Enter")
    tab_to(page, "#place-words")
    page.keyboard.type("ved opgang 12")
    assert page.locator("#place-text").inner_text() == "Sat efter din beskrivelse: ved opgang 12"
    tab_to(page, "#save-finding")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sheet", state="hidden")

    bodies = outbox_items(page, "i => i.body")
    assert [(b["location_source"], b["lat"], b["lon"], b.get("location_text")) for b in bodies] == [
        ("route_point", 55.6664, 12.6054, None),
        # Words alone: the meeting point holds the finding on the map; the words say where.
        ("text", 55.6661, 12.6040, "ved opgang 12"),
    ]
    assert findings_on_server(live_server.app, walk["id"]) == []

    pixel7_context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_sent(page)
    page.wait_for_function("() => document.querySelector('#saved-live').textContent === 'Gemt'")
    assert stored_places(live_server.app, walk["id"]) == [
        ("route_point", 55.6664, 12.6054, ""),
        ("text", 55.6661, 12.6040, "ved opgang 12"),
    ]
    assert len(created) == 2
    assert outbox_items(page) == []


def test_at_my_position_from_the_list_without_a_fix_says_so(page, live_server, make_walk):
    """No position yet: "Ved min position" says to choose a point or describe the place, and Save
    stores nothing until a place is chosen."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.click("#place-list-toggle")
    page.click("#place-at-me")
    assert "Vælg et punkt på ruten" in page.locator("#place-text").inner_text()
    page.click("#save-finding")
    assert page.locator("#sheet").is_visible()
    assert outbox_items(page) == []


@pytest.mark.parametrize("english", [False, True], ids=["da", "en"])
def test_participant_pages_have_no_axe_violations(page, pixel7_context, live_server, make_walk, english):
    """Join page, capture page, the sheet (both steps, the no-map list open): axe finds nothing."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    page.goto(f"/j/{walk['join_code']}")
    if english:
        page.locator(".join-languages").get_by_role("button", name="English").click()
        page.wait_for_selector("html[lang=en]")
    assert axe_violations(page) == []
    page.click("button[data-text-size='2']")
    assert axe_violations(page) == []
    page.check("input[name=role][value=resident]", force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/capture")
    page.wait_for_selector("#capture-map.leaflet-container")
    assert page.locator("html").get_attribute("lang") == ("en" if english else "da")
    assert axe_violations(page) == []
    page.click("#new-finding")
    assert axe_violations(page) == []
    page.click(".category-button[data-code=lighting]")
    page.click("#place-list-toggle")
    page.fill("#place-words", "ved opgang 12")
    assert axe_violations(page) == []


def test_largest_text_is_remembered_and_nothing_overlaps_at_360(browser, live_server, make_walk):
    """A++ on the join page: the capture page opens at A++ too, and at 360 px neither the page,
    nor the sheet with the no-map list open, has controls on top of each other or off screen."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk(**MEETING)
    width, height = 360, 740
    with phone(browser, live_server.url, width, height, wide_font=True) as device:
        page = device.page
        page.goto(f"/j/{walk['join_code']}")
        normal = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.click("button[data-text-size='2']")
        assert page.locator("button[data-text-size='2']").get_attribute("aria-pressed") == "true"
        largest = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert largest == normal * 1.5
        page.evaluate("() => document.fonts.ready.then(() => true)")
        # "Start" is sticky at the bottom by design: measured at the end of the page, in its place.
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        join_page = boxes(page, {"size": ".text-size button", "heading": "main h1", "brand": ".brand",
                                 "language": ".topbar .language-menu > summary",
                                 "tile": ".role-tile", "start": "main button[type=submit]"})
        assert overlaps(join_page) == []
        assert off_screen(join_page, width) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width

        page.check("input[name=role][value=resident]", force=True)
        page.click("main button[type=submit]")
        page.wait_for_url("**/capture")
        page.wait_for_selector("#capture-map .leaflet-control-attribution")
        # Remembered on the phone: the next page starts at A++.
        assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") == largest
        page.evaluate("() => document.fonts.ready.then(() => true)")
        top = boxes(page, {
            "title": ".capture-title h1",
            "language": ".capture-top .language-menu > summary", "sync": "#sync-status",
            "map": "#show-map", "list": "#show-list", "new finding": "#new-finding", "find me": "#find-me",
            "zoom": "#capture-map .leaflet-control-zoom a",
        })
        assert {"title#0", "new finding#0", "find me#0", "map#0", "list#0"} <= {b["name"] for b in top}
        assert overlaps(top) == []
        assert off_screen(top, width, height) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        # The control on the capture page is at the top of the list, showing A++ as chosen.
        page.click("#show-list")
        assert page.locator("#list-view button[data-text-size='2']").get_attribute("aria-pressed") == "true"
        listed = boxes(page, {"size": "#list-view .text-size button", "heading": "#list-title",
                              "new finding": "#new-finding", "map": "#show-map", "list": "#show-list"})
        assert len([b for b in listed if b["name"].startswith("size")]) == 3
        assert overlaps(listed) == []
        assert off_screen(listed, width, height) == []
        assert too_small(listed) == []
        page.click("#show-map")

        page.click("#new-finding")
        page.click(".category-button[data-code=lighting]")
        page.click("#place-list-toggle")
        # Save is sticky at the sheet's foot by design: measured at the end of the scroll.
        page.evaluate("() => { const s = document.querySelector('#sheet'); s.scrollTop = s.scrollHeight; }")
        sheet = boxes(page, {"control": "#step-details button:not(.leaflet-control *), #step-details select,"
                                        " #step-details input[type=text], #step-details textarea,"
                                        " #step-details .photo-button, #place-map, #place-list-panel legend,"
                                        " #place-list-panel label"})
        assert len(sheet) >= 14
        assert overlaps(sheet) == []
        assert off_screen(sheet, width) == []
        assert page.evaluate("() => document.querySelector('#sheet').scrollWidth") <= width
        # Scrolled to, each control of the list is whole: the sticky Save bar never hides one.
        assert unreachable(page, "#place-list-toggle, #place-at-me, #place-route-point, #place-words") == []


def test_a_route_point_stays_when_a_new_fix_arrives_and_my_position_takes_the_fix(
        page, pixel7_context, live_server, make_walk):
    """Punkt 1 chosen, then the phone moves: the finding stays at Punkt 1; "Ved min position"
    then puts it at the fix, saved as gps."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    join_on_the_route(page, pixel7_context, make_walk, **MEETING)
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.click("#place-list-toggle")
    page.select_option("#place-route-point", label="Punkt 1")
    moved = {"latitude": 55.6670, "longitude": 12.6080, "accuracy": 5}
    pixel7_context.set_geolocation(moved)
    page.wait_for_timeout(1500)  # watchPosition reports the new fix
    assert page.locator("#place-text").inner_text() == "Sat ved Punkt 1."
    page.click("#place-at-me")
    assert page.locator("#place-text").inner_text().startswith("Din position")
    # Offline, so the saved finding stays in the outbox to be read (online it may already be
    # sent and gone); and waited for, as the sheet closes when the write starts.
    pixel7_context.set_offline(True)
    save_finding(page)
    [body] = wait_until(page, lambda: outbox_items(page, "i => i.body"), what="the finding in the outbox")
    assert (body["location_source"], body["lat"], body["lon"]) == ("gps", 55.6670, 12.6080)
    assert "location_text" not in body
