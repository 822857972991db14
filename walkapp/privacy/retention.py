"""Retention: RETENTION_MONTHS after a walk was closed, its personal data goes.

Removed: every photo (findings' and follow-up checks', rows and files), every voice note (rows
and files: a voice identifies a person), the participants' display names and the text participants typed (descriptions of their findings, "Samme sted"
additions, check notes, and the copies of that text in the finding's history). Kept: category,
place, rating, state, measures, plan items and everything the dashboard counts, so the
programme's yearly figures do not change.

When was a walk closed: its last status change to "closed" (WalkStatusChange); walks closed
before that history was written have none, and their `updated_at` stands in (it is at or after
the closing, so such a walk is, if anything, kept a little longer).

Services flush(); the caller commits and then deletes the files (`remove_photo_files`), as for
every other photo deletion.
"""
from __future__ import annotations

import logging
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, update

from walkapp.db import now_utc
from walkapp.extensions import db
from walkapp.findings.models import Audio, Finding, FindingChange, Photo
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.walks.models import Participant, Walk, WalkStatusChange

log = logging.getLogger(__name__)

# History rows whose values are text someone typed (the finding's text, "Samme sted" additions).
TEXT_FIELDS = ("description", "addition")


@dataclass
class WalkRetention:
    """What retention removes (or removed) from one walk."""

    walk_id: int
    title: str
    closed_at: datetime
    # "history": from the walk's status history; "updated_at": no history row, the fallback.
    closed_from: str
    photos: list[str] = field(default_factory=list)  # storage keys of finding photos
    check_photos: list[str] = field(default_factory=list)  # storage keys of check photos
    audio: list[str] = field(default_factory=list)  # storage keys of voice notes
    names: int = 0
    texts: int = 0  # participants' finding texts
    notes: int = 0  # check notes
    already_applied: bool = False

    @property
    def storage_keys(self) -> list[str]:
        return self.photos + self.check_photos + self.audio

    @property
    def empty(self) -> bool:
        return not (self.photos or self.check_photos or self.audio or self.names or self.texts
                    or self.notes)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March − 1 month = 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def closed_walks_before(cutoff: datetime) -> list[tuple[Walk, datetime, str]]:
    """Closed walks whose closing lies before the cutoff: (walk, closed at, "history" or
    "updated_at"), oldest closing first."""
    last_closed = (
        db.select(WalkStatusChange.walk_id, func.max(WalkStatusChange.at).label("at"))
        .where(WalkStatusChange.to_status == "closed")
        .group_by(WalkStatusChange.walk_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Walk, last_closed.c.at)
        .outerjoin(last_closed, last_closed.c.walk_id == Walk.id)
        .where(Walk.status == "closed")
        .where(func.coalesce(last_closed.c.at, Walk.updated_at) < cutoff)
    ).all()
    found = [(walk, at or walk.updated_at, "history" if at else "updated_at") for walk, at in rows]
    return sorted(found, key=lambda item: (item[1], item[0].id))


def _participant_text_findings(walk_id: int):
    """Ids of the walk's findings holding participants' text: reported by a participant, or a
    staff finding a participant added to ("Samme sted" appends to the description)."""
    added_by_participant = db.select(FindingChange.finding_id).where(
        FindingChange.field == "addition", FindingChange.by_user_id.is_(None)
    )
    return db.select(Finding.id).where(
        Finding.walk_id == walk_id,
        or_(Finding.participant_id.is_not(None), Finding.id.in_(added_by_participant)),
    )


def _count(stmt) -> int:
    return db.session.execute(db.select(func.count()).select_from(stmt.subquery())).scalar_one()


