"""After saving: a participant adds a photo to their finding and moves its pin while the walk is
open, offline as well as online, with the outbox's guarantees (kept over a reload, sent once)."""
from __future__ import annotations

import json

from tests.browser.capture_helpers import (
    HERE,
    OUTBOX_ITEMS_JS,
    add_finding,
    close_walk,
    finding_row,
    findings_on_server,
    join,
    join_on_the_route,
    jpeg_bytes,
    outbox_items,
    skip_blur,
    wait_for_worker,
    wait_ready,
    wait_sent,
    wait_until,
    with_gps,
)
from tests.browser.layout_helpers import assert_fits_phone


def outbox_kinds(page) -> list[str]:
    """What is waiting in the phone's outbox, oldest first."""
    return outbox_items(page, "i => i.kind")


def test_photo_and_new_place_after_saving_offline_arrive_once(page, pixel7_context, live_server, make_walk,
                                                              make_finding):
    """Saved and sent; then offline: "Add photo" and "Move the pin" wait in the outbox over a reload, then arrive once."""
    walk = make_walk()
    someone_elses = make_finding(walk["id"], category="litter", lat=55.6668, lon=12.6066)
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    wait_for_worker(page)
    add_finding(page, "lighting", None, text="Lampen er gået")
    wait_sent(page)
    (finding_id, *_rest), = [r for r in findings_on_server(live_server.app, walk["id"]) if r[0] != someone_elses]
    key = str(finding_id)  # as the page knows it
    strings = json.loads(page.locator("#capture-strings").text_content())

    page.click("#show-list")
    mine = page.locator(f'.finding-item[data-id="{key}"]')
    mine.wait_for()
    other = page.locator(f'.finding-item[data-id="{someone_elses}"]')
    assert other.locator(".add-photo, .move-pin").count() == 0  # only my own findings
    assert mine.locator(".add-photo").inner_text() == "Tilføj foto"
    assert mine.locator(".move-pin").inner_text() == "Flyt nålen"
    assert_fits_phone(page)

    pixel7_context.set_offline(True)
    with page.expect_file_chooser() as chooser:
        mine.locator(".add-photo").click()
    chooser.value.set_files(files=[{"name": "lampe.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=21)}])
    skip_blur(page)
    mine.locator(".list-thumbs img").wait_for()
    page.wait_for_function("(id) => document.querySelector(`.finding-item[data-id='${id}']`)"
                           "?.dataset.state === 'waiting'", arg=key)

    before_x = page.evaluate(
        "(id) => new DOMMatrix(document.querySelector(`.marker-finding[data-id='${id}']`).style.transform).e", key)
    mine.locator(".move-pin").click()
    page.locator("#move-dialog").wait_for(state="visible")
    page.wait_for_selector("#move-map .leaflet-marker-icon")
    assert_fits_phone(page)  # big enough to hit with cold fingers, nothing off the side
    box = page.locator("#move-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)  # left of where it was
    assert page.locator("#move-text").inner_text() == strings["placeMoved"]
    page.click("#move-save")
    page.locator("#move-dialog").wait_for(state="hidden")
    # The dialog closes as the write to IndexedDB starts: wait for the write, then look.
    wait_until(page, f"async () => (await ({OUTBOX_ITEMS_JS})()).length === 2", what="photo and patch in the outbox")
    assert outbox_kinds(page) == ["photo", "patch"]
    new_place = outbox_items(page, "i => i.kind === 'patch' ? [i.body.lat, i.body.lon] : null")[1]
    assert new_place[1] < HERE["longitude"] - 0.0001
    marker_x = "(id) => new DOMMatrix(document.querySelector(`.marker-finding[data-id='${id}']`).style.transform).e"
    page.wait_for_function(f"([id, x]) => ({marker_x})(id) < x", arg=[key, before_x])  # the marker moves at once

    page.reload()
    wait_ready(page)
    assert outbox_kinds(page) == ["photo", "patch"]  # nothing lost on the way
    before = finding_row(live_server.app, finding_id)
    assert before["photos"] == [] and before["lon"] == HERE["longitude"]

    pixel7_context.set_offline(False)
    wait_sent(page)
    assert outbox_kinds(page) == []
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # one more pass sends nothing twice
    page.wait_for_timeout(1000)
    after = finding_row(live_server.app, finding_id)
    assert len(after["photos"]) == 1
    assert abs(after["lat"] - new_place[0]) < 1e-6 and abs(after["lon"] - new_place[1]) < 1e-6
    assert after["location_source"] == "map" and after["accuracy_m"] is None
    assert after["description"] == "Lampen er gået"


def test_a_photo_added_to_a_finding_not_yet_sent_follows_it(page, pixel7_context, live_server, make_walk):
    """Offline from the start: the photo added from the list waits for its finding, and both arrive."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    pixel7_context.set_offline(True)
    add_finding(page, "graffiti", None)
    page.click("#show-list")
    item = page.locator(".finding-item").first
    with page.expect_file_chooser() as chooser:
        item.locator(".add-photo").click()
    chooser.value.set_files(files=[{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=22)}])
    skip_blur(page)
    item.locator(".list-thumbs img").wait_for()
    assert outbox_kinds(page) == ["finding", "photo"]
    pixel7_context.set_offline(False)
    wait_sent(page)
    (_id, category, photos, _text), = findings_on_server(live_server.app, walk["id"])
    assert (category, photos) == ("graffiti", 1)


def test_no_photo_or_move_on_a_closed_walk(page, pixel7_context, live_server, make_walk):
    """Once the walk is closed, a participant's list offers neither "Add photo" nor "Move the pin"."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    add_finding(page, "lighting", None)
    wait_sent(page)
    close_walk(live_server.app, walk["id"])
    page.reload()
    wait_ready(page)
    page.click("#show-list")
    page.locator(".finding-item").first.wait_for()
    assert page.locator(".add-photo, .move-pin").count() == 0
