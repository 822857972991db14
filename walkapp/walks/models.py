"""Walk and Participant tables."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Select,
    String,
    Table,
    Text,
    Time,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.orgs.area_scope import AreaScope, belongs_to_area, fills_area
from walkapp.orgs.models import Area, Estate

WALK_KINDS = ("walk", "inspection")
# The optional, anonymous profile a participant may give on the join page (issue "whose
# feeling is it?"); shown only as counts for groups of at least five.
AGE_BANDS = ("under_18", "18_39", "40_64", "65_plus")
GENDERS = ("woman", "man", "other", "undisclosed")
PARTICIPANT_ROLES = (
    "resident",
    "board",
    "housing",
    "operations",
    "municipality",
    "police",
    "coordinator",
    "other",
)

walk_estates = Table(
    "walk_estates",
    db.Model.metadata,
    Column("walk_id", ForeignKey("walks.id", ondelete="CASCADE"), primary_key=True),
    Column("estate_id", ForeignKey("estates.id", ondelete="CASCADE"), primary_key=True),
)


class Walk(db.Model):
    __tablename__ = "walks"
    __table_args__ = (
        CheckConstraint("kind IN ('walk', 'inspection')", name="kind_known"),
        CheckConstraint("status IN ('planned', 'active', 'closed')", name="status_known"),
        CheckConstraint(
            "meeting_lat IS NULL OR (meeting_lat >= -90 AND meeting_lat <= 90)",
            name="meeting_lat_range",
        ),
        CheckConstraint(
            "meeting_lon IS NULL OR (meeting_lon >= -180 AND meeting_lon <= 180)",
            name="meeting_lon_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="walk")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    meeting_point: Mapped[str] = mapped_column(String(300), default="")
    meeting_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    meeting_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # GeoJSON LineString geometry ({"type": "LineString", "coordinates": [[lon, lat], …]}).
    route: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # Unguessable code in the QR/join link; see walks.services.new_join_code.
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Local (Copenhagen) wall-clock time of the follow-up meeting; no time means an all-day
    # entry in the .ics rather than an invented hour.
    follow_up_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    # The walk this one follows up (opfølgningsvandring): same route, six months later.
    previous_walk_id: Mapped[int | None] = mapped_column(
        ForeignKey("walks.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # When the coordinator sent the overview of possible measures (programme success criterion).
    overview_sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    # When `flask retention --apply` removed this walk's personal data (photos, names, typed text).
    retention_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    area: Mapped[Area] = relationship()
    estates: Mapped[list[Estate]] = relationship(secondary=walk_estates, order_by="Estate.name")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="walk", cascade="all, delete-orphan", order_by="Participant.joined_at"
    )

    previous_walk: Mapped[Walk | None] = relationship(remote_side=[id])
    status_history: Mapped[list[WalkStatusChange]] = relationship(
        back_populates="walk", cascade="all, delete-orphan", order_by="WalkStatusChange.at"
    )

    @property
    def route_points(self) -> int:
        return len(self.route["coordinates"]) if self.route else 0

    def __repr__(self) -> str:
        return f"<Walk {self.id} {self.title!r}>"


class Participant(db.Model):
    """A person on a walk, joined by code; no password, identified by their session cookie."""

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint(
            "role IN ('resident', 'board', 'housing', 'operations', 'municipality', "
            "'police', 'coordinator', 'other')",
            name="role_known",
        ),
        CheckConstraint(
            "age_band IS NULL OR age_band IN ('under_18', '18_39', '40_64', '65_plus')",
            name="age_band_known",
        ),
        CheckConstraint(
            "gender IS NULL OR gender IN ('woman', 'man', 'other', 'undisclosed')",
            name="gender_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20), default="resident")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    age_band: Mapped[str | None] = mapped_column(String(10), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # "I use a walker or a wheelchair"; None when the participant did not say.
    mobility_aid: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    walk: Mapped[Walk] = relationship(back_populates="participants")


class WalkStatusChange(db.Model):
    """History of a walk's status: who (staff user or participant) moved it when, and why
    (e.g. "first finding" when a capture started a planned walk)."""

    __tablename__ = "walk_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    by_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    reason: Mapped[str] = mapped_column(Text, default="")

    walk: Mapped[Walk] = relationship(back_populates="status_history")


def walks_in_scope(scope: AreaScope) -> Select:
    """The ids of the walks a request may see: its staff areas' walks and a participant's own."""
    return select(Walk.id).where(or_(Walk.area_id.in_(scope.area_ids), Walk.id.in_(scope.walk_ids)))


belongs_to_area(
    Walk, lambda scope: or_(Walk.area_id.in_(scope.area_ids), Walk.id.in_(scope.walk_ids))
)
belongs_to_area(Participant, lambda scope: Participant.walk_id.in_(walks_in_scope(scope)))
belongs_to_area(WalkStatusChange, lambda scope: WalkStatusChange.walk_id.in_(walks_in_scope(scope)))
fills_area(Walk)
