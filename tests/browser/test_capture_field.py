"""The capture page as an older resident meets it on a cold evening: the pin waits for a real
position, the map follows me, the markers say what they are, and every problem is told in words
with a next step. (That no map link or control covers the big button, whatever the font, is
tests/browser/test_capture_layout.py.)"""
from __future__ import annotations

import json

from tests.browser.capture_helpers import (
    HERE,
    add_finding,
    finding_row,
    findings_on_server,
    join,
    join_on_the_route,
    outbox_items,
    save_finding,
    wait_ready,
    wait_sent,
    with_gps,
)
from tests.browser.staff_helpers import log_in

MEETING = {"meeting_lat": 55.6660, "meeting_lon": 12.6035}


def strings(page) -> dict:
    """The page's translated UI texts (what the user reads)."""
    return json.loads(page.locator("#capture-strings").text_content())


def map_view(page) -> str:
    """Where the capture map is looking: its pane's offset (it changes whenever the map pans)."""
    return page.evaluate("() => document.querySelector('#capture-map .leaflet-map-pane').style.transform")


def wait_centred_on_me(page, moved_from: str | None = None, tolerance_px: float = 2) -> None:
    """Wait until my position's dot is in the middle of the capture map (within `tolerance_px`),
    and, given `moved_from` (a map_view), the map has panned away from that view to get there."""
    page.wait_for_function(
        """([from, t]) => {
             const map = document.querySelector('#capture-map');
             const dot = map.querySelector('.me-dot');
             if (!dot || (from !== null && map.querySelector('.leaflet-map-pane').style.transform === from)) return false;
             const m = map.getBoundingClientRect(), d = dot.getBoundingClientRect();
             return Math.abs(d.x + d.width / 2 - (m.x + m.width / 2)) <= t
                 && Math.abs(d.y + d.height / 2 - (m.y + m.height / 2)) <= t;
           }""",
        arg=[moved_from, tolerance_px], timeout=10000)


def me_dot(page) -> dict:
    """Where my position's dot is drawn on the screen."""
    return page.locator("#capture-map .me-dot").bounding_box()


def test_a_late_gps_fix_moves_the_pin_and_save_waits_for_a_place(page, pixel7_context, live_server, make_walk):
    """Sheet opened before the first fix: no pin, Save points at the place; the fix then places the pin and is stored."""
    walk = make_walk()
    pixel7_context.grant_permissions(["geolocation"])  # allowed, but no position yet
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    assert page.locator("#place-map .leaflet-marker-icon").count() == 0
    page.click("#save-finding")
    place = page.locator("#place-text.place-needed")
    place.wait_for()
    assert place.inner_text() == strings(page)["gpsWaiting"]
    assert page.locator("#save-error").is_hidden()  # one message, where the pin goes
    assert page.locator("#sheet").is_visible()
    assert outbox_items(page) == []

    pixel7_context.set_geolocation(HERE)
    page.wait_for_function("() => /8/.test(document.querySelector('#place-text').textContent)")
    assert page.locator("#place-text.place-needed").count() == 0
    assert page.locator("#place-map .leaflet-marker-icon").count() == 1
    # The pin is the GPS fix (the stored place below is exactly that fix).
    assert page.locator("#place-text").inner_text() == strings(page)["gpsAccuracy"].replace("{m}", "8")
    save_finding(page)
    wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])
    row = finding_row(live_server.app, finding_id)
    assert row["location_source"] == "gps"
    assert abs(row["lat"] - HERE["latitude"]) < 1e-6 and abs(row["lon"] - HERE["longitude"]) < 1e-6
    assert row["accuracy_m"] == 8


def test_a_tap_on_the_map_is_a_place_even_without_gps(page, pixel7_context, live_server, make_walk):
    """Without any GPS fix, tapping the little map places the finding (location_source "map")."""
    walk = make_walk()
    pixel7_context.grant_permissions(["geolocation"])
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=traffic]")
    box = page.locator("#place-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    save_finding(page)
    wait_sent(page)
    (finding_id, *_rest), = findings_on_server(live_server.app, walk["id"])
    assert finding_row(live_server.app, finding_id)["location_source"] == "map"


def test_staff_can_add_a_finding_on_a_closed_walk(page, pixel7_context, live_server, make_walk, coordinator):
    """A logged-in coordinator still gets "New finding" on a closed walk, and the finding is stored."""
    walk = make_walk(status="closed")
    with_gps(pixel7_context)
    log_in(page, coordinator["email"])
    page.goto(f"/walks/{walk['id']}/capture")
    wait_ready(page)
    assert page.locator(".closed-note").is_visible()
    add_finding(page, "access", None, text="Døren står åben")
    wait_sent(page)
    assert [r[1] for r in findings_on_server(live_server.app, walk["id"])] == ["access"]


def test_markers_show_meeting_point_and_category(page, pixel7_context, live_server, make_walk, make_finding):
    """An "M" meeting marker; findings carry their category icon, mine ringed, unsent dashed; 48 px targets."""
    walk = make_walk(**MEETING)
    make_finding(walk["id"], category="graffiti", lat=55.6664, lon=12.6054)
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    meeting = page.locator(".marker-meeting")
    meeting.wait_for()
    assert meeting.inner_text().strip() == "M"
    other = page.locator(".marker-finding:not(.mine)")
    other.wait_for()
    assert other.locator("img").get_attribute("src").endswith("/graffiti.svg")
    box = other.bounding_box()
    # Rounded: a map marker sits at a sub-pixel position, and 47.99999 px is 48 px on screen.
    assert round(box["width"], 1) >= 48 and round(box["height"], 1) >= 48

    pixel7_context.set_offline(True)
    add_finding(page, "lighting", None)
    mine = page.locator(".marker-finding.mine")
    mine.wait_for()
    assert "unsent" in mine.get_attribute("class")
    assert mine.locator("img").get_attribute("src").endswith("/lighting.svg")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.marker-finding.mine span'))"
                         ".borderTopStyle") == "dashed"
    pixel7_context.set_offline(False)
    page.wait_for_selector(".marker-finding.mine:not(.unsent)", timeout=20000)


