"""The follow-up map's legend, scale bar and layer list do not cover each other, on a laptop
and on a phone (the downloaded file opened in Chromium, network blocked)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.models import Measure

VIEWPORTS = {"laptop": (1366, 800), "phone": (390, 844)}

BOXES = """() => {
    const box = sel => { const r = document.querySelector(sel).getBoundingClientRect();
                         return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
    return {legend: box('#followup-legend'), scale: box('.leaflet-control-scale'),
            layers: box('.leaflet-control-layers'), map: box('.folium-map'),
            lastLine: box('#followup-legend > div:last-child')};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["left"] >= outer["left"] and inner["right"] <= outer["right"]
            and inner["top"] >= outer["top"] and inner["bottom"] <= outer["bottom"])


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_legend_scale_and_layers_do_not_overlap(app, logged_in, make_walk, make_finding, browser, tmp_path,
                                                viewport):
    walk = make_walk(title="Aftenvandring i Blok 4")
    ids = [make_finding(walk["id"], category=code, lat=55.6660 + n * 2e-4, lon=12.604 + n * 2e-4)
           for n, code in enumerate(["lighting", "vegetation", "litter", "graffiti"])]
    with app.app_context():
        for status, fid in zip(["proposed", "agreed", "done"], ids, strict=False):
            db.session.add(Measure(title="Tiltag", status=status, findings=[db.session.get(Finding, fid)]))
        db.session.commit()
    response = logged_in.get(f"/walks/{walk['id']}/map.html")
    path = tmp_path / "map.html"
    path.write_bytes(response.get_data())

    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else route.abort())
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("#followup-legend:not([hidden])")
        boxes = page.evaluate(BOXES)
        shots = os.environ.get("WALKAPP_SCREENSHOTS")
        if shots:  # for a person to look at; the assertions below are the test
            page.screenshot(path=str(Path(shots) / f"followup-map-{width}x{height}.png"))
    finally:
        context.close()
    assert not _overlap(boxes["legend"], boxes["scale"])
    assert not _overlap(boxes["legend"], boxes["layers"])
    assert not _overlap(boxes["scale"], boxes["layers"])
    # The whole legend, its last status line included, is on the screen.
    assert _inside(boxes["legend"], boxes["map"]) and _inside(boxes["lastLine"], boxes["map"])
    assert boxes["legend"]["bottom"] <= boxes["scale"]["top"]
