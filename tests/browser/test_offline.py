"""Offline first: findings made without coverage survive a reload, are sent exactly once when the
phone is back online, are retried after a server error, and are kept when the walk closed."""
from __future__ import annotations

import re

from tests.browser.capture_helpers import (
    add_finding,
    findings_on_server,
    join,
    jpeg_bytes,
    wait_for_worker,
    wait_ready,
    with_gps,
)

CATEGORIES = ("lighting", "graffiti", "litter")


def test_offline_findings_survive_a_reload_and_arrive_once(page, pixel7_context, live_server, make_walk):
    """Three findings with photos made offline are still waiting after a reload, then sent once each."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    wait_for_worker(page)

    pixel7_context.set_offline(True)
    for number, category in enumerate(CATEGORIES):
        add_finding(page, category, jpeg_bytes(seed=10 + number), text=f"Fund {number}")
    page.wait_for_selector("#sync-status[data-state=waiting]")

    page.reload()
    wait_ready(page)
    page.click("#show-list")
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 3")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.finding-item')].every(e => e.dataset.state === 'waiting')")
    assert page.locator("#sync-status").get_attribute("data-state") == "waiting"
    assert "3" in page.locator("#sync-status").inner_text()
    assert page.locator(".finding-item .list-thumbs img").count() == 3
    assert findings_on_server(live_server.app, walk["id"]) == []

    pixel7_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    rows = findings_on_server(live_server.app, walk["id"])
    assert sorted(r[1] for r in rows) == sorted(CATEGORIES)
    assert all(r[2] == 1 for r in rows), rows
    page.wait_for_function(
        "() => [...document.querySelectorAll('.finding-item')].every(e => e.dataset.state === 'sent')")


def test_a_failed_attempt_is_retried(page, pixel7_context, live_server, make_walk):
    """The server answers 503 once: the finding stays in the outbox and arrives on the retry."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    attempts = []
    inner = live_server.app.wsgi_app

    # A hook in front of the app, not page.route: the retry may come from the service worker's
    # Background Sync, whose requests page routes do not see.
    def fail_first(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and re.fullmatch(r"/api/v1/walks/\d+/findings", environ["PATH_INFO"]):
            attempts.append(environ["PATH_INFO"])
            if len(attempts) == 1:
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [b'{"error": "unavailable", "message": "busy"}']
        return inner(environ, start_response)

    live_server.app.wsgi_app = fail_first
    add_finding(page, "vandalism", jpeg_bytes(seed=3))
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    assert len(attempts) >= 2
    rows = findings_on_server(live_server.app, walk["id"])
    assert len(rows) == 1 and rows[0][2] == 1


def test_finding_sent_after_the_walk_closed_needs_attention(page, pixel7_context, live_server, make_walk):
    """A finding that reaches the server after closing is kept on the phone and marked for the user."""
    walk = make_walk()
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    pixel7_context.set_offline(True)
    add_finding(page, "access", jpeg_bytes(seed=4), text="Kælderdør står åben")

    from walkapp.extensions import db
    from walkapp.walks.models import Walk

    with live_server.app.app_context():
        db.session.get(Walk, walk["id"]).status = "closed"
        db.session.commit()
        db.session.remove()

    pixel7_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=attention]", timeout=30000)
    page.click("#show-list")
    item = page.locator(".finding-item").first
    assert item.get_attribute("data-state") == "attention"
    assert item.locator(".attention-text").inner_text().strip()
    assert findings_on_server(live_server.app, walk["id"]) == []
    # Still kept after a reload: nothing is thrown away.
    page.reload()
    wait_ready(page)
    page.wait_for_selector("#sync-status[data-state=attention]")
    items = page.evaluate("async () => (await Outbox.all()).map(i => [i.kind, i.state])")
    assert ["finding", "attention"] in items and ["photo", "waiting"] in items
