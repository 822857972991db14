"""Capture on a phone: join by the QR link, add a finding with a photo, edit and list it."""
from __future__ import annotations

from tests.browser.capture_helpers import add_finding, findings_on_server, join, jpeg_bytes, with_gps


def test_join_and_add_a_finding_with_a_photo(page, pixel7_context, live_server, make_walk):
    """Three taps after "New finding" store a finding with its photo on the server."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])

    add_finding(page, "lighting", jpeg_bytes(seed=1))

    page.wait_for_selector("#sync-status[data-state=sent]", timeout=20000)
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