def walk_retention(walk: Walk, closed_at: datetime, closed_from: str) -> WalkRetention:
    """What retention would remove from this walk now (nothing is changed)."""
    text_findings = _participant_text_findings(walk.id)
    return WalkRetention(
        walk_id=walk.id, title=walk.title, closed_at=closed_at, closed_from=closed_from,
        photos=list(db.session.execute(
            db.select(Photo.storage_key).join(Finding, Finding.id == Photo.finding_id)
            .where(Finding.walk_id == walk.id).order_by(Photo.storage_key)
        ).scalars()),
        check_photos=list(db.session.execute(
            db.select(CheckPhoto.storage_key).join(FindingCheck, FindingCheck.id == CheckPhoto.check_id)
            .where(FindingCheck.walk_id == walk.id).order_by(CheckPhoto.storage_key)
        ).scalars()),
        audio=list(db.session.execute(
            db.select(Audio.storage_key).join(Finding, Finding.id == Audio.finding_id)
            .where(Finding.walk_id == walk.id).order_by(Audio.storage_key)
        ).scalars()),
        names=_count(db.select(Participant.id).where(
            Participant.walk_id == walk.id, Participant.display_name != ""
        )),
        texts=_count(db.select(Finding.id).where(
            Finding.id.in_(text_findings), Finding.description != ""
        )),
        notes=_count(db.select(FindingCheck.id).where(
            FindingCheck.walk_id == walk.id, FindingCheck.note != ""
        )),
        already_applied=walk.retention_applied_at is not None,
    )


def retention_plan(months: int, now: datetime | None = None) -> list[WalkRetention]:
    """Every walk closed more than `months` months ago that still holds something to remove
    or has never been through retention; a second run after --apply finds none."""
    cutoff = months_before(now or now_utc(), months)
    plan = []
    for walk, closed_at, closed_from in closed_walks_before(cutoff):
        item = walk_retention(walk, closed_at, closed_from)
        if not (item.empty and item.already_applied):
            plan.append(item)
    return plan


def apply_walk_retention(item: WalkRetention, now: datetime | None = None) -> None:
    """Remove the walk's personal data as planned in `item` (re-read, so nothing added since
    the plan stays behind) and stamp the walk; the photo files are the caller's to delete
    after the commit (`item.storage_keys`)."""
    walk = db.session.get(Walk, item.walk_id)
    fresh = walk_retention(walk, item.closed_at, item.closed_from)
    item.photos, item.check_photos, item.audio = fresh.photos, fresh.check_photos, fresh.audio
    item.names, item.texts, item.notes = fresh.names, fresh.texts, fresh.notes
    text_findings = _participant_text_findings(walk.id)
    checks = db.select(FindingCheck.id).where(FindingCheck.walk_id == walk.id)
    findings = db.select(Finding.id).where(Finding.walk_id == walk.id)
    # Bulk statements: the ORM's per-row cascades are not needed (photos have no children).
    db.session.execute(db.delete(Photo).where(Photo.finding_id.in_(findings)))
    db.session.execute(db.delete(Audio).where(Audio.finding_id.in_(findings)))
    db.session.execute(db.delete(CheckPhoto).where(CheckPhoto.check_id.in_(checks)))
    db.session.execute(update(Participant).where(Participant.walk_id == walk.id).values(display_name=""))
    db.session.execute(update(Finding).where(Finding.id.in_(text_findings)).values(description=""))
    db.session.execute(update(FindingCheck).where(FindingCheck.walk_id == walk.id).values(note=""))
    # The history keeps who changed what when; only the typed text goes ("addition" rows keep
    # their old_value, the addition's id, which makes a re-sent addition harmless).
    db.session.execute(
        update(FindingChange)
        .where(FindingChange.finding_id.in_(text_findings), FindingChange.field == "description")
        .values(old_value="", new_value="")
    )
    db.session.execute(
        update(FindingChange)
        .where(FindingChange.finding_id.in_(text_findings), FindingChange.field == "addition")
        .values(new_value="")
    )
    walk.retention_applied_at = now or now_utc()
    db.session.flush()
    # The session's objects may hold the old values; bulk updates bypass them.
    db.session.expire_all()
    log.info(
        "retention applied to walk %s (closed %s, from %s): %d photos, %d check photos, "
        "%d voice notes, %d names, %d texts, %d check notes removed",
        item.walk_id, item.closed_at.isoformat(), item.closed_from, len(item.photos),
        len(item.check_photos), len(item.audio), item.names, item.texts, item.notes,
    )


def checkpoint_sqlite() -> None:
    """SQLite only: copy the write-ahead log into the database file and empty it, so the pages
    with the removed text do not linger in the -wal file (secure_delete, set on every
    connection in walkapp.db, has already zeroed them in the database file)."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
