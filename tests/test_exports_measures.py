"""All-measures CSV/XLSX: the /measures list's filters, findings across walks, typed cells,
neutralised text, links on the list page, a constant number of SQL statements."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest

from tests.conftest import statements_for
from walkapp.dates import local_today
from walkapp.exports.tabular import MEASURE_COLUMNS
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.models import Measure, PlanItem
from walkapp.orgs.models import Estate, Organisation

KEYS = [k for k, _da, _en in MEASURE_COLUMNS]


@pytest.fixture
def measures(app, make_walk, make_finding):
    """Measures in several statuses and organisations; one overdue, one spans two walks."""
    walk, other = make_walk(), make_walk()
    lamp = make_finding(walk["id"], category="lighting")
    bush = make_finding(walk["id"], category="vegetation")
    far = make_finding(other["id"], category="litter")
    today = local_today()
    with app.app_context():
        drift = Organisation(name="Driften", type="housing")
        kommune = Organisation(name="=Kommunen", type="municipality")
        estate = Estate(name="Blok 4", organisation=drift)
        late = Measure(title="Ny lampe", status="agreed", responsible_org=drift,
                       due_on=today - timedelta(days=3), cost_estimate_dkk=8000,
                       findings=[db.session.get(Finding, lamp), db.session.get(Finding, far)])
        late.plan_items.append(PlanItem(estate=estate, plan_year=today.year + 2, amount_dkk=9000))
        on_time = Measure(title="Klip buske", status="agreed", responsible_org=drift,
                          due_on=today + timedelta(days=30), findings=[db.session.get(Finding, bush)])
        done = Measure(title="+Fjern affald", status="done", responsible_org=kommune,
                       due_on=today - timedelta(days=30), findings=[db.session.get(Finding, far)])
        loose = Measure(title="Idé uden fund", status="proposed")
        db.session.add_all([late, on_time, done, loose])
        db.session.commit()
        return {"late": late.id, "on_time": on_time.id, "done": done.id, "loose": loose.id,
                "drift": drift.id, "kommune": kommune.id, "lamp": lamp, "far": far}


def csv_rows(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/measures/export.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="measures.csv"'
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    assert header == [da for _k, da, _en in MEASURE_COLUMNS]
    return [dict(zip(KEYS, row, strict=True)) for row in rows]


def list_ids(client, query: str = "") -> list[str]:
    html = client.get(f"/measures?{query}").get_data(as_text=True)
    return re.findall(r'data-measure-id="(\d+)"', html)


@pytest.mark.parametrize("query", [
    "", "status=agreed", "status=bogus", "org={drift}", "overdue=1", "org={drift}&overdue=1",
    "status=done&org={kommune}",
])
def test_export_holds_the_measures_the_list_shows_in_its_order(logged_in, measures, query):
    query = query.format(**measures)
    shown = list_ids(logged_in, query)
    assert shown, "every case selects something"
    assert [row["id"] for row in csv_rows(logged_in, query)] == shown


def test_overdue_and_org_filters_pick_the_right_measures(logged_in, measures):
    assert [row["id"] for row in csv_rows(logged_in, "overdue=1")] == [str(measures["late"])]
    ids = {row["id"] for row in csv_rows(logged_in, f"org={measures['drift']}")}
    assert ids == {str(measures["late"]), str(measures["on_time"])}
    assert len(csv_rows(logged_in)) == 4  # no filter: every measure, also one without findings


def test_rows_count_findings_on_every_walk_and_neutralise_text(logged_in, measures):
    rows = {row["id"]: row for row in csv_rows(logged_in)}
    late = rows[str(measures["late"])]
    assert late["findings"] == "2"
    assert set(late["finding_ids"].split(" | ")) == {measures["lamp"].hex[:8], measures["far"].hex[:8]}
    assert set(late["categories"].split(" | ")) == {"Belysning", "Affald"}
    assert late["responsible"] == "Driften" and late["status"] == "Aftalt"
    assert late["cost_estimate_dkk"] == "8000" and late["plan_amount_dkk"] == "9000"
    assert late["plan_year"] == str(local_today().year + 2)
    done = rows[str(measures["done"])]
    assert done["title"] == "'+Fjern affald" and done["responsible"] == "'=Kommunen"
    assert rows[str(measures["loose"])]["findings"] == "0"


def test_xlsx_is_typed_with_english_headers(logged_in, measures):
    response = logged_in.get("/measures/export.xlsx?status=agreed&lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="measures.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Measures" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == [en for _k, _da, en in MEASURE_COLUMNS]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {measures["late"], measures["on_time"]}
    late = rows[measures["late"]]
    assert late[3] == "Agreed" and late[6] == 8000 and late[9] == 2
    assert late[5].date() == local_today() - timedelta(days=3)


def test_list_page_links_carry_its_filters(logged_in, measures):
    html = logged_in.get(f"/measures?status=agreed&org={measures['drift']}&overdue=1&page=1").get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        link = re.search(rf'href="(/measures/export\.{fmt}\?[^"]*)"', html)
        assert link, fmt
        url = link.group(1).replace("&amp;", "&")
        assert "page=" not in url
        assert f"org={measures['drift']}" in url and "status=agreed" in url and "overdue=1" in url
    assert [row["id"] for row in csv_rows(logged_in, url.split("?", 1)[1])] == [str(measures["late"])]


def test_measure_export_needs_login(app):
    response = app.test_client().get("/measures/export.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_statement_count_does_not_grow_with_measures(app, logged_in, make_walk, make_finding):
    walk = make_walk()
    findings = [make_finding(walk["id"]) for _ in range(3)]
    with app.app_context():
        org = Organisation(name="Driften", type="housing")
        estate = Estate(name="Blok 1", organisation=org)

        def add(count: int, status: str) -> None:
            for n in range(count):
                measure = Measure(title=f"Tiltag {n}", status=status, responsible_org=org, due_on=date(2027, 1, 1),
                                  findings=[db.session.get(Finding, fid) for fid in findings])
                measure.plan_items.append(PlanItem(estate=estate, plan_year=2030, amount_dkk=100))
                db.session.add(measure)

        add(3, "done")
        add(120, "agreed")
        db.session.commit()
    logged_in.get("/measures/export.csv?status=done")  # warm-up
    small = statements_for(logged_in, app, "/measures/export.csv?status=done")
    assert statements_for(logged_in, app, "/measures/export.csv?status=agreed") == small
    rows = csv_rows(logged_in, "status=agreed")
    assert len(rows) == 120 and all(r["findings"] == "3" and r["plan_year"] == "2030" for r in rows)
