"""Area (the tenant), Organisation and Estate tables."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.orgs.area_scope import belongs_to_area, fills_area

# Which organisations work in which area: the municipality and the police usually in several.
area_memberships = Table(
    "area_memberships",
    db.Model.metadata,
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Area(db.Model):
    """A boligområde / helhedsplan: the tenant. Walks, estates and measures belong to one, and a
    staff user sees only the areas their organisation is a member of."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=area_memberships, back_populates="areas", order_by="Organisation.name"
    )

    def __repr__(self) -> str:
        return f"<Area {self.name!r}>"


ORGANISATION_TYPES = ("housing", "municipality", "police", "helhedsplan", "other")


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "type IN ('housing', 'municipality', 'police', 'helhedsplan', 'other')",
            name="type_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20), default="other")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    estates: Mapped[list[Estate]] = relationship(
        back_populates="organisation", order_by="Estate.name"
    )
    areas: Mapped[list[Area]] = relationship(
        secondary=area_memberships, back_populates="organisations", order_by="Area.name"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class Estate(db.Model):
    """A housing estate (afdeling); its boundary places findings by point-in-polygon."""

    __tablename__ = "estates"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    # GeoJSON Polygon geometry ({"type": "Polygon", "coordinates": [...]}) or null.
    boundary: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    organisation: Mapped[Organisation] = relationship(back_populates="estates")
    area: Mapped[Area] = relationship()

    def __repr__(self) -> str:
        return f"<Estate {self.name!r}>"


# A participant's walk's area counts here too: their findings are placed in its estates.
belongs_to_area(Estate, lambda scope: Estate.area_id.in_(scope.area_ids | scope.walk_area_ids))
fills_area(Estate)
