"""The 10-year plan: grouping with sums, the /plan page and the XLSX export read back."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import post_form
from tests.form_helpers import form_fields
from tests.measure_helpers import change_measure, measure_state
from walkapp.extensions import db
from walkapp.measures.plan import PlanRow, group_plan


def _row(item_id, estate_id, estate, year, amount, title="Tiltag"):
    return PlanRow(item_id, estate_id, estate, "VIBO", year, item_id, title, "in_plan", amount, "")


def test_group_plan_sums_per_estate_and_year():
    rows = [_row(1, 1, "A", 2027, 100), _row(2, 1, "A", 2027, 50), _row(3, 1, "A", 2030, 7),
            _row(4, 2, "B", 2027, 1000)]
    groups = group_plan(rows)
    assert [(g.estate, g.total) for g in groups] == [("A", 157), ("B", 1000)]
    assert [(y.year, y.total, len(y.rows)) for y in groups[0].years] == [(2027, 150, 2), (2030, 7, 1)]
    assert group_plan([]) == []


@pytest.fixture
def planned(app, make_measure, coordinator, estate_id):
    """Three measures in the plan of two estates (committed); returns the plan years used."""
    from walkapp.dates import local_today
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named

    with app.app_context():
        other = Estate(name="Urbanplanen", organisation=organisation_named("fsb"))
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    year = local_today().year
    entries = [("Lys i gården", estate_id, year + 1, 120000, ""),
               ("=HYPERLINK(\"http://evil\")", estate_id, year + 1, 30000, "-kun forslag"),
               ("Ny hoveddør", estate_id, year + 3, 75000, ""),
               ("Beskæring", other_id, year, 5000, "")]
    for title, estate, plan_year, amount, note in entries:
        measure_id = make_measure(title=title)
        change_measure(app, measure_id, coordinator["id"], "in_plan", 1, estate_id=estate,
                plan_year=plan_year, amount_dkk=amount, note=note)
    return year


def test_plan_page_groups_and_sums(logged_in, planned):
    page = logged_in.get("/plan")
    assert page.status_code == 200
    text = page.text
    # Estates in name order, each with its year subtotals and its own total.
    sections = text.split('<section class="plan-estate"')[1:]
    assert [("Holmbladsgade" in s, "Urbanplanen" in s) for s in sections] == [(True, False), (False, True)]
    holm_part, urban_part = sections
    assert f'data-year="{planned + 1}">150.000 kr.' in holm_part
    assert f'data-year="{planned + 3}">75.000 kr.' in holm_part
    assert 'class="num estate-total">225.000 kr.' in holm_part
    assert 'class="num estate-total">5.000 kr.' in urban_part
    assert '<span id="plan-total">230.000 kr.</span>' in text
    # Formula-looking titles are shown as plain (escaped) text.
    assert "=HYPERLINK(&#34;http://evil&#34;)" in text or "=HYPERLINK(&quot;http://evil&quot;)" in text


def test_plan_page_filters_by_estate(logged_in, planned, estate_id):
    page = logged_in.get(f"/plan?estate={estate_id}").text
    assert "Lys i gården" in page and "Beskæring" not in page


def test_plan_xlsx_reads_back_typed_and_safe(logged_in, planned):
    response = logged_in.get("/plan.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G5"
    assert sheet["A1"].font.bold
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    for row in rows:
        assert isinstance(row[2], int) and isinstance(row[5], int)  # year, amount typed
    assert sum(row[5] for row in rows) == 230000
    titles = {row[3] for row in rows}
    assert "'=HYPERLINK(\"http://evil\")" in titles  # shown as text, never run as a formula
    assert "'-kun forslag" in {row[6] for row in rows}
    for cells in sheet.iter_rows(min_row=2):
        assert all(c.data_type != "f" for c in cells)


def test_plan_xlsx_empty_plan_has_header_only(logged_in):
    sheet = load_workbook(io.BytesIO(logged_in.get("/plan.xlsx").data)).active
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"


# ---------------------------------------------------------------- the plan form on a measure


def _plan_amount(html: str) -> list[str]:
    """The value the browser would submit in the plan form's amount field."""
    return form_fields(html).get("amount_dkk", [])


def test_plan_amount_starts_as_the_cost_estimate(logged_in, make_measure):
    with_estimate = make_measure(cost_estimate_dkk=45000)
    without = make_measure(title="Uden overslag")
    assert _plan_amount(logged_in.get(f"/measures/{with_estimate}").text) == ["45000"]
    assert _plan_amount(logged_in.get(f"/measures/{without}").text) == [""]


def test_plan_amount_the_user_cleared_stays_cleared(app, logged_in, make_measure, estate_id):
    """A form sent back for correction shows what was typed, not the estimate again."""
    from walkapp.dates import local_today

    measure_id = make_measure(cost_estimate_dkk=45000)
    response = post_form(logged_in, f"/measures/{measure_id}/status", {
        "to": "in_plan", "version": "1", "estate": str(estate_id),
        "plan_year": str(local_today().year), "amount_dkk": ""})
    assert response.status_code == 400
    assert _plan_amount(response.text) == [""]


def _errors(html: str) -> dict[str, str]:
    """Field id → the error text shown under it."""
    return dict(re.findall(r'<p class="error" id="([a-z_]+)-error" role="alert">([^<]*)</p>', html))


@pytest.mark.parametrize("year, amount", [("1999", "-1"), ("abc", "x"), ("", "")])
def test_plan_form_reports_every_problem_at_once(app, logged_in, make_measure, year, amount):
    """No estate, a bad (or missing) year and a bad (or missing) amount: three errors, one submit."""
    post_form(logged_in, "/lang/en")
    measure_id = make_measure()
    response = post_form(logged_in, f"/measures/{measure_id}/status", {
        "to": "in_plan", "version": "1", "estate": "", "plan_year": year, "amount_dkk": amount})
    assert response.status_code == 400
    errors = _errors(response.text)
    assert set(errors) == {"estate", "plan_year", "amount_dkk"}, errors
    assert "Choose the estate" in errors["estate"]
    assert measure_state(app, measure_id) == ("proposed", 1, [(None, "proposed")], 0)
