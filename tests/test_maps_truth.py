"""Every map and export of a walk tells the truth: dismissed and duplicate findings are grey
with why (never red "Intet tiltag endnu"), legend counts are the markers drawn, every number
on the overview's map is in its lists, and findings come in route order (not the clock's) with
their metres along the route."""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from datetime import UTC, datetime

import openpyxl
import pytest

from tests.conftest import DEMO_ROUTE
from walkapp.exports.folium_map import STATUS_COLOURS
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.models import Measure

HOSTILE = '<script>alert(1)</script> `${x}` \\'


def metres(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    """Distance on a local flat earth: at a walk's scale, centimetres from the great circle."""
    kx = math.cos(math.radians((lat_a + lat_b) / 2)) * 111_320
    return math.hypot((lon_b - lon_a) * kx, (lat_b - lat_a) * 110_574)


@pytest.fixture
def route_walk(app, make_walk, make_finding):
    """Five findings seen in the reverse of route order: 1 lamp (agreed measure) at the start,
    2 graffiti without a measure, 3 dismissed at the first bend, 4 a duplicate of 1 near the
    end, 5 a detour 150 m off the route (seen first of all)."""
    walk = make_walk(title="Ruteaften")

    def seen(hour: int, minute: int) -> datetime:
        return datetime(2026, 11, 29, hour, minute, tzinfo=UTC)

    lamp = make_finding(walk["id"], lat=55.66605, lon=12.6037, description="Mørk port", observed_at=seen(19, 30))
    tags = make_finding(walk["id"], category="graffiti", lat=55.66621, lon=12.6045, description="Tags",
                        observed_at=seen(19, 0))
    gone = make_finding(walk["id"], category="litter", lat=55.6664, lon=12.6054, description="Skrald",
                        observed_at=seen(18, 45), state="dismissed", dismiss_reason="Privat have")
    again = make_finding(walk["id"], lat=55.66675, lon=12.6070, description="Også mørkt",
                         observed_at=seen(18, 30), state="duplicate", duplicate_of_id=lamp)
    detour = make_finding(walk["id"], lat=55.66740, lon=12.6036, description="Omvej",
                          observed_at=seen(18, 0))
    with app.app_context():
        db.session.add(Measure(title="Ny lampe", status="agreed", findings=[db.session.get(Finding, lamp)]))
        db.session.commit()
    ids = {"lamp": lamp, "tags": tags, "gone": gone, "again": again, "detour": detour}
    return {"walk": walk["id"], **{name: str(fid) for name, fid in ids.items()}}


ROUTE_ORDER = ["lamp", "tags", "gone", "again", "detour"]


def number_of(scene: dict) -> dict[str, int]:
    return {scene[name]: n for n, name in enumerate(ROUTE_ORDER, start=1)}


# ---------------------------------------------------------------- folium map


def map_rows(html: str) -> list[list]:
    """The markers the map draws: [lat, lon, colour, popup, layer, number] each."""
    return json.loads(re.search(r"var rows = (\[.*?\]);\n", html, re.S).group(1))


def legend_counts(html: str) -> dict[str, int]:
    return {status: int(n) for status, n in re.findall(r"legend-count' data-status='(\w+)'>(\d+)<", html)}


def test_folium_map_draws_dismissed_and_duplicate_grey_with_why(logged_in, route_walk):
    html = logged_in.get(f"/walks/{route_walk['walk']}/map.html").get_data(as_text=True)
    rows = map_rows(html)
    assert [row[5] for row in rows] == [1, 2, 3, 4, 5]
    by_number = {row[5]: row for row in rows}
    gone, again, tags = by_number[3], by_number[4], by_number[2]
    assert gone[2] == STATUS_COLOURS["dismissed"] and "Afvist: Privat have" in gone[3]
    assert again[2] == STATUS_COLOURS["duplicate"] and "Dublet af #1" in again[3]
    for row in (gone, again):
        assert "Intet tiltag endnu" not in row[3] and row[2] != STATUS_COLOURS["none"]
    assert tags[2] == STATUS_COLOURS["none"] and "Intet tiltag endnu" in tags[3]
    assert by_number[1][2] == STATUS_COLOURS["agreed"] and by_number[1][3].startswith("<div class='finding-popup'><strong>#1 ")


def test_folium_legend_counts_are_the_markers_drawn(logged_in, route_walk):
    html = logged_in.get(f"/walks/{route_walk['walk']}/map.html").get_data(as_text=True)
    status_of_colour = {colour: status for status, colour in STATUS_COLOURS.items()}
    drawn = Counter(status_of_colour[row[2]] for row in map_rows(html))
    legend = legend_counts(html)
    assert set(legend) == set(STATUS_COLOURS)
    assert {s: n for s, n in legend.items() if n} == dict(drawn)
    assert legend["dismissed"] == 1 and legend["duplicate"] == 1 and legend["none"] == 2
    assert sum(legend.values()) == len(map_rows(html)) == 5


def test_folium_popup_escapes_the_dismiss_reason(app, logged_in, make_walk, make_finding):
    walk = make_walk()
    make_finding(walk["id"], state="dismissed", dismiss_reason=HOSTILE)
    html = logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)
    assert HOSTILE not in html and "<script>alert(1)" not in html and "${x}" not in html
    assert "Afvist: &lt;script&gt;" in map_rows(html)[0][3]


