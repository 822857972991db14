"""CSV and XLSX exports of findings and measures: BOM, column order, types, formula injection."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from walkapp.exports.tabular import FINDING_COLUMNS, MEASURE_COLUMNS, neutralise
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.models import Measure, PlanItem
from walkapp.orgs.models import Estate, Organisation

INJECTIONS = ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def walk_with_data(app, make_walk, make_finding):
    """A walk with one hostile finding (measure, estate) and one plain finding."""
    walk = make_walk(title="=Aftenvandring")
    hostile = make_finding(walk["id"], category="graffiti", lat=55.6671, lon=-12.5, rating=0,
                           description=INJECTIONS[0], observed_at=datetime(2026, 11, 29, 18, 30, tzinfo=UTC))
    plain = make_finding(walk["id"], category="lighting", description="-5", rating=3,
                         observed_at=datetime(2026, 11, 29, 19, 0, tzinfo=UTC))
    with app.app_context():
        org = Organisation(name="@SUM(A1) Boligselskab", type="housing")
        estate = Estate(name="+1+1 Afdeling", organisation=org)
        finding = db.session.get(Finding, hostile)
        finding.estate = estate
        measure = Measure(title="-2+3", description="\tTAB", status="in_plan", responsible_org=org,
                          due_on=date(2027, 6, 1), cost_estimate_dkk=12000, findings=[finding])
        measure.plan_items.append(PlanItem(estate=estate, plan_year=2028, amount_dkk=15000))
        db.session.add(measure)
        db.session.commit()
    return {"walk": walk["id"], "hostile": str(hostile), "plain": str(plain)}


def _csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_findings_csv_has_bom_danish_headers_numbers_and_neutralised_text(logged_in, walk_with_data):
    response = logged_in.get(f"/walks/{walk_with_data['walk']}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/csv"
    header, *rows = _csv(response)
    assert header == [da for _k, da, _en in FINDING_COLUMNS]
    assert header[:5] == ["Nr.", "Meter langs ruten", "Meter fra ruten", "ID", "Vandring"]
    by_id = {row[3]: dict(zip([k for k, _d, _e in FINDING_COLUMNS], row, strict=True)) for row in rows}
    hostile = by_id[walk_with_data["hostile"]]
    assert hostile["description"] == "'" + INJECTIONS[0]
    assert hostile["walk"] == "'=Aftenvandring"
    assert hostile["estate"] == "'+1+1 Afdeling"
    assert hostile["measures"] == "'-2+3"
    assert hostile["responsible"] == "'@SUM(A1) Boligselskab"
    assert float(hostile["lat"]) == 55.6671 and float(hostile["lon"]) == -12.5
    assert hostile["category"] == "Graffiti" and hostile["rating"] == "0"
    assert hostile["observed_at"] == "2026-11-29 19:30:00"
    assert hostile["follow_up_status"] == "Optaget i 10-årsplan"
    assert hostile["due_on"] == "2027-06-01"
    # A true number written as text is not a formula and stays as it is.
    assert by_id[walk_with_data["plain"]]["description"] == "-5"


def test_english_headers_with_lang_en(logged_in, walk_with_data):
    header, *_ = _csv(logged_in.get(f"/walks/{walk_with_data['walk']}/export.csv?lang=en"))
    assert header == [en for _k, _da, en in FINDING_COLUMNS]
    header, *rows = _csv(logged_in.get(f"/walks/{walk_with_data['walk']}/measures.csv?lang=en"))
    assert header == [en for _k, _da, en in MEASURE_COLUMNS]
    assert rows[0][3] == "Added to the 10-year plan"


def test_measures_csv_rows(logged_in, walk_with_data):
    header, *rows = _csv(logged_in.get(f"/walks/{walk_with_data['walk']}/measures.csv"))
    assert header[:4] == ["ID", "Titel", "Beskrivelse", "Status"]
    assert len(rows) == 1
    row = dict(zip([k for k, _d, _e in MEASURE_COLUMNS], rows[0], strict=True))
    assert row["title"] == "'-2+3" and row["description"] == "'\tTAB"
    assert row["responsible"] == "'@SUM(A1) Boligselskab"
    assert row["cost_estimate_dkk"] == "12000" and row["plan_year"] == "2028" and row["plan_amount_dkk"] == "15000"
    assert row["findings"] == "1" and row["finding_ids"] == walk_with_data["hostile"].replace("-", "")[:8]
    assert row["categories"] == "Graffiti"


def _sheet(response):
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def test_findings_xlsx_typed_cells_frozen_header_autofilter(logged_in, walk_with_data):
    sheet = _sheet(logged_in.get(f"/walks/{walk_with_data['walk']}/export.xlsx"))
    assert [c.value for c in sheet[1]] == [da for _k, da, _en in FINDING_COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:V{sheet.max_row}"  # V: the 22nd column, "Type"
    keys = [k for k, _d, _e in FINDING_COLUMNS]
    rows = {r[3].value: dict(zip(keys, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    hostile = rows[walk_with_data["hostile"]]
    assert hostile["lat"].value == 55.6671 and hostile["lat"].data_type == "n"
    assert hostile["rating"].value == 0 and hostile["rating"].data_type == "n"
    assert hostile["observed_at"].is_date and hostile["observed_at"].value == datetime(2026, 11, 29, 19, 30)
    assert hostile["due_on"].is_date
    for key in ("description", "walk", "estate", "measures", "responsible"):
        assert hostile[key].data_type == "s", key
        assert hostile[key].value.startswith("'"), key
    assert rows[walk_with_data["plain"]]["description"].value == "-5"


def test_measures_xlsx_typed(logged_in, walk_with_data):
    sheet = _sheet(logged_in.get(f"/walks/{walk_with_data['walk']}/measures.xlsx?lang=en"))
    assert sheet.title == "Measures"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M2"
    row = [c for c in sheet[2]]
    assert row[1].value == "'-2+3"
    assert row[5].is_date and row[5].value.date() == date(2027, 6, 1)
    assert row[6].value == 12000 and row[6].data_type == "n"


@pytest.mark.parametrize("text", INJECTIONS)
def test_neutralise_every_formula_prefix(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-2.5, 3, "-5", "+1", "Mørk sti", "", None])
def test_neutralise_leaves_numbers_and_plain_text(value):
    assert neutralise(value) == value


def test_tables_need_login(app, make_walk):
    walk = make_walk()
    response = app.test_client().get(f"/walks/{walk['id']}/export.xlsx")
    assert response.status_code == 302
