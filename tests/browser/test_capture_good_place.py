"""A good place captured on a phone: "Et godt sted" first, then a checklist category; it is
stored as a good place and drawn green on the capture map."""
from __future__ import annotations

from tests.browser.capture_helpers import (
    findings_on_server,
    join_on_the_route,
    save_finding,
    wait_sent,
)
from walkapp.extensions import db
from walkapp.findings.models import Finding


def test_good_place_is_sent_as_good_and_green_on_the_map(page, pixel7_context, live_server, make_walk):
    """Pressing "Et godt sted" before the category stores kind=good; the marker is green."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    page.click("#new-finding")
    assert page.get_attribute("#kind-choice .kind-problem", "aria-pressed") == "true"
    page.click("#kind-choice .kind-good")
    assert page.get_attribute("#kind-choice .kind-good", "aria-pressed") == "true"
    page.click(".category-button[data-code=life]")
    assert page.text_content("#details-title") == "Godt sted"
    page.wait_for_function("() => /8/.test(document.querySelector('#place-text').textContent)")
    page.fill("#description", "Mange mennesker ved caféen om aftenen")
    save_finding(page)
    wait_sent(page)
    (finding_id, category, _photos, _), = findings_on_server(live_server.app, walk["id"])
    assert category == "life"
    with live_server.app.app_context():
        assert db.session.get(Finding, finding_id).kind == "good"
        db.session.remove()
    # Waited for, not read once: the map redraws its markers when the sent finding comes back
    # from the server, and a marker being replaced has no computed colour for a moment.
    page.wait_for_function("""() => {
        const face = document.querySelector(".marker-finding.good-place .marker-finding-face");
        return face !== null && getComputedStyle(face).backgroundColor === "rgb(0, 200, 83)";
    }""")

    page.click("#show-list")
    badge = page.locator(f'.finding-item[data-id="{finding_id}"] .badge.good-place')
    badge.wait_for()
    assert badge.text_content() == "Godt sted"
    page.click("#show-map")

    # The next finding starts as a problem again.
    page.click("#new-finding")
    assert page.get_attribute("#kind-choice .kind-problem", "aria-pressed") == "true"
