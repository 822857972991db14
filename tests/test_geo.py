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