# ---------------------------------------------------------------- GeoJSON


def test_geojson_has_route_numbers_metres_and_set_aside_statuses(logged_in, route_walk):
    collection = logged_in.get(f"/walks/{route_walk['walk']}/export.geojson").get_json()
    points = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "finding"]
    assert [p["id"] for p in points] == [route_walk[name] for name in ROUTE_ORDER]
    assert [p["number"] for p in points] == [1, 2, 3, 4, 5]
    by_name = dict(zip(ROUTE_ORDER, points, strict=True))
    assert by_name["gone"]["follow_up_status"] == "dismissed" and by_name["gone"]["dismiss_reason"] == "Privat have"
    assert by_name["again"]["follow_up_status"] == "duplicate"
    assert by_name["again"]["duplicate_of"] == route_walk["lamp"] and by_name["again"]["duplicate_of_number"] == 1
    assert by_name["tags"]["follow_up_status"] == "none" and by_name["lamp"]["follow_up_status"] == "agreed"
    first_bend = DEMO_ROUTE["coordinates"][1]
    assert by_name["gone"]["along_route_m"] == pytest.approx(metres(*DEMO_ROUTE["coordinates"][0], *first_bend), abs=2)
    assert by_name["gone"]["off_route_m"] < 2
    assert by_name["detour"]["off_route_m"] > 50


# ---------------------------------------------------------------- CSV / XLSX


def csv_table(client, url: str) -> tuple[list[str], list[list[str]]]:
    raw = client.get(url).get_data().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(raw, newline="")))
    return header, rows


def test_csv_rows_follow_the_route_with_metres_and_set_aside_words(logged_in, route_walk):
    header, rows = csv_table(logged_in, f"/walks/{route_walk['walk']}/export.csv")
    col = {name: header.index(name) for name in header}
    assert header[:3] == ["Nr.", "Meter langs ruten", "Meter fra ruten"]
    assert [row[col["ID"]] for row in rows] == [route_walk[name] for name in ROUTE_ORDER]
    assert [row[col["Nr."]] for row in rows] == ["1", "2", "3", "4", "5"]
    along = [float(row[col["Meter langs ruten"]]) for row in rows]
    assert along[:4] == sorted(along[:4]) and along[0] < along[1] < along[3]
    assert float(rows[4][col["Meter fra ruten"]]) > 50 >= max(float(r[col["Meter fra ruten"]]) for r in rows[:4])
    status = [row[col["Opfølgning"]] for row in rows]
    assert status == ["Aftalt", "Intet tiltag", "Afvist", "Dublet", "Intet tiltag"]
    notes = [row[col["Afvist/dublet"]] for row in rows]
    assert notes == ["", "", "Afvist: Privat have", "Dublet af #1", ""]


def test_csv_in_english(logged_in, route_walk):
    header, rows = csv_table(logged_in, f"/walks/{route_walk['walk']}/export.csv?lang=en")
    assert header[:3] == ["No.", "Metres along route", "Metres off route"]
    col = header.index("Follow-up status")
    assert [row[col] for row in rows[2:4]] == ["Dismissed", "Duplicate"]
    assert [row[col + 1] for row in rows[2:4]] == ["Dismissed: Privat have", "Duplicate of #1"]


