"""The language menu on the capture page (Danish → English): English labels after one tap, still joined, and the
findings waiting in the outbox are still there and arrive once; offline it says why nothing
happens instead of leaving the walk for the browser's error page."""
from __future__ import annotations

import re

from tests.browser.capture_helpers import (
    OUTBOX_ITEMS_JS,
    add_finding,
    join_on_the_route,
    jpeg_bytes,
    outbox_items,
    wait_ready,
    wait_sent,
    wait_until,
)
from walkapp.extensions import db


def outbox_ids(page) -> list[tuple[str, str]]:
    return outbox_items(page, "i => [i.kind, i.id]")


def stored_findings(app, walk_id: int) -> list[tuple[str, str, int]]:
    """(reporter's name, category, photo count) of the walk's stored findings."""
    from walkapp.findings.models import Finding

    with app.app_context():
        rows = db.session.execute(db.select(Finding).where(Finding.walk_id == walk_id)).scalars().all()
        result = [(f.participant.display_name, f.category.code, len(f.photos)) for f in rows]
        db.session.remove()
        return result


def test_english_on_the_capture_page_keeps_me_joined_and_my_outbox(page, pixel7_context, live_server, make_walk):
    """Danish → English on the capture page: English labels, same walk and participant, outbox intact, sent once."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    capture_url = page.url
    menu = page.locator(".capture-top .language-menu > summary")
    assert menu.locator("span[lang]").inner_text().strip() == "Dansk"
    assert "Nyt fund" in page.locator("#new-finding").inner_text()

    # The server is busy for findings, so the finding stays in the outbox across the switch.
    inner = live_server.app.wsgi_app
    hold = {"on": True}

    def busy(environ, start_response):
        if hold["on"] and environ["REQUEST_METHOD"] == "POST" and re.fullmatch(
                r"/api/v1/walks/\d+/findings", environ["PATH_INFO"]):
            start_response("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "1")])
            return [b'{"error": "busy", "message": "busy"}']
        return inner(environ, start_response)

    live_server.app.wsgi_app = busy
    add_finding(page, "graffiti", jpeg_bytes(seed=5), text="Tags på muren")
    wait_until(page, f"async () => (await ({OUTBOX_ITEMS_JS})()).some(i => i.attempts > 0)", timeout=20,
               what="a first attempt to send the finding")
    waiting = outbox_ids(page)
    assert [kind for kind, _id in waiting] == ["finding", "photo"]

    menu.click()
    page.locator(".capture-top .language-choices").get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=15000)
    wait_ready(page)
    assert page.url == capture_url  # still on the walk, not sent to a join or login page
    assert "New finding" in page.locator("#new-finding").inner_text()
    assert page.locator("#show-map").inner_text() == "Map"
    assert page.locator("#show-list").inner_text() == "List"
    assert page.locator(".capture-top .language-menu > summary span[lang]").inner_text().strip() == "English"
    assert outbox_ids(page) == waiting

    hold["on"] = False
    live_server.app.wsgi_app = inner
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # the page's own trigger
    wait_sent(page)
    assert stored_findings(live_server.app, walk["id"]) == [("Birte", "graffiti", 1)]


def test_offline_the_switch_says_why_and_stays_on_the_walk(page, pixel7_context, live_server, make_walk):
    """Offline, tapping "English" keeps the Danish page and its outbox and tells the person in words."""
    join_on_the_route(page, pixel7_context, make_walk)
    pixel7_context.set_offline(True)
    add_finding(page, "lighting", None, text="Mørkt hjørne")
    before = outbox_ids(page)
    capture_url = page.url
    page.click(".capture-top .language-menu > summary")
    page.locator(".capture-top .language-choices").get_by_role("button", name="English").click()
    note = page.locator("#page-note")
    note.wait_for(state="visible")
    assert note.inner_text() == ("Sproget kan skiftes, når telefonen har forbindelse. "
                                 "Dine fund er gemt på telefonen.")
    assert page.url == capture_url and page.evaluate("() => document.documentElement.lang") == "da"
    assert outbox_ids(page) == before
