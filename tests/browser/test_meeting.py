"""Meeting mode in Chromium: a chair decides ten findings by keyboard only, two chairs decide at
once from two browsers, and the projected screen needs no scrolling at 1366×768 or 1920×1080."""
from __future__ import annotations

import io
import time
import uuid

from tests.browser.staff_helpers import log_in
from tests.conftest import csrf_token, login
from tests.image_helpers import jpeg_bytes, marked_landscape
from tests.meeting_helpers import (
    finding_row,
    measure_count,
    name_user,
    spread_findings,
    state_history,
)
from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.measures.models import Measure

LAPTOP = {"width": 1366, "height": 768}
FULL_HD = {"width": 1920, "height": 1080}


class Keys:
    """The chair's keyboard, counting every key pressed (a typed character is one key)."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def _meeting_page(browser, live_server, email: str, walk_id: int, viewport=LAPTOP):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="da-DK",
                                  timezone_id="Europe/Copenhagen")
    page = context.new_page()
    log_in(page, email)
    page.goto(f"/walks/{walk_id}/meeting")
    page.wait_for_function("() => document.querySelectorAll('#agenda-list li').length > 0")
    return context, page


def _current_number(page) -> str:
    return page.inner_text("#current-number")


def _add_photo(app, email: str, finding_id, width: int = 1200) -> str:
    """Upload a real JPEG to the finding through the API; returns the photo id."""
    client = app.test_client()
    login(client, email)
    data = {"photo": (io.BytesIO(jpeg_bytes(marked_landscape(width, 800))), "photo.jpg")}
    response = client.post(f"/api/v1/findings/{finding_id}/photos", data=data,
                           headers={"X-CSRFToken": csrf_token(client)}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_a_chair_decides_ten_findings_by_keyboard_only(browser, live_server, app, coordinator, make_walk):
    """Ten findings, five kinds of decision, no mouse: each takes a few keys and moves on."""
    walk = make_walk(status="closed")
    ids = spread_findings(app, walk["id"], 10, coordinator["id"])
    context, page = _meeting_page(browser, live_server, coordinator["email"], walk["id"])
    try:
        assert _current_number(page) == "Nr. 1"
        assert page.inner_text("#meeting-progress") == "0 af 10 besluttet"
        keys = Keys(page)
        # K/J and ←/→ move without deciding; back at no. 1 before the meeting starts.
        for key, expected in (("j", "Nr. 2"), ("ArrowRight", "Nr. 3"), ("k", "Nr. 2"), ("ArrowLeft", "Nr. 1")):
            page.keyboard.press(key)
            assert _current_number(page) == expected
        # Esc cancels a half-made decision: the chosen fields close and nothing is sent.
        page.keyboard.press("4")
        assert page.is_visible("#x-reason")
        page.keyboard.press("Escape")
        assert not page.is_visible("#x-reason") and finding_row(app, ids[0])["state"] == "new"

        plan = [
            ("measure", lambda: (keys.press("1"), keys.press("Enter"))),
            ("attach", lambda: (keys.press("2"), keys.press("Enter"))),
            ("duplicate", lambda: (keys.press("3"), keys.press("Enter"))),
            ("dismiss", lambda: (keys.press("4"), keys.type("Privat grund"), keys.press("Enter"))),
            ("park", lambda: (keys.press("5"), keys.press("Enter"))),
        ] * 2
        seconds = []
        for index, (_, decide) in enumerate(plan):
            assert _current_number(page) == f"Nr. {index + 1}"
            started = time.perf_counter()
            decide()
            if index < 9:
                page.wait_for_function(
                    f"() => document.getElementById('current-number').textContent === 'Nr. {index + 2}'")
            else:
                page.wait_for_selector("#decision-done:not([hidden])")
            seconds.append(time.perf_counter() - started)
        assert page.inner_text("#decision-message") == "Beslutningen er gemt."
        assert page.inner_text("#meeting-progress") == "8 af 10 besluttet"  # parked ones wait
        per_finding = sum(seconds) / len(seconds)
        print(f"\nmeeting by keyboard: 10 findings, {keys.count} keystrokes "
              f"({keys.count / 10:.1f} per finding), {sum(seconds):.2f} s in all, "
              f"{per_finding:.2f} s per finding (slowest {max(seconds):.2f} s)")
        assert keys.count == 2 * (2 + 2 + 2 + 14 + 2)
        states = [finding_row(app, f)["state"] for f in ids]
        assert states == ["triaged", "triaged", "duplicate", "dismissed", "parked"] * 2
        first_measure = finding_row(app, ids[0])["measures"]
        assert finding_row(app, ids[1])["measures"] == first_measure  # attached to no. 1's measure
        assert finding_row(app, ids[2])["duplicate_of"] == ids[0]
        assert finding_row(app, ids[3])["reason"] == "Privat grund"
        # The title was prefilled from the category name (Belysning for lighting).
        with app.app_context():
            assert db.session.get(Measure, first_measure[0]).title == "Belysning"
        # A parked finding can still be decided: back to no. 5 with the arrow keys.
        for _ in range(5):
            page.keyboard.press("ArrowLeft")
        assert _current_number(page) == "Nr. 5" and page.is_visible("#decision-form")
    finally:
        context.close()


def test_two_chairs_at_once_see_each_other_and_one_is_refused(browser, live_server, app, coordinator,
                                                               make_user, make_walk):
    """Chair B sees chair A's decision within seconds; deciding one finding together, one of them
    gets a clear refusal naming the other, and the database holds one decision."""
    walk = make_walk(status="closed")
    ids = spread_findings(app, walk["id"], 4, coordinator["id"])
    name_user(app, coordinator["id"], "Anna Andersen")
    other = make_user("bo@example.org", "staff", "VIBO")
    name_user(app, other["id"], "Bo Berg")
    context_a, a = _meeting_page(browser, live_server, coordinator["email"], walk["id"])
    context_b, b = _meeting_page(browser, live_server, other["email"], walk["id"])
    try:
        a.keyboard.press("1")
        a.keyboard.press("Enter")
        a.wait_for_function("() => document.getElementById('current-number').textContent === 'Nr. 2'")
        started = time.perf_counter()
        b.wait_for_function("() => document.querySelector('#agenda-list li').classList.contains('state-measure')",
                            timeout=8000)
        seen_after = time.perf_counter() - started
        b.wait_for_selector("#decision-done:not([hidden])")
        assert "Anna Andersen" in b.inner_text("#decision-done")
        assert b.inner_text("#meeting-progress") == "1 af 4 besluttet"
        print(f"\nthe other chair's decision appeared after {seen_after:.2f} s")

        b.keyboard.press("ArrowRight")
        assert _current_number(a) == _current_number(b) == "Nr. 2"
        a.keyboard.press("1")
        b.keyboard.press("4")
        b.keyboard.type("Privat")
        a.keyboard.press("Enter")
        b.keyboard.press("Enter")
        for page in (a, b):
            page.wait_for_function("() => document.getElementById('decision-message').textContent !== ''")
        messages = {"a": a.inner_text("#decision-message"), "b": b.inner_text("#decision-message")}
        refused = [who for who, text in messages.items() if text.startswith("Ikke gemt")]
        assert len(refused) == 1, messages
        loser = a if refused == ["a"] else b
        winner_name = "Bo Berg" if refused == ["a"] else "Anna Andersen"
        assert "#2 er allerede besluttet af " + winner_name in messages[refused[0]]
        # The refused chair's screen refreshes that finding: the form gives way to the decision.
        loser.wait_for_selector("#decision-form", state="hidden")
        assert loser.is_visible("#decision-done")
        assert loser.inner_text("#decision-message").startswith("Ikke gemt: #2 er allerede besluttet")
        assert winner_name in loser.inner_text("#decision-done")
        assert len(state_history(app, ids[1])) == 1
        won = finding_row(app, ids[1])["state"]
        assert won == ("dismissed" if refused == ["a"] else "triaged")
        assert measure_count(app) == (1 if won == "dismissed" else 2)
    finally:
        context_a.close()
        context_b.close()


FITS_JS = """() => {
  const box = (sel) => document.querySelector(sel).getBoundingClientRect();
  const page = document.scrollingElement;
  return {scroll: page.scrollHeight, height: innerHeight, width: innerWidth, scrollWidth: page.scrollWidth,
          current: box('#current').bottom, photo: box('.photo-main').bottom, map: box('#current-map').bottom,
          text: box('#current-text').bottom, submit: box('#decision-submit').bottom,
          decision: box('.meeting-decision').right};
}"""


def test_the_projected_screen_needs_no_scrolling(browser, live_server, app, coordinator, make_walk):
    """At 1366×768 and 1920×1080 the current finding (photo, text, map) and the whole decision
    panel, with the biggest form open, are on screen without scrolling."""
    walk = make_walk(status="closed", title="Tryghedsvandring Holmbladsgadekvarteret efterår")
    ids = spread_findings(app, walk["id"], 40, coordinator["id"])
    with app.app_context():
        db.session.get(Finding, ids[0]).description = (
            "Stien bag cykelkælderen er helt mørk om aftenen; lampen ved nr. 12 har været i "
            "stykker siden sommer, og der står ofte unge og ryger i hjørnet ved containerne.")
        db.session.commit()
    shown = _add_photo(app, coordinator["email"], ids[0])
    hidden = _add_photo(app, coordinator["email"], ids[0], width=900)
    with app.app_context():
        db.session.get(Photo, uuid.UUID(hidden)).hidden = True  # a face: never on the projector
        db.session.commit()
    for viewport in (LAPTOP, FULL_HD):
        context, page = _meeting_page(browser, live_server, coordinator["email"], walk["id"], viewport)
        try:
            page.wait_for_selector(".photo-main")
            page.wait_for_function("() => document.querySelector('.photo-main').complete")
            page.keyboard.press("1")  # the new-measure form is the tallest panel
            sizes = page.evaluate(FITS_JS)
            assert sizes["scroll"] <= sizes["height"], (viewport, sizes)
            assert sizes["scrollWidth"] <= sizes["width"], (viewport, sizes)
            for part in ("current", "photo", "map", "text", "submit"):
                assert sizes[part] <= sizes["height"], (viewport, part, sizes)
            assert sizes["decision"] <= sizes["width"], (viewport, sizes)
            assert page.inner_text("#current-category") == "Belysning"
            sources = page.eval_on_selector_all("#current-photos img", "els => els.map(e => e.src)")
            assert len(sources) == 1 and shown in sources[0]
            assert page.inner_text("#current-text").startswith("Stien bag cykelkælderen")
        finally:
            context.close()


def test_the_meeting_shows_what_was_reported_at_the_same_spot_before(browser, live_server, app, coordinator,
                                                                      make_walk, make_finding):
    """A finding at last year's spot of the same category: the projected screen says so, with the
    year and the distance, so the meeting sees it is a recurring problem."""
    from datetime import UTC, datetime

    earlier_walk = make_walk(status="closed", starts_at=datetime(2025, 10, 8, 17, 0, tzinfo=UTC))
    make_finding(earlier_walk["id"], category="lighting", lat=55.66640, lon=12.60500)
    walk = make_walk(status="closed", previous_walk_id=earlier_walk["id"],
                     starts_at=datetime(2026, 10, 7, 17, 0, tzinfo=UTC))
    # About 10 m north of last year's finding.
    make_finding(walk["id"], category="lighting", lat=55.66649, lon=12.60500)
    context, page = _meeting_page(browser, live_server, coordinator["email"], walk["id"])
    try:
        box = page.locator("#current-earlier")
        box.wait_for(state="visible")
        text = box.inner_text()
        assert "Meldt her før" in text
        assert "2025, 10 m derfra" in text
    finally:
        context.close()
