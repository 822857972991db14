"""The 10-year plan: the entry query, grouping with sums, and the XLSX export."""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from walkapp.extensions import db
from walkapp.measures.models import Measure, PlanItem
from walkapp.orgs.models import Estate, Organisation

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs treat text starting with these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class PlanRow:
    """One plan entry with what the list and the export show about it."""

    item_id: int
    estate_id: int
    estate: str
    organisation: str
    plan_year: int
    measure_id: int
    measure: str
    status: str
    amount_dkk: int
    note: str


@dataclass
class YearGroup:
    year: int
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.amount_dkk for r in self.rows)


@dataclass
class EstateGroup:
    estate_id: int
    estate: str
    organisation: str
    years: list[YearGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(y.total for y in self.years)


def plan_rows(estate_id: int | None = None) -> list[PlanRow]:
    """Every plan entry (optionally of one estate), ordered by estate, year and measure."""
    query = (
        db.select(PlanItem.id, PlanItem.estate_id, Estate.name, Organisation.name,
                  PlanItem.plan_year, Measure.id, Measure.title, Measure.status,
                  PlanItem.amount_dkk, PlanItem.note)
        .join(Estate, Estate.id == PlanItem.estate_id)
        .join(Organisation, Organisation.id == Estate.organisation_id)
        .join(Measure, Measure.id == PlanItem.measure_id)
        .order_by(Estate.name, Organisation.name, PlanItem.estate_id, PlanItem.plan_year,
                  Measure.title, PlanItem.id)
    )
    if estate_id:
        query = query.where(PlanItem.estate_id == estate_id)
    return [PlanRow(*row) for row in db.session.execute(query)]


def group_plan(rows: Sequence[PlanRow]) -> list[EstateGroup]:
    """Rows (ordered as plan_rows returns them) grouped by estate, then by year."""
    groups: list[EstateGroup] = []
    for row in rows:
        if not groups or groups[-1].estate_id != row.estate_id:
            groups.append(EstateGroup(row.estate_id, row.estate, row.organisation))
        years = groups[-1].years
        if not years or years[-1].year != row.plan_year:
            years.append(YearGroup(row.plan_year))
        years[-1].rows.append(row)
    return groups


def safe_cell(value: object) -> object:
    """Numbers and dates stay typed; text that a spreadsheet would run as a formula gets a
    leading apostrophe so it shows as the text the user typed."""
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def plan_workbook(rows: Sequence[PlanRow], headers: Sequence[str], *, sheet_title: str,
                  status_label: Callable[[str], str]) -> bytes:
    """The plan as XLSX: typed cells, bold frozen header, autofilter, sensible widths."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(row.estate), safe_cell(row.organisation), row.plan_year,
                      safe_cell(row.measure), safe_cell(status_label(row.status)),
                      row.amount_dkk, safe_cell(row.note)])
    last_row = sheet.max_row
    for row_cells in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row_cells:
            cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    widths = [28, 24, 10, 40, 22, 14, 40]
    for index, width in enumerate(widths[: len(headers)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