def test_hostile_names_on_the_new_markers_stay_text(page, pixel7_context, app, make_walk, make_finding):
    """Meeting label and category name reach the marker tooltips and labels as text, never as HTML."""
    from walkapp.extensions import db
    from walkapp.findings.models import Category

    hostile = '<img src=x onerror="window.__pwned=1">'
    with app.app_context():
        category = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        category.name_da = "Lys " + hostile
        db.session.commit()
    walk = make_walk(meeting_point="Mødested " + hostile, **MEETING)
    make_finding(walk["id"], category="lighting")
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    page.wait_for_selector(".marker-finding")
    page.evaluate("() => document.querySelectorAll('.marker-meeting, .marker-finding')"
                  ".forEach(m => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))")
    page.wait_for_timeout(300)
    tooltips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any("Mødested <img" in t for t in tooltips), tooltips
    assert any("Lys <img" in t for t in tooltips), tooltips
    assert "Lys <img" in page.locator(".marker-finding").get_attribute("aria-label")
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_the_map_follows_me_until_i_move_it_and_find_me_resumes(page, pixel7_context, live_server, make_walk):
    """Following: the map centres on each fix; my own drag stops it; "Find me" centres and follows again."""
    join_on_the_route(page, pixel7_context, make_walk)
    wait_centred_on_me(page)
    assert page.locator("#find-me").get_attribute("aria-pressed") == "true"

    box = page.locator("#capture-map").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 120, steps=8)
    page.mouse.up()
    assert page.locator("#find-me").get_attribute("aria-pressed") == "false"
    page.wait_for_timeout(800)  # let the drag's inertia settle
    dragged = map_view(page)
    dot_before = me_dot(page)

    second = {"latitude": 55.6672, "longitude": 12.6075, "accuracy": 10}
    pixel7_context.set_geolocation(second)
    # The fix arrived: my dot moves north-east on the screen ...
    page.wait_for_function(
        "([x, y]) => { const d = document.querySelector('#capture-map .me-dot').getBoundingClientRect();"
        " return d.x > x + 5 && d.y < y - 5; }", arg=[dot_before["x"], dot_before["y"]])
    page.wait_for_timeout(400)
    assert map_view(page) == dragged  # ... but the map is not pulled away from where I looked

    page.click("#find-me")
    wait_centred_on_me(page, moved_from=dragged)
    assert page.locator("#find-me").get_attribute("aria-pressed") == "true"
    on_second = map_view(page)
    third = {"latitude": 55.6660, "longitude": 12.6040, "accuracy": 10}
    pixel7_context.set_geolocation(third)
    wait_centred_on_me(page, moved_from=on_second)


def test_a_failed_save_is_told_in_the_page_not_an_alert(page, pixel7_context, live_server, make_walk):
    """If the phone cannot store the finding, a translated message shows in the sheet; no alert box."""
    join_on_the_route(page, pixel7_context, make_walk)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # The phone's storage is full: IndexedDB refuses every write as a full disk makes it.
    page.evaluate("""() => { IDBObjectStore.prototype.put = IDBObjectStore.prototype.add = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }; }""")
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.wait_for_function("(text) => document.querySelector('#place-text').textContent === text",
                           arg=strings(page)["gpsAccuracy"].replace("{m}", str(HERE["accuracy"])))
    page.click("#save-finding")
    error = page.locator("#save-error")
    error.wait_for(state="visible")
    assert error.inner_text() == strings(page)["saveFailed"]
    assert "QuotaExceeded" not in page.locator("body").inner_text()
    assert dialogs == []
    assert page.locator("#sheet").is_visible()  # nothing typed is lost


def test_a_csrf_failure_is_told_in_words(page, pixel7_context, live_server, make_walk):
    """When the server keeps refusing the phone's CSRF token, the user reads what to do, not "csrf"."""
    walk = join_on_the_route(page, pixel7_context, make_walk)
    inner = live_server.app.wsgi_app

    def spoil_token(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and "HTTP_X_CSRFTOKEN" in environ:
            environ["HTTP_X_CSRFTOKEN"] = "spoilt"
        return inner(environ, start_response)

    live_server.app.wsgi_app = spoil_token
    add_finding(page, "graffiti", None)
    page.wait_for_selector("#sync-status[data-state=attention]", timeout=20000)
    page.click("#show-list")
    text = page.locator(".finding-item .attention-text").inner_text()
    assert text == strings(page)["csrfFailed"]
    assert findings_on_server(live_server.app, walk["id"]) == []
    live_server.app.wsgi_app = inner
    page.click(".retry-finding")
    wait_sent(page)
    assert len(findings_on_server(live_server.app, walk["id"])) == 1
