"""The downloaded follow-up map in Chromium with every network request blocked."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.measures.models import Measure
from walkapp.orgs.models import Organisation

HOSTILE = ('<img src=x onerror="window.__pwned=1;alert(1)"> "><script>window.__pwned=2;alert(2)</script> '
           '`${window.__pwned=3}` \\ slut')

# Category names are at most 100 characters.
HOSTILE_NAME = '<img src=x onerror="window.__pwned=4;alert(4)">`${window.__pwned=5}`\\'

OPEN_ALL_POPUPS = """() => {
    const map = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k)).map(k => window[k])[0];
    const texts = [];
    map.eachLayer(layer => {
        if (layer instanceof L.CircleMarker && layer.getPopup()) {
            layer.openPopup();
            texts.push(document.querySelector('.leaflet-popup-content').textContent);
        }
    });
    return texts;
}"""


COUNT_SHOWN = """(() => {
    const clusters = [...document.querySelectorAll('.marker-cluster span')]
        .reduce((sum, span) => sum + Number(span.textContent), 0);
    return clusters + document.querySelectorAll('path.finding-marker').length;
})()"""


def _download(client, url: str, tmp_path: Path) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    path = tmp_path / "followup-map.html"
    path.write_bytes(response.get_data())
    return path.as_uri()


@pytest.fixture
def offline_page(browser):
    """A page whose context aborts every request except the local file itself."""
    context = browser.new_context()
    blocked: list[str] = []
    dialogs: list[str] = []

    def handle(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page, blocked, dialogs
    context.close()


def _add_findings(app, user_id: int, walk_id: int, count: int, spacing: float) -> None:
    with app.app_context():
        cat = db.session.execute(db.select(Category).where(Category.code == "litter")).scalar_one()
        db.session.add_all(
            Finding(id=uuid.uuid4(), walk_id=walk_id, category_id=cat.id, lat=55.664 + (n % 20) * spacing,
                    lon=12.600 + (n // 20) * spacing, user_id=user_id, description=f"Fund {n}")
            for n in range(count)
        )
        db.session.commit()


def test_map_renders_offline_and_user_text_stays_text(app, logged_in, coordinator, make_walk, make_finding,
                                                       offline_page, tmp_path):
    page, blocked, dialogs = offline_page
    walk = make_walk(title=HOSTILE)
    with app.app_context():
        db.session.execute(db.update(Category).where(Category.code == "graffiti").values(name_da=HOSTILE_NAME))
        db.session.commit()
    hostile_id = make_finding(walk["id"], category="graffiti", description=HOSTILE, lat=55.6662, lon=12.6040)
    make_finding(walk["id"], category="lighting", description="Mørk port", lat=55.6667, lon=12.6062)
    make_finding(walk["id"], category="lighting", description="Lampe slukket", lat=55.6659, lon=12.6070)
    with app.app_context():
        org = Organisation(name=HOSTILE, type="other")
        db.session.add(Measure(title=HOSTILE, status="in_progress", responsible_org=org,
                               findings=[db.session.get(Finding, hostile_id)]))
        db.session.commit()

    page.goto(_download(logged_in, f"/walks/{walk['id']}/map.html", tmp_path))
    page.wait_for_selector("path.finding-marker")
    assert page.locator("path.walk-route").count() == 1
    assert page.locator("path.finding-marker").count() == 3
    texts = page.evaluate(OPEN_ALL_POPUPS)
    assert len(texts) == 3
    hostile_popup = next(t for t in texts if "slut" in t)
    assert HOSTILE_NAME in hostile_popup
    assert hostile_popup.count(HOSTILE) == 3  # description, measure title, organisation
    assert page.locator(".leaflet-control-layers-overlays").inner_text().count(HOSTILE_NAME) == 1
    assert HOSTILE in page.locator("#followup-legend").inner_text()
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    assert blocked == []  # nothing needed the network (no tile URL in tests)


def test_more_than_200_findings_are_clustered_and_all_counted(app, logged_in, coordinator, make_walk,
                                                              offline_page, tmp_path):
    page, blocked, dialogs = offline_page
    walk = make_walk()
    _add_findings(app, coordinator["id"], walk["id"], 250, spacing=0.00005)
    page.goto(_download(logged_in, f"/walks/{walk['id']}/map.html", tmp_path))
    page.wait_for_selector(".marker-cluster")
    # While fit-bounds zooms, fading clusters of the old zoom level are still in the DOM.
    page.wait_for_function(COUNT_SHOWN + " === 250", timeout=10_000)
    assert page.evaluate(COUNT_SHOWN) == 250
    assert page.locator("path.walk-route").count() == 1
    assert dialogs == []
    assert blocked == []  # nothing needed the network (no tile URL in tests)
