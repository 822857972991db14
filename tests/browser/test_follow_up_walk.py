"""The follow-up walk on a phone: the previous walk's findings are on the capture page (map and
list), verdicts given offline (one with a photo) survive a reload, reach the server exactly once
when the phone is back online, and the done measure found still unsafe is flagged for staff."""
from __future__ import annotations

from tests.browser.capture_helpers import (
    join,
    jpeg_bytes,
    outbox_items,
    wait_for_worker,
    wait_ready,
    with_gps,
)
from tests.browser.staff_helpers import log_in
from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.measures.services import change_status, create_measure
from walkapp.orgs.area_scope import unscoped
from walkapp.walks.models import Walk


def _scene(app, make_walk, make_finding, coordinator) -> dict:
    """A closed walk with a lamp finding (its measure done), a graffiti finding (measure agreed)
    and a dismissed one, and its active follow-up walk."""
    previous = make_walk(status="closed", title="Holmbladsgade aften")
    lamp = make_finding(previous["id"], description="Mørk passage ved nr. 12", lat=55.6663, lon=12.6050)
    tags = make_finding(previous["id"], category="graffiti", description="Tags på garagen", lat=55.6667, lon=12.6066)
    make_finding(previous["id"], category="litter", description="Afvist skrald", state="dismissed")
    follow_up = make_walk(status="active", title="Opfølgning: Holmbladsgade aften", previous_walk_id=previous["id"])
    with app.app_context(), app.test_request_context(), unscoped():
        user = db.session.get(User, coordinator["id"])
        done = create_measure(title="Ny belysning", findings=[db.session.get(Finding, lamp)], by_user=user)
        for to in ("agreed", "in_progress", "done"):
            change_status(done, to_status=to, by_user=user, expected_version=done.version)
        agreed = create_measure(title="Fjern graffiti", findings=[db.session.get(Finding, tags)], by_user=user)
        change_status(agreed, to_status="agreed", by_user=user, expected_version=agreed.version)
        db.session.commit()
        ids = {"done": done.id, "agreed": agreed.id}
        db.session.remove()
    return {"previous": previous["id"], "walk": follow_up, "lamp": str(lamp), "tags": str(tags), **ids}


def _stored_checks(app, walk_id: int) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        checks = db.session.execute(db.select(FindingCheck).where(FindingCheck.walk_id == walk_id)).scalars().all()
        rows = sorted((str(c.finding_id), c.verdict, c.note, len(c.photos)) for c in checks)
        db.session.remove()
        return rows


def test_offline_verdicts_on_the_previous_walk_survive_a_reload_and_sync_once(
        page, pixel7_context, browser, live_server, make_walk, make_finding, coordinator):
    """Two verdicts given offline (one with a photo) are in the outbox after a reload, arrive
    once each when online (rows counted in the database), and the done lamp measure, found
    still a problem, is flagged "Udført, men stadig utrygt" on the previous walk's follow-up page."""
    scene = _scene(live_server.app, make_walk, make_finding, coordinator)
    with_gps(pixel7_context)
    join(page, scene["walk"]["join_code"])
    wait_for_worker(page)

    # The previous walk's findings: on the map with their own marker, and in the list with their
    # measure's status; the dismissed one is not there.
    page.wait_for_function("() => document.querySelectorAll('.marker-previous').length === 2")
    page.click("#show-list")
    items = page.locator(".previous-item")
    assert items.count() == 2
    lamp = page.locator(f".previous-item[data-id='{scene['lamp']}']")
    tags = page.locator(f".previous-item[data-id='{scene['tags']}']")
    assert "Ny belysning (Udført)" in lamp.locator(".measure-text").inner_text()
    assert "Fjern graffiti (Aftalt)" in tags.locator(".measure-text").inner_text()
    assert page.get_by_role("heading", name="Fra sidste vandring").is_visible()

    pixel7_context.set_offline(True)
    lamp.get_by_role("button", name="Stadig et problem").click()
    lamp.locator("textarea").fill("Lampen lyser stadig ikke")
    lamp.locator("input[type=file]").set_input_files(
        files=[{"name": "lampe.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=21)}])
    assert "1" in lamp.locator(".photos-chosen").inner_text()
    lamp.get_by_role("button", name="Gem vurdering").click()
    tags.get_by_role("button", name="Løst").click()
    tags.get_by_role("button", name="Gem vurdering").click()
    page.wait_for_function("() => document.querySelectorAll('.previous-item[data-state=waiting]').length === 2")
    assert "Din vurdering: Stadig et problem" in lamp.locator(".check-status").inner_text()

    page.reload()
    wait_ready(page)
    kinds = sorted(outbox_items(page, "i => i.kind + ':' + i.state"))
    assert kinds == ["check:waiting", "check:waiting", "photo:waiting"], kinds
    page.click("#show-list")
    page.wait_for_function("() => document.querySelectorAll('.previous-item[data-state=waiting]').length === 2")
    assert _stored_checks(live_server.app, scene["walk"]["id"]) == []

    pixel7_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    page.wait_for_function("() => document.querySelectorAll('.previous-item[data-state=sent]').length === 2")
    assert outbox_items(page) == []
    expected = sorted([(scene["lamp"], "still", "Lampen lyser stadig ikke", 1), (scene["tags"], "fixed", "", 0)])
    assert _stored_checks(live_server.app, scene["walk"]["id"]) == expected
    # Once: another reload and a forced send (what "back online" does) store nothing more.
    page.reload()
    wait_ready(page)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert _stored_checks(live_server.app, scene["walk"]["id"]) == expected
    with live_server.app.app_context():
        assert db.session.execute(db.select(db.func.count(CheckPhoto.id))).scalar_one() == 1
        assert db.session.get(Walk, scene["walk"]["id"]).previous_walk_id == scene["previous"]
        db.session.remove()

    staff = browser.new_context(base_url=live_server.url, locale="da-DK", timezone_id="Europe/Copenhagen")
    try:
        desk = staff.new_page()
        log_in(desk, coordinator["email"])
        desk.goto(f"/walks/{scene['previous']}/follow-up")
        flagged = desk.locator("#still-unsafe")
        assert "Udført, men stadig utrygt (1)" in flagged.inner_text()
        assert flagged.locator(f"[data-measure-id='{scene['done']}']").count() == 1
        assert flagged.locator(f"[data-measure-id='{scene['agreed']}']").count() == 0
        desk.goto(f"/measures/{scene['done']}")
        assert desk.locator("#still-unsafe-flag").is_visible()
        verdict = desk.locator("table.verdicts tr.verdict")
        assert verdict.count() == 1 and "Lampen lyser stadig ikke" in verdict.inner_text()
        assert "Birte" in verdict.inner_text()
        thumb = verdict.locator("img")
        assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    finally:
        staff.close()
