"""Capture on a phone: join by the QR link, add a finding with a photo, edit and list it."""
from __future__ import annotations

from tests.browser.capture_helpers import (
    add_finding,
    close_walk,
    finding_row,
    findings_on_server,
    join,
    join_on_the_route,
    jpeg_bytes,
    save_finding,
    wait_sent,
    with_gps,
)


def test_join_and_add_a_finding_with_a_photo(page, pixel7_context, live_server, make_walk):
    """Three taps after "New finding" store a finding with its photo on the server."""
    walk = join_on_the_route(page, pixel7_context, make_walk)

    add_finding(page, "lighting", jpeg_bytes(seed=1))

    wait_sent(page)
    rows = findings_on_server(live_server.app, walk["id"])
    assert len(rows) == 1
    finding_id, category, photos, _ = rows[0]
    assert category == "lighting"
    assert photos == 1
    page.click("#show-list")
    item = page.locator(f'.finding-item[data-id="{finding_id}"]')
    item.wait_for()
    assert item.get_attribute("data-state") == "sent"
    assert item.locator(".list-thumbs img").count() == 1


def test_capture_page_fits_a_small_phone(page, pixel7_context, live_server, make_walk):
    """At 360 px nothing scrolls sideways and every button is at least 48 px tall."""
    from tests.browser.layout_helpers import assert_fits_phone

    walk = make_walk()
    page.set_viewport_size({"width": 360, "height": 740})
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    assert_fits_phone(page)
    page.click("#new-finding")
    assert_fits_phone(page)
    page.click(".category-button[data-code=hidden_corner]")
    assert_fits_phone(page)


def test_gps_place_photo_downscaled_and_rating(page, pixel7_context, live_server, make_walk):
    """The GPS position is the default place; a 12 MP photo arrives at most 2048 px wide."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    page.click("#new-finding")
    page.click(".category-button[data-code=vegetation]")
    page.wait_for_function("() => /8/.test(document.querySelector('#place-text').textContent)")
    page.set_input_files("#photo-input", files=[
        {"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(4000, 3000, seed=7)}])
    page.wait_for_selector("#photo-thumbs img")
    page.click("#step-details .rating-button.r0")
    page.fill("#description", "Buskene skjuler stien")
    save_finding(page)
    wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "gps"
    assert abs(row["lat"] - 55.6665) < 1e-6 and abs(row["lon"] - 12.6060) < 1e-6
    assert row["accuracy_m"] == 8
    assert row["rating"] == 0 and row["description"] == "Buskene skjuler stien"
    assert row["photos"] == [(2048, 1536)]


def test_tapping_the_map_moves_the_place(page, pixel7_context, live_server, make_walk):
    """Correcting the pin on the map records the new place with location_source "map"."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    page.click("#new-finding")
    page.click(".category-button[data-code=traffic]")
    box = page.locator("#place-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function("() => document.querySelector('#place-text').textContent === "
                           "JSON.parse(document.querySelector('#capture-strings').textContent).placeMoved")
    save_finding(page)
    wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "map"
    assert row["lon"] < 12.6060 - 0.00005  # tapped left of my position


def test_same_place_adds_photo_and_text_to_the_existing_finding(page, pixel7_context, live_server, make_walk, make_finding):
    """A graffiti finding 3 m away: "Same place" adds my photo, text and rating to it instead of a new row."""
    walk = make_walk()
    existing = make_finding(walk["id"], category="graffiti", lat=55.66652, lon=12.60602, description="Tags på muren")
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 1")
    page.click("#new-finding")
    page.click(".category-button[data-code=graffiti]")
    page.set_input_files("#photo-input", files=[{"name": "g.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=8)}])
    page.wait_for_selector("#photo-thumbs img")
    page.fill("#description", "Også på døren")
    page.click("#step-details .rating-button.r0")  # I find it very unsafe; the first reporter gave none
    page.click("#save-finding")
    dialog = page.locator("#dup-dialog")
    dialog.wait_for(state="visible")
    assert "Tags på muren" in dialog.inner_text()
    page.click("#dup-same")
    page.wait_for_selector("#sheet", state="hidden")
    wait_sent(page)
    rows = findings_on_server(live_server.app, walk["id"])
    assert len(rows) == 1
    row = finding_row(live_server.app, existing)
    assert len(row["photos"]) == 1
    assert "Også på døren" in row["description"]
    assert row["rating"] == 0  # the newcomer's rating is not dropped


def test_new_finding_choice_keeps_both(page, pixel7_context, live_server, make_walk, make_finding):
    """Choosing "New finding" in the same-place dialog stores a second finding."""
    walk = make_walk()
    make_finding(walk["id"], category="litter", lat=55.66651, lon=12.60601)
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    # The walk's findings have arrived (a save before that cannot know the spot is taken).
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 1")
    page.click("#new-finding")
    page.click(".category-button[data-code=litter]")
    page.click("#save-finding")
    page.locator("#dup-dialog").wait_for(state="visible")
    page.click("#dup-new")
    page.wait_for_selector("#sheet", state="hidden")
    wait_sent(page)
    assert len(findings_on_server(live_server.app, walk["id"])) == 2


def test_edit_and_delete_my_finding(page, pixel7_context, live_server, make_walk):
    """My own finding can be corrected and deleted from the list; the server follows."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    add_finding(page, "lighting", None, text="Lampen er i stykker")
    wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])

    page.click("#show-list")
    item = page.locator(f'.finding-item[data-id="{finding_id}"]')
    item.locator(".edit-finding").click()
    page.select_option("#edit-category", "vandalism")
    page.click("#edit-rating .rating-button.r1")
    page.fill("#edit-description", "Lampen er smadret")
    page.click("#edit-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('.finding-item .description')?.textContent === 'Lampen er smadret'")
    wait_sent(page)
    page.wait_for_function("() => document.querySelectorAll('.finding-item[data-state=sent]').length === 1")
    row = finding_row(live_server.app, finding_id)
    assert (row["category"], row["rating"], row["description"]) == ("vandalism", 1, "Lampen er smadret")

    page.once("dialog", lambda d: d.accept())
    item.locator(".delete-finding").click()
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 0")
    wait_sent(page)
    for _ in range(50):
        if finding_row(live_server.app, finding_id) is None:
            break
        page.wait_for_timeout(100)
    assert finding_row(live_server.app, finding_id) is None


def test_closed_walk_offers_no_new_finding(page, pixel7_context, live_server, make_walk):
    """Once the walk is closed, the capture page says so and hides the button and edit actions."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    close_walk(live_server.app, walk["id"])
    page.reload()
    page.wait_for_selector(".closed-note")
    assert page.locator("#new-finding").count() == 0
