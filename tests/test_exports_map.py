"""Folium follow-up map: self-contained, escaped, per-instance assets, clustering threshold."""
from __future__ import annotations

import base64
import copy
import io
import re
import time
import uuid
from pathlib import Path

import folium
import folium.plugins
from PIL import Image

from tests.capture_api_helpers import finding_payload, findings_url, send, upload
from tests.conftest import login
from tests.image_helpers import is_red, jpeg_bytes, marked_landscape
from walkapp.exports.escaping import escape_html_js
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.findings.storage import (
    LEFTOVER_AGE_S,
    check_photo_files,
    delete_photo_files,
    map_thumb_path,
    new_storage_key,
    photo_path,
    save_photo_files,
    stored_files,
)
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


def _inline_images(html: str) -> list[bytes]:
    """The JPEGs the map's popups carry, decoded from their data: URIs."""
    return [base64.b64decode(b64) for b64 in re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", html)]


def test_uploaded_photo_is_on_the_map_as_its_small_stored_map_image(app, participant, walk, make_user):
    """Ingest stores `<key>_map.jpg` (160 px, smaller than the 400 px thumbnail); the export
    inlines exactly those bytes and reads neither the photo nor the thumbnail (both broken here)."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    assert upload(participant, payload["id"], jpeg_bytes(marked_landscape(3000, 1500))).status_code == 201
    root = Path(app.instance_path) / "photos"
    with app.app_context():
        key = db.session.execute(db.select(Photo.storage_key)).scalar_one()
    stored = map_thumb_path(root, key).read_bytes()
    thumb = photo_path(root, key, thumb=True).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and max(image.size) == 160
        # Upright and whole: the red block in the top-left corner, grey elsewhere.
        assert is_red(image.getpixel((4, 4))) and not is_red(image.getpixel((150, 70)))
    assert len(stored) < len(thumb)
    photo_path(root, key).write_bytes(b"not a jpeg")
    photo_path(root, key, thumb=True).write_bytes(b"not a jpeg")
    staff = app.test_client()
    login(staff, make_user("kort@example.org", "coordinator")["email"])
    response = staff.get(f"/walks/{walk['id']}/map.html")
    assert response.status_code == 200
    assert _inline_images(response.get_data(as_text=True)) == [stored]


def test_photo_stored_before_map_images_gets_one_made_once_from_its_thumbnail(app, logged_in, make_walk, make_finding):
    """A photo with only a photo and a thumbnail (stored before `_map.jpg`): the first export
    makes the map image from the thumbnail and keeps it; later exports use it as stored."""
    walk = make_walk()
    fid = make_finding(walk["id"])
    root = Path(app.instance_path) / "photos"
    key = new_storage_key()
    with app.app_context():
        save_photo_files(root, key, jpeg_bytes(Image.new("RGB", (800, 400), "blue")),
                         jpeg_bytes(Image.new("RGB", (400, 200), "blue")))
        db.session.add(Photo(finding_id=fid, storage_key=key, sha256="b" * 64, width=800, height=400))
        db.session.commit()
    assert not map_thumb_path(root, key).exists()
    first = _inline_images(logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True))
    made = map_thumb_path(root, key).read_bytes()
    assert first == [made]
    with Image.open(io.BytesIO(made)) as image:
        assert image.size == (160, 80)
        red, green, blue = image.getpixel((80, 40))
        assert blue > 200 and red < 40 and green < 40
    photo_path(root, key, thumb=True).write_bytes(b"not a jpeg")
    assert _inline_images(logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)) == [made]


def test_map_image_belongs_to_its_photo_in_the_files_check_and_goes_with_it(tmp_path):
    """The photos check counts `_map.jpg` as the photo's (not an unknown file) and deleting
    the photo removes it too."""
    key = new_storage_key()
    save_photo_files(tmp_path, key, b"photo", b"thumb", b"map")
    files = stored_files(tmp_path, now=time.time() + 2 * LEFTOVER_AGE_S)
    check = check_photo_files([(1, 2, key)], files)
    assert (check.unknown, check.orphans, check.rows_without_files) == ([], [], [])
    assert sorted(f.relative for f in files) == sorted(
        [f"{key}.jpg", f"{key}_thumb.jpg", f"{key}_map.jpg"])
    other = new_storage_key()
    save_photo_files(tmp_path, other, b"photo", b"thumb", b"map")
    orphans = check_photo_files([], stored_files(tmp_path, now=time.time() + 2 * LEFTOVER_AGE_S)).orphans
    assert len(orphans) == 6
    delete_photo_files(tmp_path, key)
    assert sorted(f.relative for f in stored_files(tmp_path)) == sorted(
        [f"{other}.jpg", f"{other}_thumb.jpg", f"{other}_map.jpg"])
