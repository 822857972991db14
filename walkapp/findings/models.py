"""Category, Finding, FindingChange and Photo tables."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.orgs.area_scope import AreaScope, belongs_to_area
from walkapp.orgs.models import Estate
from walkapp.walks.models import Participant, Walk, walks_in_scope

# "parked": the follow-up meeting put off deciding it; it can still be decided like a new one.
FINDING_STATES = ("new", "triaged", "duplicate", "dismissed", "parked")
# "photo": the place came from the photo's own EXIF GPS, read on the phone before upload.
# "route_point": chosen from a list of the route's numbered points or the meeting point, and
# "text": described in a few words (`location_text`) — both without touching the map.
LOCATION_SOURCES = ("gps", "map", "photo", "route_point", "text")
# "good": a place that feels safe or pleasant and should stay so (never a problem to fix).
FINDING_KINDS = ("problem", "good")
LANGUAGE_CODE_MAX = 16
LOCATION_TEXT_MAX = 200
DESCRIPTION_MAX = 2000


class Category(db.Model):
    """A finding category; `code` is stable forever (it is the Open311 service_code)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_da: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    # Name of an icon file under static/icons/categories/ (without extension).
    icon: Mapped[str] = mapped_column(String(40), default="other")
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, locale: str = "da") -> str:
        return self.name_en if locale == "en" else self.name_da

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class Finding(db.Model):
    """One pinned issue. The id is a UUID made on the phone, so a re-sent finding is
    recognised by the primary key and never stored twice."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_range"),
        CheckConstraint("lon >= -180 AND lon <= 180", name="lon_range"),
        CheckConstraint("rating IS NULL OR (rating >= 0 AND rating <= 3)", name="rating_range"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_positive"),
        CheckConstraint(
            "location_source IN ('gps', 'map', 'photo', 'route_point', 'text')",
            name="location_source_known",
        ),
        CheckConstraint("kind IN ('problem', 'good')", name="kind_known"),
        CheckConstraint(
            "state IN ('new', 'triaged', 'duplicate', 'dismissed', 'parked')", name="state_known"
        ),
        CheckConstraint(
            "participant_id IS NOT NULL OR user_id IS NOT NULL", name="has_reporter"
        ),
        # The near-duplicate hint of one new finding reads a small lat band of its walk, so a
        # POST costs the same in an empty walk and in one of 5,000 findings.
        Index("ix_findings_walk_lat", "walk_id", "lat"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True, index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_source: Mapped[str] = mapped_column(String(12), default="gps")
    # The participant's own words for the place ("ved opgang 12") when placed without the map.
    location_text: Mapped[str] = mapped_column(String(LOCATION_TEXT_MAX), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(10), default="problem", server_default="problem")
    # The language the text was written in (the participant side's language, e.g. "ar"); the
    # text itself is kept as typed.
    language: Mapped[str | None] = mapped_column(String(LANGUAGE_CODE_MAX), nullable=True)
    # 0 = very unsafe … 3 = safe; optional.
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Indexed: the triage list sorts by it and Open311 filters a date window on it.
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    # What the phone's clock said when it was implausible (observed_at is then the server's
    # receive time); kept verbatim for staff ("telefonens ur viste …"), never parsed again.
    phone_observed_at: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    estate_id: Mapped[int | None] = mapped_column(
        ForeignKey("estates.id", ondelete="SET NULL"), nullable=True, index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="new", index=True)
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("findings.id", ondelete="SET NULL"), nullable=True
    )
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")

    walk: Mapped[Walk] = relationship()
    participant: Mapped[Participant | None] = relationship()
    category: Mapped[Category] = relationship()
    estate: Mapped[Estate | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Photo.created_at"
    )
    audio: Mapped[list[Audio]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Audio.created_at"
    )

    def __repr__(self) -> str:
        return f"<Finding {self.id}>"


class FindingChange(db.Model):
    """History of staff corrections to a finding (category, place, text)."""

    __tablename__ = "finding_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")


class StoredImage:
    """The columns of a re-encoded image in photo storage, shared by a finding's photos and a
    follow-up check's photos (both go through the same pipeline and storage)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    # SHA-256 of the uploaded bytes: the same upload twice is recognised.
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Photo(StoredImage, db.Model):
    """A re-encoded photo stored under the instance folder; never under static/."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("finding_id", "sha256"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Hidden from every export (faces, number plates).
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when staff blurred parts of the photo: the stored files were rewritten and no copy of
    # the original remains. original_sha256 is the hash of the bytes the phone uploaded, kept (a
    # hash, not the picture) so that the outbox re-sending the original is recognised as this
    # photo and does not bring the original back.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    original_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    finding: Mapped[Finding] = relationship(back_populates="photos")


class Audio(db.Model):
    """A participant's voice note for a finding (at most 2 minutes), kept like a photo: in
    photo storage, never under static/, served only through an access-checked view."""

    __tablename__ = "audio"
    __table_args__ = (
        UniqueConstraint("finding_id", "sha256"),
        CheckConstraint("duration_s IS NULL OR (duration_s >= 0 AND duration_s <= 130)",
                        name="duration_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # Checked from the bytes, not the upload's name: audio/webm, audio/ogg or audio/mp4.
    mime: Mapped[str] = mapped_column(String(40))
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    finding: Mapped[Finding] = relationship(back_populates="audio")


belongs_to_area(Finding, lambda scope: Finding.walk_id.in_(walks_in_scope(scope)))


def of_a_finding_in_scope(scope: AreaScope, finding_id: Any) -> Any:
    """The rows whose `finding_id` is a finding the request may see, asked per row: the
    finding's walk, looked up by the finding's primary key, is one of the walks in scope (no
    finding: NULL, not in scope). `IN (every finding in scope)` made loading the photos of one
    page of the list grow with the whole area, and so did an EXISTS holding the walk test:
    PostgreSQL turned it into a semi-join over every finding of the area."""
    walk_of_finding = (
        select(Finding.walk_id).where(Finding.id == finding_id).correlate_except(Finding).scalar_subquery()
    )
    return walk_of_finding.in_(walks_in_scope(scope))


belongs_to_area(FindingChange, lambda scope: of_a_finding_in_scope(scope, FindingChange.finding_id))
belongs_to_area(Photo, lambda scope: of_a_finding_in_scope(scope, Photo.finding_id))
belongs_to_area(Audio, lambda scope: of_a_finding_in_scope(scope, Audio.finding_id))
