"""The coordinate helpers that every map, export and finding placement relies on."""
import math

import pytest

from walkapp.geo import distance_m, point_in_polygon, to_leaflet_path, valid_lat_lon

SQUARE = {"type": "Polygon", "coordinates": [[[12.0, 55.0], [13.0, 55.0], [13.0, 56.0], [12.0, 56.0], [12.0, 55.0]]]}
SQUARE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": SQUARE["coordinates"] + [[[12.4, 55.4], [12.6, 55.4], [12.6, 55.6], [12.4, 55.6], [12.4, 55.4]]],
}


def test_point_in_polygon_uses_geojson_lon_lat_order():
    assert point_in_polygon(55.5, 12.5, SQUARE)
    # The same numbers swapped (a lat/lon mix-up) fall outside.
    assert not point_in_polygon(12.5, 55.5, SQUARE)


def test_point_in_polygon_respects_holes_and_missing_boundaries():
    assert not point_in_polygon(55.5, 12.5, SQUARE_WITH_HOLE)
    assert point_in_polygon(55.2, 12.2, SQUARE_WITH_HOLE)
    assert not point_in_polygon(55.5, 12.5, None)


def test_distance_of_25_metres_along_a_meridian():
    # 25 m north of a point in Amagerbro: one degree of latitude is about 111.2 km.
    d = distance_m(55.6660, 12.6035, 55.6660 + 25 / 111_195, 12.6035)
    assert d == pytest.approx(25, abs=0.1)


@pytest.mark.parametrize(
    "lat, lon, ok",
    [(55.6, 12.6, True), (90, 180, True), (91, 0, False), (0, -181, False),
     (math.nan, 0, False), (0, math.inf, False), (True, 0, False), ("55", 12, False)],
)
def test_valid_lat_lon(lat, lon, ok):
    assert valid_lat_lon(lat, lon) is ok


def test_route_converted_to_leaflet_order():
    assert to_leaflet_path([[12.6035, 55.666], [12.6054, 55.6664]]) == [[55.666, 12.6035], [55.6664, 12.6054]]


# A straight east-west line 200 m long at Amagerbro's latitude.
_LAT = 55.6660
_M_PER_DEG_LAT = 111_195.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(_LAT))
EAST_WEST = [[12.6000, _LAT], [12.6000 + 200 / _M_PER_DEG_LON, _LAT]]


def test_projection_gives_metres_along_and_off_the_route():
    from walkapp.geo import project_onto_line

    # 60 m along the line and 30 m north of it.
    along, off = project_onto_line(_LAT + 30 / _M_PER_DEG_LAT, 12.6000 + 60 / _M_PER_DEG_LON, EAST_WEST)
    assert along == pytest.approx(60, abs=0.5)
    assert off == pytest.approx(30, abs=0.5)


def test_projection_beyond_the_end_is_measured_to_the_end_point():
    from walkapp.geo import project_onto_line

    # 40 m past the eastern end: nearest point is the end (200 m along), 40 m off.
    along, off = project_onto_line(_LAT, 12.6000 + 240 / _M_PER_DEG_LON, EAST_WEST)
    assert along == pytest.approx(200, abs=0.5)
    assert off == pytest.approx(40, abs=0.5)


def test_projection_follows_a_bent_route_to_its_nearest_leg():
    from walkapp.geo import project_onto_line

    # East 200 m, then north 100 m; a point 10 m east of the second leg, halfway up it.
    corner = EAST_WEST[1]
    bent = EAST_WEST + [[corner[0], _LAT + 100 / _M_PER_DEG_LAT]]
    along, off = project_onto_line(_LAT + 50 / _M_PER_DEG_LAT, corner[0] + 10 / _M_PER_DEG_LON, bent)
    assert along == pytest.approx(250, abs=0.5)
    assert off == pytest.approx(10, abs=0.5)
