"""The residents' feedback page in Chromium: it reads on a phone opened from the notice's QR
code without leaving a cookie, and the stairwell notice prints on one A4 page."""
from __future__ import annotations

import re

from tests.browser.layout_helpers import assert_fits_phone
from tests.browser.staff_helpers import log_in

LONG_TITLE = "Tryghedsvandring Holmbladsgadekvarteret (demo)"
LONG_ORG = "Københavns Kommune – TMF"


def _publish(app, api_token: str, walk_id: int) -> str:
    response = app.test_client().post(f"/api/v1/walks/{walk_id}/feedback", json={"published": True},
                                      headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 201
    return re.search(r"/f/[A-Za-z0-9_-]{43}$", response.get_json()["url"]).group(0)


def test_feedback_page_fits_a_phone_and_sets_no_cookie(
        app, pixel7_context, live_server, api_token, make_walk, make_finding, make_measure):
    """Opened without login on a Pixel 7: no sideways scrolling, 48 px tap targets, no cookie."""
    walk = make_walk(status="closed", title=LONG_TITLE)
    for category in ("lighting", "hidden_corner", "vegetation"):
        finding = make_finding(walk["id"], category)
        make_measure(title="Beskæring af beplantningen ved cykelkælderindgangen", org=LONG_ORG,
                     finding_ids=[finding], due_on=None)
    path = _publish(app, api_token, walk["id"])
    page = pixel7_context.new_page()
    page.goto(path)
    assert page.locator(".feedback-item").count() == 3
    assert_fits_phone(page)
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"\?lang=en$"))
    assert page.locator("h1").inner_text() == "What came of the safety walk"
    assert_fits_phone(page)
    assert pixel7_context.cookies() == []


def test_stairwell_notice_prints_on_one_a4_page(
        app, browser, live_server, coordinator, api_token, make_walk):
    """The notice (heading, text, QR code, link) prints on exactly one A4 page."""
    walk = make_walk(status="closed", title=LONG_TITLE)
    path = _publish(app, api_token, walk["id"])
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        page.goto(f"/walks/{walk['id']}/feedback/notice")
        assert path in page.locator("#notice-url").inner_text()
        page.emulate_media(media="print")
        assert not page.locator("#print-button").is_visible()
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        context.close()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
