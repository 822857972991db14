"""Bulk triage in a browser: only the chosen action's fields are shown and sent, each action
still carries out; without JavaScript every action's fields are shown and the form works."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.browser.staff_helpers import log_in
from walkapp.extensions import db

BASE = datetime(2025, 10, 1, 18, 0, tzinfo=UTC)
ACTIONS = ("measure", "duplicate", "dismiss")
FIELDS = {
    "measure": ("title", "responsible_org", "due_on"),
    "duplicate": ("duplicate_of",),
    "dismiss": ("reason",),
}


def visible_fields(page) -> set[str]:
    """Names of the bulk form's action fields a person can see now."""
    return {name for names in FIELDS.values() for name in names
            if page.locator(f"#bulk [name={name}]").is_visible()}


def select(page, finding_id) -> None:
    """Check one finding's row box."""
    page.locator(f'input[name="finding"][value="{finding_id}"]').check()


def state_of(app, ids):
    """(state, duplicate_of_id, dismiss_reason) of each finding, and the measures' titles."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure

    with app.app_context():
        findings = [db.session.get(Finding, fid) for fid in ids]
        titles = list(db.session.execute(db.select(Measure.title)).scalars())
        return [(f.state, f.duplicate_of_id, f.dismiss_reason) for f in findings], titles


def test_only_the_chosen_actions_fields_show_and_each_action_works(page, live_server, coordinator,
                                                                   make_walk, make_finding):
    """Choosing an action shows its fields only; a value typed in another action's field stays
    there for later but is not sent; measure, duplicate and dismiss each carry out."""
    walk = make_walk()
    ids = [make_finding(walk["id"], description=f"Fund {i}", observed_at=BASE + timedelta(minutes=i))
           for i in range(4)]
    log_in(page, coordinator["email"])
    page.goto(f"/findings?walk={walk['id']}")

    for action in ACTIONS:
        page.select_option("select[name=action]", action)
        assert visible_fields(page) == set(FIELDS[action]), action
        for other in ACTIONS:
            fieldset = page.locator(f"#bulk-fields-{other}")
            assert fieldset.is_visible() == (other == action)
            assert fieldset.evaluate("el => el.disabled") == (other != action)

    # A bad due date and a title typed for a measure, then "Dismiss" chosen: neither is sent
    # (a due date of 31 February would refuse the whole post) and no measure is made.
    page.select_option("select[name=action]", "measure")
    page.locator("input[name=due_on]").evaluate("el => { el.type = 'text'; el.value = '31.02'; }")
    page.fill("input[name=title]", "Skal ikke oprettes")
    page.select_option("select[name=action]", "dismiss")
    page.fill("input[name=reason]", "Privat område")
    select(page, ids[0])
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_load_state()
    assert "1 fund er afvist." in page.locator(".flash").inner_text()
    assert state_of(live_server.app, ids[:1]) == ([("dismissed", None, "Privat område")], [])

    # Duplicate: the older of the two selected is kept as the original.
    page.select_option("select[name=action]", "duplicate")
    assert visible_fields(page) == {"duplicate_of"}
    select(page, ids[1])
    select(page, ids[2])
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_load_state()
    assert "1 fund markeret som dubletter" in page.locator(".flash").inner_text()

    # Measure with a title: created at once, and the page opens the new measure.
    page.select_option("select[name=action]", "measure")
    page.fill("input[name=title]", "Ny belysning")
    select(page, ids[3])
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_url("**/measures/*")
    assert page.locator("h1").inner_text() == "Ny belysning"
    assert state_of(live_server.app, ids) == ([
        ("dismissed", None, "Privat område"), ("new", None, ""), ("duplicate", ids[1], ""),
        ("triaged", None, ""),
    ], ["Ny belysning"])


def test_without_javascript_every_actions_fields_show_and_dismiss_works(browser, live_server, coordinator,
                                                                       make_walk, make_finding):
    """No script: all three fieldsets are shown and enabled; a dismissal goes through."""
    walk = make_walk()
    fid = make_finding(walk["id"])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="da-DK")
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        page.goto(f"/findings?walk={walk['id']}")
        assert visible_fields(page) == {name for names in FIELDS.values() for name in names}
        page.select_option("select[name=action]", "dismiss")
        page.fill("input[name=reason]", "Privat område")
        page.locator('input[name="finding"]').check()
        page.locator("#bulk button[type=submit]").click()
        page.wait_for_load_state()
        states, titles = state_of(live_server.app, [fid])
        assert states == [("dismissed", None, "Privat område")] and titles == []
    finally:
        context.close()
