"""The 10-year plan: the entry query and grouping with sums (its XLSX is exports.plan_export)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from walkapp.extensions import db
from walkapp.measures.models import Measure, PlanItem
from walkapp.orgs.models import Estate, Organisation


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
