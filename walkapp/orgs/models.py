"""Organisation and Estate tables."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db


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

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class Estate(db.Model):
    """A housing estate (afdeling); its boundary places findings by point-in-polygon."""

    __tablename__ = "estates"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # GeoJSON Polygon geometry ({"type": "Polygon", "coordinates": [...]}) or null.
    boundary: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    organisation: Mapped[Organisation] = relationship(back_populates="estates")

    def __repr__(self) -> str:
        return f"<Estate {self.name!r}>"
