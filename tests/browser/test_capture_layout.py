"""The capture page holds whatever the phone's font and at 200 % text: "Nyt fund", "Find mig",
the map/list toggle, the sync status, the map's attribution and zoom buttons never cover each
other, nothing is wider than the phone, every button is a 48 px target, and the new-finding
sheet can be scrolled to every control with none hidden under another.

The wide font (tests/resources/fonts) is forced on every element, so these tests measure the
same layout on every machine, whatever fonts it has."""
from __future__ import annotations

import pytest

from tests.browser.capture_helpers import HERE, wait_ready
from tests.browser.layout_helpers import (
    boxes,
    check_dressed,
    covered,
    off_screen,
    overlaps,
    phone,
    too_small,
    unreachable,
)
from walkapp.seed import CATEGORIES

# Tiles from a closed port: Leaflet then shows the attribution, as with real tiles.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"

BUTTONS = {
    "new finding": "#new-finding",
    "find me": "#find-me",
    "map": "#show-map",
    "list": "#show-list",
    "zoom in": "#capture-map .leaflet-control-zoom-in",
    "zoom out": "#capture-map .leaflet-control-zoom-out",
}
# Checked when shown: the note only without a position, the language switch once the page has one.
OTHERS = {
    "title": ".capture-title h1",
    "sync": "#sync-status",
    "attribution": "#capture-map .leaflet-control-attribution",
    "location note": "#gps-note",
    "language": ".capture-top .language-menu > summary",
}

# (font, text size, width, height); the machine's font once, as a resident's phone would have it.
PHONES = [
    ("machine font 360", False, 1.0, 360, 740),
    ("wide font 360", True, 1.0, 360, 740),
    ("wide font 412", True, 1.0, 412, 915),
    ("wide font 200% 360", True, 2.0, 360, 740),
    ("wide font 200% 412", True, 2.0, 412, 915),
    ("wide font on its side", True, 1.0, 740, 360),
]


def join_on(device, join_code: str) -> None:
    """Join as a resident on this phone and wait for the capture page with its map."""
    page = device.page
    page.goto(f"/j/{join_code}")
    page.locator(".role-tile").first.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    page.check("input[name=role][value=resident]", force=True)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/capture")
    wait_ready(page)
    page.wait_for_selector("#capture-map .leaflet-control-attribution")
    check_dressed(device)


def overflowing(page, selector: str) -> list[str]:
    """Texts of matching elements whose content is wider than the element itself (maps aside:
    Leaflet's panes reach past a map by design and the map clips them)."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(el => el.offsetParent !== null && !el.classList.contains('leaflet-container')
                      && el.scrollWidth > el.clientWidth + 1)
        .map(el => el.textContent.trim())""", selector)


@pytest.mark.parametrize("phone_setup", PHONES, ids=[p[0] for p in PHONES])
def test_the_capture_controls_never_cover_each_other(browser, live_server, make_walk, phone_setup):
    """Map view: every control whole, on screen, a 48 px target, and covered by nothing."""
    _, wide_font, text_size, width, height = phone_setup
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk()
    with phone(browser, live_server.url, width, height, wide_font=wide_font, text_size=text_size,
               geolocation=HERE) as device:
        page = device.page
        join_on(device, walk["join_code"])
        # Leaflet's own link in the attribution would take a resident off the walk.
        assert page.locator(".leaflet-control-attribution a[href*=leafletjs]").count() == 0

        buttons = boxes(page, BUTTONS)
        assert sorted(b["name"] for b in buttons) == sorted(f"{name}#0" for name in BUTTONS)
        found = buttons + boxes(page, OTHERS)
        assert {"sync#0", "attribution#0", "title#0"} <= {b["name"] for b in found}
        assert overlaps(found) == []
        assert off_screen(found, width, height) == []
        assert too_small(buttons) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        for selector in BUTTONS.values():
            assert covered(page, selector) == [], selector
        assert overflowing(page, "button, .sync") == []
        # The map is still the page: at least 40 % of the screen's height.
        assert page.locator("#capture-map").bounding_box()["height"] >= 0.4 * height

        # The list view: the toggle and "Nyt fund" stay on screen above the list.
        page.click("#show-list")
        page.wait_for_selector("#list-view:not([hidden])")
        found = boxes(page, {"new finding": "#new-finding", "map": "#show-map", "list": "#show-list",
                             "sync": "#sync-status", "heading": "#list-title"})
        assert len(found) == 5
        assert overlaps(found) == []
        assert off_screen(found, width, height) == []
        check_dressed(device)  # still the font and text size measured above


