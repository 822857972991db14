"""A finding POST (and its re-send) costs the same in a walk of 10 and of 1,000 findings: the
near-duplicate hint reads a box around the point, not the whole walk."""
from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from tests.capture_api_helpers import NEAR_LAT, NEAR_LON, finding_payload, findings_url, send
from tests.conftest import count_statements, csrf_token, join_walk
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.geo import distance_m


def _fill(app, walk_id: int, user_id: int, count: int) -> list[str]:
    """`count` lighting findings on the walk, all more than 100 m from the spot (half of them on
    its latitude, far east, so a latitude strip alone does not exclude them), plus two lighting
    findings within 25 m of it; the ids of those two."""
    with app.app_context():
        lighting = db.session.execute(db.select(Category.id).where(Category.code == "lighting")).scalar_one()
        rows = []
        for i in range(count):
            if i % 2:
                lat, lon = NEAR_LAT, NEAR_LON + 0.002 + (i // 2) * 0.00002
            else:
                lat, lon = NEAR_LAT - 0.002 - (i // 40) * 0.0001, NEAR_LON + ((i // 2) % 20 - 10) * 0.0003
            assert distance_m(lat, lon, NEAR_LAT, NEAR_LON) > 100
            rows.append((lat, lon))
        near = [(NEAR_LAT + 0.0001, NEAR_LON), (NEAR_LAT, NEAR_LON + 0.00015)]
        ids = [uuid.uuid4() for _ in range(count + len(near))]
        db.session.execute(insert(Finding), [{
            "id": fid, "walk_id": walk_id, "user_id": user_id, "category_id": lighting, "lat": lat,
            "lon": lon, "description": "Mørk sti", "observed_at": datetime.now(UTC),
        } for fid, (lat, lon) in zip(ids, rows + near, strict=True)])
        db.session.commit()
        return sorted(str(fid) for fid in ids[count:])


def _post_cost(app, client, walk_id: int, payload: dict) -> tuple[int, int, int, list[str], int]:
    """(statements, ORM rows loaded, findings among them, nearby ids, status) of one POST."""
    loaded: list[object] = []

    def on_load(session, instance) -> None:
        loaded.append(instance)

    headers = {"X-CSRFToken": csrf_token(client)}
    event.listen(Session, "loaded_as_persistent", on_load)
    try:
        statements, response = count_statements(
            app, client, findings_url(walk_id), method="post", json=payload, headers=headers,
        )
    finally:
        event.remove(Session, "loaded_as_persistent", on_load)
    findings = sum(isinstance(instance, Finding) for instance in loaded)
    return statements, len(loaded), findings, sorted(response.get_json()["nearby"]), response.status_code


def test_finding_post_does_not_grow_with_the_walk(app, make_walk, coordinator):
    """First POST and re-send: the same statements and rows loaded at 10 and at 1,000 findings,
    and the same hint (the two findings within 25 m)."""
    costs = {}
    for size in (10, 1000):
        walk = make_walk(status="active")
        near = _fill(app, walk["id"], coordinator["id"], size)
        client = app.test_client()
        join_walk(client, walk["join_code"])
        payload = finding_payload()
        first = _post_cost(app, client, walk["id"], payload)
        again = _post_cost(app, client, walk["id"], payload)
        assert (first[3:], again[3:]) == ((near, 201), (near, 200))
        costs[size] = (first[:3], again[:3])
    assert costs[1000] == costs[10]
    # Findings loaded: the posted one and the two near ones, not the walk.
    assert costs[1000][0][2] == costs[1000][1][2] == 3


@pytest.mark.parametrize("lat", [55.6665, 70.0])
def test_box_holds_every_finding_within_25_metres(participant, walk, lat):
    """Due north, east and diagonally: 24 m away is nearby, 26 m is not (the box is scaled by the
    latitude, so it is never too narrow in longitude); each hint is every earlier finding
    within 25 m."""
    spot = finding_payload(lat=lat, lon=NEAR_LON)
    assert send(participant, "POST", findings_url(walk["id"]), spot).status_code == 201
    posted = [(spot["id"], lat, NEAR_LON)]
    metre_lat = 1 / 111_195
    for metres in (24.0, 26.0):
        for dlat, dlon in ((1, 0), (0, 1), (-0.7071, -0.7071)):
            other = finding_payload(
                lat=lat + dlat * metres * metre_lat,
                lon=NEAR_LON + dlon * metres * metre_lat / math.cos(math.radians(lat)),
            )
            within = sorted(fid for fid, la, lo in posted if distance_m(la, lo, other["lat"], other["lon"]) <= 25)
            assert (spot["id"] in within) == (metres < 25)
            body = send(participant, "POST", findings_url(walk["id"]), other).get_json()
            assert sorted(body["nearby"]) == within, (metres, dlat, dlon)
            posted.append((other["id"], other["lat"], other["lon"]))
