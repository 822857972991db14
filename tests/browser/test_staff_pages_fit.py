"""Every staff page reads on a 360 px phone: no page-wide sideways scrolling, even with the
long Danish compound names real walks have."""
from tests.browser.layout_helpers import NO_OVERFLOW_JS
from tests.browser.staff_helpers import log_in

LONG_TITLE = "Tryghedsvandring Holmbladsgadekvarteret (demo)"


def test_staff_pages_fit_a_360_px_phone(browser, live_server, coordinator, make_walk, make_finding):
    """Walk, report, follow-up, triage, measures, plan and dashboard all fit at 360 px."""
    walk = make_walk(title=LONG_TITLE, status="closed")
    make_finding(walk["id"], description="Cykelkælderindgangsdøren står åben")
    context = browser.new_context(viewport={"width": 360, "height": 780}, base_url=live_server.url)
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        for path in ("/walks", f"/walks/{walk['id']}", f"/walks/{walk['id']}/report",
                     f"/walks/{walk['id']}/follow-up", "/findings", "/measures", "/plan", "/dashboard"):
            page.goto(path)
            scroll_width, inner_width = page.evaluate(NO_OVERFLOW_JS)
            assert scroll_width <= inner_width, f"{path} scrolls sideways: {scroll_width} > {inner_width}"
    finally:
        context.close()