@pytest.mark.parametrize("width,height", [(360, 740), (412, 915)])
def test_the_location_note_never_covers_find_me(browser, live_server, make_walk, width, height):
    """No position (location denied): the note takes its own row above "Find mig", at 200 % text."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk()
    with phone(browser, live_server.url, width, height, wide_font=True, text_size=2.0) as device:
        page = device.page
        join_on(device, walk["join_code"])
        page.wait_for_selector("#gps-note[data-state=off]", state="visible")
        found = boxes(page, {**BUTTONS, **OTHERS})
        assert "location note#0" in {b["name"] for b in found}
        assert overlaps(found) == []
        assert off_screen(found, width, height) == []
        for selector in ("#find-me", "#new-finding", "#gps-note"):
            assert covered(page, selector) == [], selector
        check_dressed(device)


SHEET_CATEGORY_STEP = "#step-category button"
# Controls inside a closed part of the sheet (the no-map list before it is opened) are not shown.
SHEET_DETAILS_STEP = ("#step-details button:not(.leaflet-control *):not([hidden] *), #step-details .photo-button,"
                      " #step-details textarea, #place-map")


def sheet_problems(page, selector: str, width: int) -> tuple[int, dict]:
    """How many controls one step of the sheet shows, and what is wrong with them (empty when
    nothing): overlaps at the end of the scroll, sideways overflow, small targets, and controls
    still covered when scrolled to the middle of the sheet."""
    page.evaluate("() => { const s = document.querySelector('#sheet'); s.scrollTop = s.scrollHeight; }")
    found = boxes(page, {"control": selector})
    problems = {
        "overlaps": overlaps(found),
        "off_screen": off_screen(found, width),
        "too_small": too_small(found),
        "sheet_too_wide": page.evaluate("() => document.querySelector('#sheet').scrollWidth") > width,
        "overflowing": overflowing(page, selector),
        "unreachable": unreachable(page, selector),
    }
    return len(found), {name: value for name, value in problems.items() if value}


@pytest.mark.parametrize("width,height", [(360, 740), (412, 915)])
def test_the_new_finding_sheet_is_reachable_at_200_percent(browser, live_server, make_walk, width, height):
    """Wide font, 200 % text: both steps of the sheet scroll to every control, none under another."""
    live_server.app.config["MAP_TILE_URL"] = NO_TILES
    walk = make_walk()
    with phone(browser, live_server.url, width, height, wide_font=True, text_size=2.0,
               geolocation=HERE) as device:
        page = device.page
        join_on(device, walk["join_code"])
        page.click("#new-finding")
        page.wait_for_selector("#step-category:not([hidden])")
        count, problems = sheet_problems(page, SHEET_CATEGORY_STEP, width)
        # Cancel, the two kinds (something unsafe / a good place) and every standard category.
        assert count == 1 + 2 + len(CATEGORIES)
        assert problems == {}

        page.click(".category-button[data-code=lighting]")
        page.wait_for_selector("#step-details:not([hidden])")
        # Save is in reach before any scrolling...
        page.evaluate("() => { document.querySelector('#sheet').scrollTop = 0; }")
        save = page.locator("#save-finding").bounding_box()
        assert save["y"] >= 0 and save["y"] + save["height"] <= height, save
        assert covered(page, "#save-finding") == []
        # ...and at the end of the form it covers nothing.
        count, problems = sheet_problems(page, SHEET_DETAILS_STEP, width)
        # Cancel, change category, "Kan du ikke bruge kortet?", the place map, photo, four
        # ratings, description, the voice note's "Hold for at tale", Save.
        assert count == 12
        assert problems == {}
        check_dressed(device)
