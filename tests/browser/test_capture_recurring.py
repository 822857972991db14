"""Capture on a phone at a spot reported last year: the stored finding says "Meldt før (2024)"."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.browser.capture_helpers import HERE, add_finding, join, wait_sent, with_gps
from walkapp.extensions import db


def test_a_finding_at_last_years_spot_shows_reported_before(page, pixel7_context, live_server, make_walk,
                                                           make_finding):
    """After the server stores the finding, the list shows the year of the earlier walk's report;
    a finding elsewhere shows no hint."""
    from walkapp.walks.models import Walk

    app = live_server.app
    last_year = make_walk(status="closed", starts_at=datetime(2024, 9, 12, 18, tzinfo=UTC))
    walk = make_walk()
    with app.app_context():
        db.session.get(Walk, walk["id"]).previous_walk_id = last_year["id"]
        db.session.commit()
        db.session.remove()
    make_finding(last_year["id"], lat=HERE["latitude"], lon=HERE["longitude"])
    make_finding(last_year["id"], category="graffiti", lat=HERE["latitude"], lon=HERE["longitude"])
    with_gps(pixel7_context)
    join(page, walk["join_code"])

    add_finding(page, "lighting", None)
    wait_sent(page)
    page.click("#show-list")
    hint = page.locator(".finding-item .earlier-hint")
    hint.wait_for()
    assert hint.inner_text() == "Meldt før (2024)"

    add_finding(page, "litter", None)
    wait_sent(page)
    page.wait_for_function("() => document.querySelectorAll('.finding-item').length === 2")
    assert page.locator(".finding-item .earlier-hint").count() == 1
