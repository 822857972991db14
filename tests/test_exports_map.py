"""Folium follow-up map: self-contained, escaped, per-instance assets, clustering threshold."""
from __future__ import annotations

import copy
import io
import re
import uuid
from pathlib import Path

import folium
import folium.plugins
from PIL import Image

from walkapp.exports.escaping import escape_html_js
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.findings.storage import new_storage_key, photo_path
from walkapp.measures.models import Measure

HOSTILE = '<img src=x onerror=alert(1)> "><script>alert(2)</script> `${alert(3)}` \\ end'


def _external_refs(html: str) -> list[str]:
    """Resources the page would load from the network (Leaflet's attribution link is no load)."""
    return re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)


def test_map_is_self_contained_attachment_with_route_and_findings(app, logged_in, make_walk, make_finding):
    walk = make_walk(title=HOSTILE)
    fid = make_finding(walk["id"], category="lighting", description=HOSTILE, rating=0)
    with app.app_context():
        db.session.add(Measure(title=HOSTILE, status="agreed", findings=[db.session.get(Finding, fid)]))
        db.session.commit()
    response = logged_in.get(f"/walks/{walk['id']}/map.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="walk-{walk["id"]}-map.html"'
    html = response.get_data(as_text=True)
    assert _external_refs(html) == []
    assert "L.circleMarker" in html and "walk-route" in html and "L.control.layers" in html
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html
    # The raw text never appears; its escaped form does (popup, measure and legend title).
    assert HOSTILE not in html and "<script>alert(2)" not in html and "${alert" not in html
    assert escape_html_js(HOSTILE).replace("&", "\\u0026") in html


def test_folium_class_defaults_are_not_mutated(app, logged_in, make_walk, make_finding, add_many):
    before = (copy.deepcopy(folium.Map.default_js), copy.deepcopy(folium.Map.default_css),
              copy.deepcopy(folium.plugins.MarkerCluster.default_js),
              copy.deepcopy(folium.plugins.MarkerCluster.default_css))
    walk = make_walk()
    add_many(walk["id"], 201)
    html = logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)
    assert "L.markerClusterGroup" in html and _external_refs(html) == []
    after = (folium.Map.default_js, folium.Map.default_css, folium.plugins.MarkerCluster.default_js,
             folium.plugins.MarkerCluster.default_css)
    assert before == after
    assert any("cdn" in url for _name, url in folium.Map.default_js)


def test_no_clusters_at_200_findings(logged_in, make_walk, add_many):
    walk = make_walk()
    add_many(walk["id"], 200)
    html = logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)
    assert "L.markerClusterGroup" not in html and html.count("L.featureGroup") == 1


def test_popup_has_inline_thumbnail_of_visible_photo_only(app, logged_in, make_walk, make_finding):
    walk = make_walk()
    fid = make_finding(walk["id"])
    root = Path(app.instance_path) / "photos"
    with app.app_context():
        for hidden, colour in ((True, "red"), (False, "blue")):
            key = new_storage_key()
            for thumb in (False, True):
                path = photo_path(root, key, thumb=thumb)
                path.parent.mkdir(parents=True, exist_ok=True)
                buffer = io.BytesIO()
                Image.new("RGB", (300, 200), colour).save(buffer, "JPEG")
                path.write_bytes(buffer.getvalue())
            db.session.add(Photo(finding_id=fid, storage_key=key, sha256=uuid.uuid4().hex * 2, width=300,
                                 height=200, hidden=hidden))
        db.session.commit()
    html = logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)
    assert html.count("data:image/jpeg;base64,") == 1


def test_finding_set_map_filters_by_category(logged_in, make_walk, make_finding):
    walk = make_walk()
    make_finding(walk["id"], category="lighting", description="Lampen er i stykker")
    make_finding(walk["id"], category="litter", description="Skrald overalt")
    response = logged_in.get(f"/findings/map.html?walk={walk['id']}&category=litter")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Skrald overalt" in html and "Lampen er i stykker" not in html


def test_map_needs_login(app, make_walk):
    walk = make_walk()
    assert app.test_client().get(f"/walks/{walk['id']}/map.html").status_code == 302


import pytest  # noqa: E402


@pytest.fixture
def add_many(app, coordinator):
    """Bulk-create findings on a walk (committed)."""

    def factory(walk_id: int, count: int) -> None:
        with app.app_context():
            cat = db.session.execute(db.select(Category).where(Category.code == "graffiti")).scalar_one()
            db.session.add_all(
                Finding(id=uuid.uuid4(), walk_id=walk_id, category_id=cat.id, lat=55.66 + n * 1e-5,
                        lon=12.60 + n * 1e-5, user_id=coordinator["id"], description=f"Fund {n}")
                for n in range(count)
            )
            db.session.commit()

    return factory
