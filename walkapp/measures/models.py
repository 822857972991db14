"""Measure, StatusChange and PlanItem tables."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    Text,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.orgs.area_scope import AreaScope, belongs_to_area, fills_area
from walkapp.orgs.models import Estate, Organisation
from walkapp.walks.models import Walk

MEASURE_STATUSES = (
    "proposed",
    "agreed",
    "in_progress",
    "done",
    "rejected",
    "in_plan",
    "referred",
)

measure_findings = Table(
    "measure_findings",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    # Indexed on its own: the primary key starts with measure_id, but exports and the triage
    # list look measures up by finding.
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Measure(db.Model):
    """A possible or agreed action (tiltag). `version` gives optimistic locking: an update
    against a stale version matches no row and is refused."""

    __tablename__ = "measures"
    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'agreed', 'in_progress', 'done', 'rejected', "
            "'in_plan', 'referred')",
            name="status_known",
        ),
        CheckConstraint(
            "cost_estimate_dkk IS NULL OR cost_estimate_dkk >= 0", name="cost_positive"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The area of the findings it answers (set once, at creation).
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    cost_estimate_dkk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What residents read on the feedback page, e.g. why a measure was rejected; staff write it
    # for the public, unlike `description` and the history notes.
    public_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    responsible_org: Mapped[Organisation | None] = relationship()
    findings: Mapped[list[Finding]] = relationship(secondary=measure_findings)
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="StatusChange.at"
    )
    plan_items: Mapped[list[PlanItem]] = relationship(
        back_populates="measure", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class StatusChange(db.Model):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    note: Mapped[str] = mapped_column(Text, default="")

    measure: Mapped[Measure] = relationship(back_populates="history")


class PlanItem(db.Model):
    """An entry in an estate's 10-year maintenance plan (10-årsplan)."""

    __tablename__ = "plan_items"
    __table_args__ = (
        CheckConstraint("plan_year >= 2000 AND plan_year <= 2100", name="plan_year_range"),
        CheckConstraint("amount_dkk >= 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    amount_dkk: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    measure: Mapped[Measure] = relationship(back_populates="plan_items")
    estate: Mapped[Estate] = relationship()





def _measures_in_scope(scope: AreaScope) -> Select:
    return select(Measure.id).where(Measure.area_id.in_(scope.area_ids))


def _measures_of(scope: AreaScope):
    """Staff: their areas' measures. A participant: only the measures of their walks' findings
    (a follow-up walk shows what became of the previous walk's findings), never the area's."""
    in_areas = Measure.area_id.in_(scope.area_ids)
    if not scope.walk_ids:
        return in_areas
    on_walks = select(measure_findings.c.measure_id).join(
        Finding, Finding.id == measure_findings.c.finding_id
    ).where(Finding.walk_id.in_(scope.walk_ids))
    return or_(in_areas, Measure.id.in_(on_walks))


belongs_to_area(Measure, _measures_of)
belongs_to_area(StatusChange, lambda scope: StatusChange.measure_id.in_(_measures_in_scope(scope)))
belongs_to_area(PlanItem, lambda scope: PlanItem.measure_id.in_(_measures_in_scope(scope)))


def _findings_area(measure: Measure) -> int | None:
    """The one area of the measure's findings' walks (by walk_id: a finding added in the same
    flush has no loaded walk yet)."""
    walk_ids = {finding.walk_id for finding in measure.findings}
    session = object_session(measure)
    if not walk_ids or session is None:
        return None
    with session.no_autoflush:
        areas = set(session.execute(select(Walk.area_id).where(Walk.id.in_(walk_ids))).scalars())
    return areas.pop() if len(areas) == 1 else None


fills_area(Measure, _findings_area)
