"""Finding-set exports from the triage list's filters: the same findings as the list for every
filter, in GeoJSON, CSV, XLSX and the follow-up map; bad filters refused; links carry every
filter; a constant number of SQL statements."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from tests.conftest import statements_for
from walkapp.exports.tabular import FINDING_COLUMNS
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.findings.storage import new_storage_key
from walkapp.measures.models import Measure
from walkapp.orgs.models import Estate, Organisation
from walkapp.seed import default_area

ROW_LINK = re.compile(r'href="/findings/([0-9a-f-]{36})"')


@pytest.fixture
def varied(app, make_walk, make_finding):
    """Two walks with findings that differ in every filtered field."""
    walk = make_walk(title="Aftenvandring Nord")
    other = make_walk(title="Dagvandring Syd")
    ids = {
        "dark_0": make_finding(walk["id"], category="lighting", rating=0, description="Mørk sti bag blok 4",
                               observed_at=datetime(2026, 11, 29, 18, 0, tzinfo=UTC)),
        "dark_2": make_finding(walk["id"], category="lighting", rating=2, description="Lidt mørk sti",
                               observed_at=datetime(2026, 11, 29, 18, 5, tzinfo=UTC)),
        "bush_0": make_finding(walk["id"], category="vegetation", rating=0, description="Høje buske",
                               observed_at=datetime(2026, 11, 29, 18, 10, tzinfo=UTC)),
        "other_dark_0": make_finding(other["id"], category="lighting", rating=0,
                                     description="STI ved indgang, 100%_sikker",
                                     observed_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        "other_litter": make_finding(other["id"], category="litter", rating=3, description="Affald",
                                     state="triaged", observed_at=datetime(2026, 11, 30, 12, 5, tzinfo=UTC)),
    }
    with app.app_context():
        area = default_area()
        # A member of the area: the list's organisation filter offers the area's members.
        org = Organisation(name="Driften", type="housing")
        estate = Estate(name="Blok 4", organisation=org)
        dark = db.session.get(Finding, ids["dark_0"])
        dark.estate = estate
        db.session.add(Photo(finding_id=ids["dark_0"], storage_key=new_storage_key(),
                             sha256="a" * 64, width=4, height=4))
        db.session.add(Measure(title="Ny lampe", status="agreed", responsible_org=org, due_on=date(2027, 3, 1),
                               findings=[dark, db.session.get(Finding, ids["other_dark_0"])]))
        db.session.add(Measure(title="Klip buske", status="done",
                               findings=[db.session.get(Finding, ids["bush_0"])]))
        org.areas.append(area)
        db.session.commit()
        refs = {"org": org.id, "estate": estate.id}
    return {"walk": walk["id"], "other": other["id"], "ids": {k: str(v) for k, v in ids.items()}, **refs}


def list_ids(client, query: str) -> set[str]:
    """The finding ids the triage list shows for a query string (one page is enough here)."""
    response = client.get(f"/findings?{query}")
    assert response.status_code == 200
    return set(ROW_LINK.findall(response.get_data(as_text=True)))


def geojson_ids(client, query: str) -> set[str]:
    response = client.get(f"/findings/export.geojson?{query}")
    assert response.status_code == 200
    return {f["properties"]["id"] for f in response.get_json(force=True)["features"]}


def csv_rows(client, query: str) -> list[dict[str, str]]:
    response = client.get(f"/findings/export.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="findings.csv"'
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    assert header == [da for _k, da, _en in FINDING_COLUMNS]
    return [dict(zip([k for k, _d, _e in FINDING_COLUMNS], row, strict=True)) for row in rows]


def test_rating_and_free_text_give_the_same_findings_in_list_and_geojson(logged_in, varied):
    ids = varied["ids"]
    query = "rating=0&q=Sti"  # case-insensitive text: "sti" and "STI" both match
    expected = {ids["dark_0"], ids["other_dark_0"]}
    assert list_ids(logged_in, query) == expected
    assert geojson_ids(logged_in, query) == expected


FILTER_CASES = {
    "rating": "rating=0",
    "text": "q=sti",
    "text_with_like_characters": "q=100%25_",
    "walk_and_category": "walk={walk}&category=lighting",
    "estate": "estate={estate}",
    "state": "state=triaged",
    "with_photo": "photo=yes",
    "without_photo": "photo=no",
    "organisation": "org={org}",
    "measure_status": "mstatus=done",
    "everything_at_once": "walk={walk}&category=lighting&rating=0&photo=yes&org={org}&mstatus=agreed&q=blok",
    "no_filter": "",
}


@pytest.mark.parametrize("template", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_every_filter_selects_the_same_findings_as_the_list(logged_in, varied, template):
    query = template.format(**varied)
    shown = list_ids(logged_in, query)
    assert geojson_ids(logged_in, query) == shown
    assert {row["id"] for row in csv_rows(logged_in, query)} == shown
    html = logged_in.get(f"/findings/map.html?{query}").get_data(as_text=True)
    assert html.count("finding-popup") == len(shown)
    # The filters do select something, and not everything (except with no filter at all).
    assert 0 < len(shown) <= len(varied["ids"])
    assert (len(shown) == len(varied["ids"])) == (template == "")


def test_csv_of_a_finding_set_has_walk_titles_and_measures(logged_in, varied):
    rows = {row["id"]: row for row in csv_rows(logged_in, "category=lighting&rating=0")}
    assert set(rows) == {varied["ids"]["dark_0"], varied["ids"]["other_dark_0"]}
    dark = rows[varied["ids"]["dark_0"]]
    assert dark["walk"] == "Aftenvandring Nord" and dark["estate"] == "Blok 4"
    assert dark["measures"] == "Ny lampe" and dark["responsible"] == "Driften" and dark["due_on"] == "2027-03-01"
    assert dark["photos"] == "1" and float(dark["lat"]) == 55.6665
    assert rows[varied["ids"]["other_dark_0"]]["walk"] == "Dagvandring Syd"


def test_xlsx_of_a_finding_set_is_typed_with_english_headers(logged_in, varied):
    response = logged_in.get(f"/findings/export.xlsx?q=sti&walk={varied['walk']}&lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="findings.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Findings"
    assert [c.value for c in sheet[1]] == [en for _k, _da, en in FINDING_COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:V3"  # V: the 22nd column, "Type"
    keys = [k for k, _d, _e in FINDING_COLUMNS]
    rows = {row[3]: dict(zip(keys, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {varied["ids"]["dark_0"], varied["ids"]["dark_2"]}
    dark = rows[varied["ids"]["dark_0"]]
    assert dark["walk"] == "Aftenvandring Nord" and dark["rating"] == 0 and isinstance(dark["observed_at"], datetime)
    assert isinstance(dark["lat"], float) and dark["due_on"] == datetime(2027, 3, 1)


def test_map_of_one_walk_has_its_route_and_title(logged_in, varied):
    html = logged_in.get(f"/findings/map.html?walk={varied['walk']}&rating=0").get_data(as_text=True)
    assert "walk-route" in html and "<title>Aftenvandring Nord</title>" in html
    assert html.count("finding-popup") == 2
    html = logged_in.get("/findings/map.html?rating=0").get_data(as_text=True)
    assert "walk-route" not in html and html.count("finding-popup") == 3


@pytest.mark.parametrize("query", [
    "rating=9", "rating=x", "state=bogus", "walk=abc", "walk=999999", "estate=999999",
    "category=nope", "photo=maybe", "org=abc", "mstatus=finished", "q=" + "x" * 201,
])
def test_bad_filter_value_is_refused_not_ignored(logged_in, varied, query):
    for url in ("/findings/export.geojson", "/findings/export.csv", "/findings/export.xlsx",
                "/findings/map.html"):
        response = logged_in.get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert "attachment" not in response.headers.get("Content-Disposition", "")
    if query.startswith("rating"):  # the page names the refused filter, in Danish
        assert "Tryghedsvurdering" in response.get_data(as_text=True)


def test_sort_page_and_view_do_not_change_the_set(logged_in, varied):
    base = geojson_ids(logged_in, "rating=0")
    assert geojson_ids(logged_in, "rating=0&sort=category&page=2&view=map") == base


def test_list_links_carry_every_filter_to_every_download(logged_in, varied):
    query = (f"walk={varied['walk']}&estate={varied['estate']}&category=lighting&state=new&rating=0"
             f"&photo=yes&org={varied['org']}&mstatus=agreed&q=blok&sort=rating&page=1")
    html = logged_in.get(f"/findings?{query}").get_data(as_text=True)
    wanted = {"walk": [str(varied["walk"])], "estate": [str(varied["estate"])], "category": ["lighting"],
              "state": ["new"], "rating": ["0"], "photo": ["yes"], "org": [str(varied["org"])],
              "mstatus": ["agreed"], "q": ["blok"]}
    for path in ("/findings/export.geojson", "/findings/export.csv", "/findings/export.xlsx",
                 "/findings/map.html"):
        link = re.search(rf'href="({re.escape(path)}[^"]*)"', html)
        assert link, path
        url = link.group(1).replace("&amp;", "&")
        assert parse_qs(urlsplit(url).query) == wanted, path
        # Following the link gives exactly what the list shows.
    assert geojson_ids(logged_in, urlsplit(url).query) == {varied["ids"]["dark_0"]} == list_ids(logged_in, query)


def test_finding_set_downloads_need_login(app, varied):
    anonymous = app.test_client()
    for url in ("/findings/export.csv", "/findings/export.xlsx", "/findings/export.geojson"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------- SQL statement count


def add_findings(app, user_id: int, walk_id: int, count: int) -> None:
    """`count` rated findings with a measure and a photo each."""
    with app.app_context():
        cat = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        org = db.session.execute(db.select(Organisation)).scalars().first()
        for n in range(count):
            finding = Finding(id=uuid.uuid4(), walk_id=walk_id, category_id=cat.id, lat=55.66 + n * 1e-5,
                              lon=12.60, user_id=user_id, description=f"Mørk sti {n}", rating=0)
            db.session.add(finding)
            db.session.add(Measure(title="Lampe", status="agreed", responsible_org=org, findings=[finding]))
            db.session.add(Photo(finding_id=finding.id, storage_key=new_storage_key(), sha256="b" * 64,
                                 width=4, height=4))
        db.session.commit()


@pytest.mark.parametrize("path", ["export.geojson", "export.csv", "export.xlsx", "map.html"])
def test_statement_count_does_not_grow_with_the_set(app, logged_in, coordinator, make_walk, path):
    small, large = make_walk(), make_walk()
    add_findings(app, coordinator["id"], small["id"], 5)
    add_findings(app, coordinator["id"], large["id"], 150)
    url = "/findings/" + path + "?walk={}&rating=0&q=sti&photo=yes&mstatus=agreed"
    logged_in.get(url.format(small["id"]))  # warm-up: first-request work is not per finding
    assert statements_for(logged_in, app, url.format(small["id"])) == \
        statements_for(logged_in, app, url.format(large["id"]))
    assert len(geojson_ids(logged_in, f"walk={large['id']}&rating=0&q=sti&photo=yes&mstatus=agreed")) == 150
