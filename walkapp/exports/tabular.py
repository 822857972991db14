"""CSV and XLSX exports of a walk's findings and measures. Pure module: no Flask imports.

Both formats have the same fixed column order; headers are Danish, or English with
`lang="en"`. CSV is UTF-8 with a byte-order mark (so Excel detects the encoding), comma
separated, `\\r\\n` line ends; numbers are written with a decimal point and times as
`YYYY-MM-DD HH:MM:SS` in Copenhagen time. XLSX cells are typed: numbers as numbers, times as
date-times (Copenhagen time), due dates as dates; the header row is frozen and filtered.

Findings (one row per finding, walk by walk in route order: walkapp/findings/route_order.py):
 1. number – the finding's number on its walk's maps and lists
 2. along_route_m – metres along the route to the finding's nearest point of it
 3. off_route_m – metres from the route (over 50 m: a detour, listed after the others)
 4. id – finding UUID                    5. walk – walk title
 6. category – category name              7. category_code – stable code
 8. rating – 0 (very unsafe) … 3 (safe)   9. description
10. state – finding state                11. observed_at
12. lat                                  13. lon
14. accuracy_m                           15. estate
16. follow_up_status – summary of the finding's measures; "Afvist"/"Dublet" for a
    dismissed or duplicate finding
17. follow_up_note – why it was set aside ("Afvist: <reason>", "Dublet af #<number>")
18. measures – titles, " | " separated   19. responsible – organisations, " | " separated
20. due_on – earliest due date           21. photos – number of visible photos
22. kind – "Type": "Problem" or "Godt sted" (a good place)

Measures (one row per measure: linked to a finding of the walk, or every measure the
/measures list's filters select):
 1. id                 2. title             3. description       4. status
 5. responsible        6. due_on            7. cost_estimate_dkk 8. plan_year (10-year plan)
 9. plan_amount_dkk   10. findings – count (on this walk for a walk's export)
11. finding_ids – short ids (first 8 hex digits), " | " separated
12. categories – names, " | " separated    13. updated_at

Spreadsheet formula injection: any text cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading `'`, so it is shown as text and never evaluated. True numbers
are numeric cells (not text) and are left as they are.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from walkapp.dates import local_naive
from walkapp.exports.queries import (
    FOLLOW_UP_LABELS,
    ExportFinding,
    follow_up_status,
    set_aside_note,
)
from walkapp.labels import (
    FINDING_KIND_LABELS,
    FINDING_STATE_LABELS,
    MEASURE_STATUS_LABELS,
    label_in,
    short_id,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_FIRST_YEAR = 1900
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text (e.g. "-5" or "3.5") cannot start a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
SEPARATOR = " | "

FINDING_COLUMNS: list[tuple[str, str, str]] = [
    ("number", "Nr.", "No."),
    ("along_route_m", "Meter langs ruten", "Metres along route"),
    ("off_route_m", "Meter fra ruten", "Metres off route"),
    ("id", "ID", "ID"),
    ("walk", "Vandring", "Walk"),
    ("category", "Kategori", "Category"),
    ("category_code", "Kategorikode", "Category code"),
    ("rating", "Tryghedsvurdering", "Safety rating"),
    ("description", "Beskrivelse", "Description"),
    ("state", "Status", "State"),
    ("observed_at", "Observeret", "Observed at"),
    ("lat", "Breddegrad", "Latitude"),
    ("lon", "Længdegrad", "Longitude"),
    ("accuracy_m", "Nøjagtighed (m)", "Accuracy (m)"),
    ("estate", "Afdeling", "Estate"),
    ("follow_up_status", "Opfølgning", "Follow-up status"),
    ("follow_up_note", "Afvist/dublet", "Dismissed/duplicate"),
    ("measures", "Tiltag", "Measures"),
    ("responsible", "Ansvarlig", "Responsible"),
    ("due_on", "Frist", "Due date"),
    ("photos", "Billeder", "Photos"),
    ("kind", "Type", "Type"),
]

MEASURE_COLUMNS: list[tuple[str, str, str]] = [
    ("id", "ID", "ID"),
    ("title", "Titel", "Title"),
    ("description", "Beskrivelse", "Description"),
    ("status", "Status", "Status"),
    ("responsible", "Ansvarlig", "Responsible"),
    ("due_on", "Frist", "Due date"),
    ("cost_estimate_dkk", "Overslag (kr.)", "Cost estimate (DKK)"),
    ("plan_year", "10-årsplan år", "10-year plan year"),
    ("plan_amount_dkk", "10-årsplan beløb (kr.)", "10-year plan amount (DKK)"),
    ("findings", "Antal fund", "Findings"),
    ("finding_ids", "Fund-ID'er", "Finding ids"),
    ("categories", "Kategorier", "Categories"),
    ("updated_at", "Opdateret", "Updated at"),
]

def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet could read as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def finding_rows(
    items: Iterable[ExportFinding], lang: str = "da", walk_titles: dict[int, str] | None = None
) -> list[list[Any]]:
    """Rows (typed Python values) in FINDING_COLUMNS order, in the items' order (route order
    after `in_route_order`); walk titles by walk id."""
    walk_titles = walk_titles or {}
    rows = []
    for item in items:
        f = item.finding
        due_dates = [m.due_on for m in item.measures if m.due_on]
        responsible = dict.fromkeys(m.responsible_org.name for m in item.measures if m.responsible_org)
        rows.append([
            item.number, item.along_route_m, item.off_route_m, str(f.id), walk_titles.get(f.walk_id), f.category.name(lang), f.category.code,
            f.rating, f.description, label_in(FINDING_STATE_LABELS, f.state, lang), local_naive(f.observed_at),
            f.lat, f.lon, f.accuracy_m, f.estate.name if f.estate else None,
            label_in(FOLLOW_UP_LABELS, follow_up_status(item), lang),
            set_aside_note(f, item.original_number, lang) or None,
            SEPARATOR.join(m.title for m in item.measures), SEPARATOR.join(responsible),
            min(due_dates) if due_dates else None, len(item.photos),
            label_in(FINDING_KIND_LABELS, f.kind, lang),
        ])
    return rows


def measure_rows(
    measures: Iterable[tuple[Any, Sequence[Any]]], category_of: Mapping[Any, Any], lang: str = "da"
) -> list[list[Any]]:
    """Rows in MEASURE_COLUMNS order from (measure, finding ids) pairs; `category_of` maps a
    finding id to its Category."""
    rows = []
    for measure, finding_ids in measures:
        plan = measure.plan_items[0] if measure.plan_items else None
        categories = dict.fromkeys(
            category_of[fid].name(lang) for fid in finding_ids if fid in category_of
        )
        rows.append([
            measure.id, measure.title, measure.description, label_in(MEASURE_STATUS_LABELS, measure.status, lang),
            measure.responsible_org.name if measure.responsible_org else None, measure.due_on,
            measure.cost_estimate_dkk, plan.plan_year if plan else None, plan.amount_dkk if plan else None,
            len(finding_ids), SEPARATOR.join(short_id(fid) for fid in finding_ids), SEPARATOR.join(categories),
            local_naive(measure.updated_at),
        ])
    return rows


def headers(columns: list[tuple[str, str, str]], lang: str = "da") -> list[str]:
    return [en if lang == "en" else da for _key, da, en in columns]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark; text cells neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters other than tab, LF and CR.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    # Excel's calendar starts in 1900 and its serial numbers end at 9999-12-31 23:59:59: other
    # times are written as text rather than as a number Excel cannot show. Seconds suffice.
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)
        return value if value.year >= EXCEL_FIRST_YEAR else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value if value.year >= EXCEL_FIRST_YEAR else value.isoformat()
    return value


def to_xlsx(header: list[str], rows: Iterable[list[Any]], sheet_title: str,
            number_formats: dict[int, str] | None = None) -> bytes:
    """A workbook with typed cells, a bold frozen header row and an autofilter.

    `number_formats` maps 1-based column numbers to an Excel format (e.g. "#,##0" for kroner)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append([_xlsx_value(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
        count += 1
    for column in sheet.iter_cols(min_row=2, max_row=count + 1):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "dd.mm.yyyy hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "dd.mm.yyyy"
            elif number_formats and cell.column in number_formats:
                cell.number_format = number_formats[cell.column]
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(title) + 4))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
