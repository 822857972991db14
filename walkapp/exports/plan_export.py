"""The 10-year plan as XLSX, written by the same writer as every other export."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from walkapp.exports.tabular import to_xlsx
from walkapp.measures.plan import PlanRow


def plan_workbook(rows: Sequence[PlanRow], headers: Sequence[str], *, sheet_title: str,
                  status_label: Callable[[str], str]) -> bytes:
    """The plan as XLSX, written like every other export (typed, neutralised, filterable)."""
    data = [[row.estate, row.organisation, row.plan_year, row.measure, status_label(row.status),
             row.amount_dkk, row.note] for row in rows]
    return to_xlsx(list(headers), data, sheet_title, number_formats={6: "#,##0"})
