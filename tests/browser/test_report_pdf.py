"""The overview of possible measures prints to PDF in Chromium: A4 pages with the measures."""
from __future__ import annotations

import re

from tests.browser.staff_helpers import log_in

TITLES = ("Opsæt LED-lamper", "Fjern graffiti på garagen", "Nye låse i kælderen")


def test_report_prints_to_pdf(browser, live_server, coordinator, walk_with_measures):
    """Log in, open the report, print with page.pdf(): ≥ 1 A4 page, measure titles on the page."""
    context = browser.new_context(base_url=live_server.url, locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    try:
        log_in(page, coordinator["email"])

        page.goto(f"/walks/{walk_with_measures['walk']}/report")
        page.emulate_media(media="print")
        content = page.content()
        for title in TITLES:
            assert title in content
        # The navigation and the "sent on" form are not printed.
        assert not page.is_visible("header.topbar")
        assert not page.is_visible(".report-tools")
        assert page.is_visible(".route-map svg")

        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        context.close()
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 1
    assert len(pdf) > 5_000
    # A4 is 595 × 842 points.
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf)
