"""GeoJSON export of a walk: RFC 7946 shape, coordinates, properties, hidden photos, SQL count."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import geojson
import pytest

from tests.conftest import DEMO_ROUTE, statements_for
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.measures.models import Measure
from walkapp.orgs.models import Organisation

HOSTILE = '<img src=x onerror=alert(1)> "><script>alert(2)</script> ` ${alert(3)} \\'


@pytest.fixture
def add_findings(app, coordinator):
    """Bulk-create findings on a walk (committed); returns their ids in creation order."""

    def factory(walk_id: int, count: int, category: str = "lighting") -> list[uuid.UUID]:
        with app.app_context():
            cat = db.session.execute(db.select(Category).where(Category.code == category)).scalar_one()
            ids = []
            for n in range(count):
                finding = Finding(
                    id=uuid.uuid4(), walk_id=walk_id, category_id=cat.id, lat=55.66 + n * 1e-5,
                    lon=12.60 + n * 1e-5, user_id=coordinator["id"], description=f"Fund {n}",
                    observed_at=datetime(2026, 11, 29, 18, 0, n % 60, tzinfo=UTC), rating=n % 4,
                )
                db.session.add(finding)
                ids.append(finding.id)
            db.session.commit()
            return ids

    return factory


def test_walk_geojson_is_valid_with_route_findings_and_measures(app, logged_in, make_walk, make_finding):
    walk = make_walk()
    fid = make_finding(walk["id"], category="graffiti", lat=55.6671, lon=12.6049, rating=1,
                       description=HOSTILE,
                       observed_at=datetime(2026, 11, 29, 18, 30, tzinfo=UTC))
    with app.app_context():
        org = db.session.execute(db.select(Organisation).where(Organisation.name == "Københavns Politi")).scalar_one()
        finding = db.session.get(Finding, fid)
        db.session.add(Measure(title="Fjern graffiti", status="agreed", responsible_org=org,
                               due_on=date(2027, 5, 1), findings=[finding]))
        db.session.add(Photo(finding_id=fid, storage_key="a.jpg", sha256="a" * 64, width=10, height=10))
        db.session.add(Photo(finding_id=fid, storage_key="b.jpg", sha256="b" * 64, width=10, height=10, hidden=True))
        db.session.commit()
        visible, hidden = (str(p.id) for p in sorted(db.session.get(Finding, fid).photos, key=lambda p: p.hidden))

    response = logged_in.get(f"/walks/{walk['id']}/export.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert geojson.loads(text).is_valid
    data = response.get_json(force=True)
    route, point = data["features"]
    assert route["geometry"] == {"type": "LineString", "coordinates": DEMO_ROUTE["coordinates"]}
    assert point["geometry"] == {"type": "Point", "coordinates": [12.6049, 55.6671]}
    props = point["properties"]
    assert props["id"] == str(fid)
    assert props["category"] == "graffiti" and props["category_name"] == "Graffiti"
    assert props["rating"] == 1
    assert props["description"] == HOSTILE
    assert props["observed_at"] == "2026-11-29T19:30:00+01:00"
    assert props["state"] == "new"
    assert props["measures"] == [{"id": props["measures"][0]["id"], "title": "Fjern graffiti", "status": "agreed",
                                  "responsible": "Københavns Politi", "due_on": "2027-05-01"}]
    assert len(props["photos"]) == 1 and visible in props["photos"][0]
    assert hidden not in text


def test_english_category_names_with_lang_en(logged_in, make_walk, make_finding):
    walk = make_walk()
    make_finding(walk["id"], category="vegetation")
    data = logged_in.get(f"/walks/{walk['id']}/export.geojson?lang=en").get_json(force=True)
    assert data["features"][1]["properties"]["category_name"] == "Vegetation"


def test_walk_without_route_has_only_points(logged_in, make_walk, make_finding):
    walk = make_walk(route=None)
    make_finding(walk["id"])
    data = logged_in.get(f"/walks/{walk['id']}/export.geojson").get_json(force=True)
    assert [f["geometry"]["type"] for f in data["features"]] == ["Point"]
    assert geojson.loads(logged_in.get(f"/walks/{walk['id']}/export.geojson").get_data(as_text=True)).is_valid


def test_export_needs_login_and_an_existing_walk(logged_in, make_walk):
    walk = make_walk()
    assert logged_in.get("/walks/999999/export.geojson").status_code == 404
    anonymous = logged_in.application.test_client()
    response = anonymous.get(f"/walks/{walk['id']}/export.geojson")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_finding_set_export_filters_by_category(logged_in, make_walk, make_finding):
    walk = make_walk()
    lit = make_finding(walk["id"], category="lighting")
    make_finding(walk["id"], category="litter")
    data = logged_in.get(f"/findings/export.geojson?walk={walk['id']}&category=lighting").get_json(force=True)
    assert [f["properties"]["id"] for f in data["features"]] == [str(lit)]
    assert logged_in.get("/findings/export.geojson?state=bogus").status_code == 400


def test_sql_statement_count_does_not_grow_with_findings(app, logged_in, make_walk, add_findings):
    small, large = make_walk(), make_walk()
    small_ids = add_findings(small["id"], 10)
    large_ids = add_findings(large["id"], 200)
    with app.app_context():
        org = db.session.execute(db.select(Organisation)).scalars().first()
        for ids in (small_ids, large_ids):
            for fid in ids:
                finding = db.session.get(Finding, fid)
                db.session.add(Measure(title="Tiltag", responsible_org=org, findings=[finding]))
                db.session.add(Photo(finding_id=fid, storage_key=f"{fid.hex}.jpg", sha256="c" * 64,
                                     width=4, height=4))
        db.session.commit()
    url = "/walks/{}/export.geojson"
    logged_in.get(url.format(small["id"]))  # warm-up: first-request work is not per finding
    small_count = statements_for(logged_in, app, url.format(small["id"]))
    large_count = statements_for(logged_in, app, url.format(large["id"]))
    assert small_count == large_count
    data = logged_in.get(url.format(large["id"])).get_json(force=True)
    assert len(data["features"]) == 201
    assert all(len(f["properties"]["measures"]) == 1 and len(f["properties"]["photos"]) == 1
               for f in data["features"][1:])
