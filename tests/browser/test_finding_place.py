"""Staff correct a finding's place on its map: drag the pin, save, and the finding has moved."""
from tests.browser.staff_helpers import log_in


def test_dragging_the_pin_moves_the_finding_and_keeps_history(browser, live_server, app, coordinator, make_walk, make_finding):
    """The correction form gets the pin's coordinates; after Save the stored place changed."""
    from walkapp.extensions import db
    from walkapp.findings.models import Finding, FindingChange

    walk = make_walk()
    finding_id = make_finding(walk["id"], lat=55.6665, lon=12.6060)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=live_server.url)
    try:
        page = context.new_page()
        log_in(page, coordinator["email"])
        page.goto(f"/findings/{finding_id}")
        pin = page.locator("#triage-map .leaflet-marker-icon")
        pin.wait_for()
        box = pin.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y - 40, steps=10)
        page.mouse.up()
        new_lat, new_lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
        assert new_lat > 55.6665 and new_lon > 12.6060, (new_lat, new_lon)
        page.click("form[action$='/findings/%s'] button[type=submit]" % finding_id)
        page.wait_for_load_state()
    finally:
        context.close()
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        assert (round(finding.lat, 6), round(finding.lon, 6)) == (round(new_lat, 6), round(new_lon, 6))
        fields = set(db.session.execute(
            db.select(FindingChange.field).where(FindingChange.finding_id == finding_id)).scalars())
        assert {"lat", "lon"} <= fields, fields  # the old place stays readable in the history
