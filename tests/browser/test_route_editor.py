"""The coordinator draws a route on a phone: tap to add, undo, drag, meeting point, save."""
import json

from tests.browser.layout_helpers import assert_fits_phone
from tests.browser.staff_helpers import log_in


def route_points(page) -> list:
    value = page.input_value("#route")
    return json.loads(value)["coordinates"] if value else []


def test_route_drawn_on_a_phone_is_saved_and_shown(page, live_server, coordinator):
    """Tap three points, undo one, drag one, set the meeting point, save: the walk shows the route."""
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, coordinator["email"])
    page.goto("/walks/new")
    assert_fits_phone(page)
    page.fill("#title", "Browser-vandring")
    page.fill("#starts_at", "2030-11-26T18:30")

    page.locator("#route-map").scroll_into_view_if_needed()
    box = page.locator("#route-map").bounding_box()
    for dx, dy in ((120, 140), (200, 220), (300, 300)):
        page.mouse.click(box["x"] + dx, box["y"] + dy)
        page.wait_for_timeout(300)
    assert len(route_points(page)) == 3
    page.click("#route-undo")
    assert len(route_points(page)) == 2

    page.locator("#route-map").scroll_into_view_if_needed()
    box = page.locator("#route-map").bounding_box()
    before = route_points(page)[1]
    page.mouse.move(box["x"] + 200, box["y"] + 220)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 250, steps=8)
    page.mouse.up()
    assert route_points(page)[1] != before, "dragging a vertex must move it"
    assert len(route_points(page)) == 2

    page.click("#meeting-mode")
    box = page.locator("#route-map").bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 250)
    assert page.input_value("#meeting_lat") and page.input_value("#meeting_lon")
    heights = page.evaluate(
        "() => ['route-undo','route-clear','meeting-mode']"
        ".map(id => document.getElementById(id).getBoundingClientRect().height)"
    )
    assert round(min(heights), 1) >= 48, heights

    page.click("main button[type=submit]")
    page.wait_for_url("**/walks/*")
    assert "Browser-vandring" in page.content()
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.querySelectorAll('#walk-map path.leaflet-interactive').length") >= 1

    page.goto(page.url + "/edit")
    page.wait_for_timeout(200)
    assert len(route_points(page)) == 2, "the saved route comes back into the editor"
    page.click("#route-clear")
    assert page.input_value("#route") == ""
    assert not errors, errors
