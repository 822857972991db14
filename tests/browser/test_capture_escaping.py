"""User text on the capture map (meeting point, category names, descriptions) is shown as text."""
from tests.browser.capture_helpers import join, with_gps

HOSTILE = '<img src=x onerror="window.__pwned=1">`${x}`\\'


def test_hostile_names_show_as_text_in_the_map_tooltips(page, pixel7_context, app, make_walk, make_finding):
    """An admin-edited category name and a meeting-point label cannot run script on phones."""
    from walkapp.extensions import db
    from walkapp.findings.models import Category

    with app.app_context():
        category = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        category.name_da = "Lys " + HOSTILE
        db.session.commit()
    walk = make_walk(meeting_point="Mødested " + HOSTILE, meeting_lat=55.6660, meeting_lon=12.6035)
    make_finding(walk["id"], category="lighting", description="Beskrivelse " + HOSTILE)
    with_gps(pixel7_context)
    join(page, walk["join_code"])
    page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 2")
    # Open every tooltip on the map, the way hovering or tapping would.
    page.evaluate(
        "() => document.querySelectorAll('path.leaflet-interactive')"
        ".forEach(p => p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"
    )
    page.wait_for_timeout(300)
    tooltips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any("Mødested <img" in t for t in tooltips), tooltips
    assert any("Lys <img" in t for t in tooltips), tooltips
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("() => window.__pwned") is None
