"""A walk's findings are numbered in the order the route passes them, detours last."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from walkapp.extensions import db
from walkapp.findings.route_order import route_stops
from walkapp.walks.models import Walk

LAT = 55.6660
M_LAT = 111_195.0
M_LON = M_LAT * math.cos(math.radians(LAT))
# 300 m east along one street.
STREET = {"type": "LineString", "coordinates": [[12.6000, LAT], [12.6000 + 300 / M_LON, LAT]]}
EARLY = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)


def _at(metres_east: float, metres_north: float = 0.0) -> dict:
    return {"lat": LAT + metres_north / M_LAT, "lon": 12.6000 + metres_east / M_LON}


def _numbers(app, walk_id: int) -> dict:
    with app.app_context():
        walk = db.session.get(Walk, walk_id)
        return {stop.finding.description: (stop.number, stop.along_route_m, stop.off_route_m)
                for stop in route_stops(walk)}


def test_findings_are_numbered_along_the_route_not_by_the_clock(app, make_walk, make_finding):
    walk = make_walk(route=STREET)
    # Reported in the opposite order to where they lie on the street.
    make_finding(walk["id"], description="far", observed_at=EARLY, **_at(250, 5))
    make_finding(walk["id"], description="middle", observed_at=EARLY + timedelta(minutes=5), **_at(120, -8))
    make_finding(walk["id"], description="start", observed_at=EARLY + timedelta(minutes=9), **_at(10, 2))
    numbers = _numbers(app, walk["id"])
    assert [numbers[d][0] for d in ("start", "middle", "far")] == [1, 2, 3]
    assert numbers["middle"][1] == pytest.approx(120, abs=0.5)
    assert numbers["middle"][2] == pytest.approx(8, abs=0.5)


def test_a_detour_more_than_50_metres_off_comes_after_the_route(app, make_walk, make_finding):
    walk = make_walk(route=STREET)
    make_finding(walk["id"], description="courtyard", observed_at=EARLY, **_at(20, 80))
    make_finding(walk["id"], description="end", observed_at=EARLY, **_at(290, 0))
    make_finding(walk["id"], description="edge", observed_at=EARLY, **_at(100, 49))
    make_finding(walk["id"], description="garage", observed_at=EARLY, **_at(5, -60))
    numbers = _numbers(app, walk["id"])
    # On the route (≤ 50 m): edge at 100 m, end at 290 m; then the detours by their nearest
    # point of the route: garage (5 m along) before courtyard (20 m along).
    assert sorted(numbers, key=lambda d: numbers[d][0]) == ["edge", "end", "garage", "courtyard"]


def test_without_a_route_findings_are_numbered_by_when_they_were_seen(app, make_walk, make_finding):
    walk = make_walk(route=None)
    make_finding(walk["id"], description="second", observed_at=EARLY + timedelta(minutes=3), **_at(0))
    make_finding(walk["id"], description="first", observed_at=EARLY, **_at(200))
    numbers = _numbers(app, walk["id"])
    assert numbers == {"first": (1, None, None), "second": (2, None, None)}

