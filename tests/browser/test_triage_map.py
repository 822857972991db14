"""The triage map view in Chromium: the list's filters decide the points, close points cluster,
and a point's popup loads its details (as text) when it is opened."""
import pytest

from tests.browser.staff_helpers import log_in

HOSTILE = '<img src=x onerror="window.hacked=1"> Mørk sti bag blok 3'


@pytest.fixture
def staff_page(browser, live_server, coordinator):
    """A desktop-sized page logged in as the coordinator, and the script errors it collects."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, coordinator["email"])
    yield page, errors
    context.close()


def test_filtered_points_cluster_and_popup_loads_on_click(staff_page, app, make_walk, make_finding):
    """Unfiltered: 32 points, the 30 close ones in a cluster. Filtered to graffiti: 2 points;
    clicking one opens a popup with its category, rating in words, text and link."""
    walk = make_walk()
    for n in range(30):
        make_finding(walk["id"], category="lighting", lat=55.6700 + n * 1e-6, lon=12.6100)
    target = make_finding(walk["id"], category="graffiti", lat=55.6650, lon=12.6000, rating=1, description=HOSTILE)
    make_finding(walk["id"], category="graffiti", lat=55.6660, lon=12.6030, rating=3, description="Tags")
    page, errors = staff_page
    page.goto("/findings?view=map")
    page.wait_for_selector("#triage-map[data-points='32']")
    assert page.locator("#triage-map .marker-cluster").count() >= 1
    assert "30" in page.locator("#triage-map .marker-cluster").first.inner_text()

    page.goto("/findings?view=map&category=graffiti")
    page.wait_for_selector("#triage-map[data-points='2']")
    markers = page.locator("#triage-map path.leaflet-interactive")
    assert markers.count() == 2 and page.locator("#triage-map .marker-cluster").count() == 0
    # The west marker is the target (12.6000 against 12.6030).
    west = min(range(2), key=lambda i: markers.nth(i).bounding_box()["x"])
    markers.nth(west).click()
    popup = page.locator(".leaflet-popup-content")
    popup.locator("a").wait_for()
    text = popup.inner_text()
    assert "Graffiti" in text and "1 – Utryg" in text and HOSTILE in text
    assert popup.locator("img").count() == 0 and page.evaluate("window.hacked") is None
    assert popup.locator("a").get_attribute("href") == f"/findings/{target}"
    assert errors == []


def test_many_findings_come_as_clusters_that_zoom_in_to_points(staff_page, app, make_walk, make_finding):
    """Above the threshold (lowered to 5 here) the map shows the server's clusters, labelled
    with their count and worst rating in words, counting every finding; clicking one zooms in,
    the map asks again for its view and the cluster's findings appear as points whose popup
    opens."""
    app.config["TRIAGE_MAP_POINTS_SINGLE"] = 5
    walk = make_walk()
    near = [make_finding(walk["id"], category="graffiti", lat=55.6600, lon=12.6000 + k * 1e-4, rating=r,
                         description=f"Tags {k}") for k, r in enumerate((3, 1, 2, 3))]
    for k in range(8):
        make_finding(walk["id"], lat=55.6700 + k * 1e-5, lon=12.6200, rating=0)
    page, errors = staff_page
    page.goto("/findings?view=map")
    page.wait_for_selector("#triage-map[data-mode='clusters']")
    clusters = page.locator("#triage-map .triage-cluster")
    counts = [int(clusters.nth(i).inner_text()) for i in range(clusters.count())]
    assert sorted(counts) == [4, 8] and sum(counts) == 12
    small = page.locator("#triage-map .triage-cluster[aria-label^='4 fund']")
    assert small.get_attribute("aria-label") == "4 fund – Mest utryg: 1 – Utryg"
    assert small.get_attribute("title") == small.get_attribute("aria-label")
    assert page.locator("#triage-map .triage-cluster[aria-label^='8 fund']").get_attribute(
        "aria-label") == "8 fund – Mest utryg: 0 – Meget utryg"

    small.click()
    page.wait_for_selector("#triage-map[data-mode='points'][data-points='4']")
    markers = page.locator("#triage-map path.leaflet-interactive")
    assert markers.count() == 4 and page.locator("#triage-map .triage-cluster").count() == 0
    # West to east, the findings are near[0] … near[3].
    xs = [markers.nth(i).bounding_box()["x"] for i in range(4)]
    markers.nth(xs.index(min(xs))).click()
    popup = page.locator(".leaflet-popup-content")
    popup.locator("a").wait_for()
    assert "Graffiti" in popup.inner_text() and "Tags 0" in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/findings/{near[0]}"
    assert errors == []