def test_xlsx_rows_follow_the_route_with_numeric_metres(logged_in, route_walk):
    response = logged_in.get(f"/walks/{route_walk['walk']}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r["ID"] for r in rows] == [route_walk[name] for name in ROUTE_ORDER]
    assert [r["Nr."] for r in rows] == [1, 2, 3, 4, 5]
    assert all(isinstance(r["Meter langs ruten"], float) for r in rows)
    assert [r["Opfølgning"] for r in rows[2:4]] == ["Afvist", "Dublet"]
    assert [r["Afvist/dublet"] for r in rows[2:4]] == ["Afvist: Privat have", "Dublet af #1"]


def test_a_filtered_set_keeps_each_findings_number_on_its_walk(logged_in, route_walk):
    """Filtered to the graffiti, the one finding left is still number 2 of its walk."""
    query = f"walk={route_walk['walk']}&category=graffiti"
    header, rows = csv_table(logged_in, f"/findings/export.csv?{query}")
    assert [(row[header.index("ID")], row[0]) for row in rows] == [(route_walk["tags"], "2")]
    collection = logged_in.get(f"/findings/export.geojson?{query}").get_json()
    assert [f["properties"]["number"] for f in collection["features"]] == [2]
    rows = map_rows(logged_in.get(f"/findings/map.html?{query}").get_data(as_text=True))
    assert [row[5] for row in rows] == [2]


def test_a_set_over_two_walks_is_ordered_walk_by_walk_along_each_route(logged_in, route_walk, make_walk,
                                                                        make_finding):
    other = make_walk(title="Anden aften", starts_at=datetime(2020, 1, 1, tzinfo=UTC))
    far_end = make_finding(other["id"], lat=55.6668, lon=12.6072, observed_at=datetime(2019, 12, 31, tzinfo=UTC))
    start = make_finding(other["id"], lat=55.6660, lon=12.6035, observed_at=datetime(2020, 1, 1, tzinfo=UTC))
    header, rows = csv_table(logged_in, "/findings/export.csv?category=lighting")
    got = [(row[header.index("ID")], row[0]) for row in rows]
    # The earlier walk first; its numbers count both its findings, the other walk's its own five.
    assert got == [(str(start), "1"), (str(far_end), "2"), (route_walk["lamp"], "1"),
                   (route_walk["again"], "4"), (route_walk["detour"], "5")]


# ---------------------------------------------------------------- printed overview


def svg_numbers(html: str) -> list[int]:
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    return [int(n) for n in re.findall(r"<text[^>]*>(\d+)</text>", svg)]


def list_numbers(html: str, list_id: str) -> list[int]:
    block = re.search(rf'<ol[^>]*id="{list_id}"[^>]*>(.*?)</ol>', html, re.S)
    return [int(n) for n in re.findall(r'<span class="num">(\d+)</span>', block.group(1))] if block else []


def test_every_number_on_the_overview_map_is_in_its_lists(logged_in, route_walk):
    html = logged_in.get(f"/walks/{route_walk['walk']}/report").get_data(as_text=True)
    listed = list_numbers(html, "route-list") + list_numbers(html, "set-aside-list")
    assert sorted(svg_numbers(html)) == sorted(listed) == [1, 2, 3, 4, 5]


def test_overview_lists_in_route_order_and_set_aside_grey_with_why(logged_in, route_walk):
    html = logged_in.get(f"/walks/{route_walk['walk']}/report").get_data(as_text=True)
    # Seen 19:30, 19:00, 18:00 by the clock; listed along the route, the detour last.
    assert list_numbers(html, "route-list") == [1, 2, 5]
    route_list = re.search(r'id="route-list">(.*?)</ol>', html, re.S).group(1)
    assert route_list.index("Mørk port") < route_list.index("Tags") < route_list.index("Omvej")
    set_aside = re.search(r'id="set-aside-list"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert list_numbers(html, "set-aside-list") == [3, 4]
    assert "Afvist: Privat have" in set_aside and "Dublet af #1" in set_aside
    assert "Afviste og dubletter (2)" in html
    grey = re.findall(r'<g class="map-point set-aside" data-number="(\d+)">\s*<circle[^>]*fill="#e0e0e0"', html)
    assert sorted(int(n) for n in grey) == [3, 4]
    red = re.findall(r'<g class="map-point" data-number="(\d+)">\s*<circle[^>]*stroke="#b00020"', html)
    assert sorted(int(n) for n in red) == [1, 2, 5]
    # The measure table names its finding by the same number.
    assert re.search(r"Ny lampe</strong>.*?<td>1</td>", html, re.S)


def test_overview_escapes_the_dismiss_reason(logged_in, make_walk, make_finding):
    walk = make_walk()
    make_finding(walk["id"], state="dismissed", dismiss_reason=HOSTILE)
    html = logged_in.get(f"/walks/{walk['id']}/report").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "Afvist: &lt;script&gt;" in html


# ---------------------------------------------------------------- walk page map


def test_walk_page_map_data_in_route_order_with_set_aside_and_why(logged_in, route_walk):
    page = logged_in.get(f"/walks/{route_walk['walk']}").get_data(as_text=True)
    data = json.loads(re.search(r'id="walk-map-data">(.*?)</script>', page, re.S).group(1))
    points = data["findings"]
    assert [p["number"] for p in points] == [1, 2, 3, 4, 5]
    assert [p["description"] for p in points] == ["Mørk port", "Tags", "Skrald", "Også mørkt", "Omvej"]
    assert [p["set_aside"] for p in points] == [False, False, True, True, False]
    assert [p["note"] for p in points] == ["", "", "Afvist: Privat have", "Dublet af #1", ""]
