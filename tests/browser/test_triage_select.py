"""Triage list in a browser: "select all on this page", the live count, the mixed state,
then one bulk dismissal of the whole selection."""
from __future__ import annotations

import re

from tests.browser.staff_helpers import log_in
from walkapp.extensions import db

COUNT = re.compile(r"^(\d+) valgt$")


def selected_count(page) -> int:
    """The number in the "N valgt" text beside the bulk button."""
    text = page.locator("[data-selected-count]").inner_text().strip()
    match = COUNT.match(text)
    assert match, text
    return int(match.group(1))


def test_select_all_count_mixed_state_then_dismiss(page, live_server, coordinator, make_walk, make_finding):
    """The header box checks every row, the count follows, one unchecked row makes it mixed;
    dismissing the selection with a reason dismisses every finding on the page."""
    walk = make_walk(title="Aftenvandring")
    ids = [make_finding(walk["id"], description=f"Fund {i}") for i in range(4)]
    log_in(page, coordinator["email"])
    page.goto(f"/findings?walk={walk['id']}")

    header = page.locator("#select-all")
    rows = page.locator('input[name="finding"]')
    assert rows.count() == 4
    assert header.is_visible()
    assert selected_count(page) == 0
    for box in (page.locator("[data-select-all-box]"), page.locator(".select-box").nth(1)):
        size = box.bounding_box()
        assert round(size["width"], 1) >= 48 and round(size["height"], 1) >= 48, size
    assert page.get_by_label(re.compile("Vælg alle på siden|Select all on this page")).count() == 1

    page.locator("[data-select-all-box]").click()
    assert all(rows.nth(i).is_checked() for i in range(4))
    assert selected_count(page) == 4

    rows.nth(2).uncheck()
    assert selected_count(page) == 3
    assert header.evaluate("el => el.indeterminate") is True
    assert not header.is_checked()

    header.check()  # from the mixed state: everything again
    assert header.evaluate("el => el.indeterminate") is False
    assert selected_count(page) == 4

    page.select_option("select[name=action]", "dismiss")
    page.fill("input[name=reason]", "Privat grund, ikke boligselskabets")
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"\b4\b", page.locator(".flash").inner_text())

    from walkapp.findings.models import Finding

    with live_server.app.app_context():
        found = [db.session.get(Finding, fid) for fid in ids]
        assert [(f.state, f.dismiss_reason) for f in found] == [
            ("dismissed", "Privat grund, ikke boligselskabets")
        ] * 4


def test_without_javascript_rows_are_still_selectable(browser, live_server, coordinator, make_walk, make_finding):
    """Without JS no dead header box or empty count shows; the row boxes still work."""
    walk = make_walk()
    make_finding(walk["id"])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        page.goto(f"/findings?walk={walk['id']}")
        assert not page.locator("[data-select-all-box]").is_visible()
        assert not page.locator("[data-selected-count]").is_visible()
        page.locator('input[name="finding"]').check()
        assert page.locator('input[name="finding"]').is_checked()
    finally:
        context.close()
