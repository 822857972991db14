"""FindingCheck and CheckPhoto (the follow-up walk's verdicts) and FeedbackPage tables."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.findings.models import Finding, StoredImage
from walkapp.orgs.area_scope import belongs_to_area
from walkapp.walks.models import Participant, Walk, walks_in_scope

# fixed: it is solved; still: still a problem; worse: worse than at the earlier walk.
CHECK_VERDICTS = ("fixed", "still", "worse")
CHECK_NOTE_MAX = 2000


class FindingCheck(db.Model):
    """A participant's verdict on the follow-up walk about a finding of the previous walk.
    The id is a UUID made on the phone, so a re-sent verdict is never stored twice."""

    __tablename__ = "finding_checks"
    __table_args__ = (
        CheckConstraint("verdict IN ('fixed', 'still', 'worse')", name="verdict_known"),
        CheckConstraint(
            "participant_id IS NOT NULL OR user_id IS NOT NULL", name="has_reporter"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # The follow-up walk on which the check was made.
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    # A finding of the previous walk.
    finding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    verdict: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    phone_observed_at: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    walk: Mapped[Walk] = relationship()
    finding: Mapped[Finding] = relationship()
    participant: Mapped[Participant | None] = relationship()
    photos: Mapped[list[CheckPhoto]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="CheckPhoto.created_at"
    )


class CheckPhoto(StoredImage, db.Model):
    """A re-encoded photo of a check, stored like a finding's photo (never under static/)."""

    __tablename__ = "check_photos"
    __table_args__ = (
        UniqueConstraint("check_id", "sha256"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    check_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("finding_checks.id", ondelete="CASCADE"), index=True
    )

    check: Mapped[FindingCheck] = relationship(back_populates="photos")


class FeedbackPage(db.Model):
    """A published feedback page for residents at /f/<code>. Revoking sets revoked_at and the
    code answers 404 from then on; publishing again makes a new row with a new code."""

    __tablename__ = "feedback_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    walk: Mapped[Walk] = relationship()


belongs_to_area(FindingCheck, lambda scope: FindingCheck.walk_id.in_(walks_in_scope(scope)))
belongs_to_area(CheckPhoto, lambda scope: CheckPhoto.check_id.in_(
    select(FindingCheck.id).where(FindingCheck.walk_id.in_(walks_in_scope(scope)))
))
belongs_to_area(FeedbackPage, lambda scope: FeedbackPage.walk_id.in_(walks_in_scope(scope)))
