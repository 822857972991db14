"""A tap on the walk's big map starts a finding with its pin there: what the position notes
promise ("tap the map to place the finding"), for a resident whose phone has no position or a
poor one. A drag or a tap on a marker starts nothing."""
from __future__ import annotations

import math

from tests.browser.capture_helpers import (
    HERE,
    close_walk,
    finding_row,
    findings_on_server,
    join_on_the_route,
    save_finding,
    wait_sent,
)

NORTH_PX = 120  # how far above my position's dot the tap lands


def dot_centre(page) -> tuple[float, float]:
    """Where my position's dot is on the screen, once the map has stopped moving to it."""
    page.wait_for_selector("#capture-map .me-dot")
    page.wait_for_timeout(800)  # the pan to the first fix is animated
    box = page.locator("#capture-map .me-dot").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_tap_on_the_map_starts_a_finding_placed_where_the_tap_was(page, pixel7_context, live_server, make_walk):
    """GPS on, tap 120 px north of my dot: the sheet opens, the place is "chosen on the map" (a
    later fix does not move it) and the stored finding lies north of me, not at my position."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    x, y = dot_centre(page)

    page.mouse.click(x, y - NORTH_PX)
    page.wait_for_selector("#sheet:not([hidden]) #step-category:not([hidden])")
    page.click(".category-button[data-code=lighting]")
    page.wait_for_selector("#step-details:not([hidden])")
    assert page.locator("#place-text").inner_text().strip() == "Stedet er valgt på kortet."
    # A new fix while the sheet is open leaves the tapped place alone.
    pixel7_context.set_geolocation({"latitude": 55.6670, "longitude": 12.6070, "accuracy": 8})
    page.wait_for_timeout(500)
    save_finding(page)
    wait_sent(page)

    [(finding_id, category, _photos, _text)] = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert category == "lighting" and row["location_source"] == "map"
    north_m = (row["lat"] - HERE["latitude"]) * 111_320
    east_m = (row["lon"] - HERE["longitude"]) * 111_320 * math.cos(math.radians(HERE["latitude"]))
    assert north_m > 5, f"the pin is not north of me: {north_m:.1f} m"
    assert abs(east_m) < 0.15 * north_m, f"the pin drifted sideways: {east_m:.1f} m east, {north_m:.1f} m north"


def test_a_drag_or_a_tap_on_a_marker_starts_no_finding(page, pixel7_context, live_server, make_walk, make_finding):
    """Moving the map is not a tap, and a finding's marker opens the list as before."""
    walk = make_walk()
    make_finding(walk["id"], lat=HERE["latitude"] + 0.0003, lon=HERE["longitude"])
    join_on_the_route(page, pixel7_context, lambda: walk)
    x, y = dot_centre(page)

    page.mouse.move(x + 60, y + 60)
    page.mouse.down()
    page.mouse.move(x - 20, y - 20, steps=8)
    page.mouse.up()
    page.wait_for_timeout(400)
    assert page.locator("#sheet").is_hidden()

    page.wait_for_selector("#capture-map .marker-finding")
    page.locator("#capture-map .marker-finding").first.click()
    page.wait_for_selector("#list-view:not([hidden])")
    assert page.locator("#sheet").is_hidden()
    assert page.locator(".finding-item").count() == 1


def test_no_finding_starts_from_the_map_of_a_closed_walk(page, pixel7_context, live_server, make_walk):
    """A participant of a closed walk sees the map but adds nothing: a tap opens no sheet."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    close_walk(live_server.app, walk["id"])
    page.reload()
    page.wait_for_selector("#capture-map.leaflet-container")
    assert page.locator("#new-finding").count() == 0
    x, y = dot_centre(page)
    page.mouse.click(x, y - NORTH_PX)
    page.wait_for_timeout(400)
    assert page.locator("#sheet").count() == 0 or page.locator("#sheet").is_hidden()

