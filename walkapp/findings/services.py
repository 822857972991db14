"""Finding and photo services: idempotent create, edit, delete, "Samme sted" additions, photos.

Plain functions that take and return model objects and flush(), never commit(). Who may see
or change what is decided in walkapp.findings.access.
"""
from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from walkapp.db import now_utc
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.access import Viewer, walk_closed
from walkapp.findings.images import ProcessedImage
from walkapp.findings.models import Category, Finding, FindingChange, Photo
from walkapp.findings.object_store import LocalStore, PhotoStore, discard, save_photo
from walkapp.findings.phone_clock import SentTime, observed_values, same_phone_time
from walkapp.findings.redaction_services import redacted_photo_for_upload
from walkapp.findings.storage import new_storage_key
from walkapp.geo import EARTH_RADIUS_M, distance_m, point_in_polygon
from walkapp.orgs.models import Estate
from walkapp.walks.models import Walk
from walkapp.walks.services import start_walk_on_first_finding

NEARBY_M = 25.0
# The box around a point that holds every point within NEARBY_M: a cheap prefilter (in SQL on
# an index, or in Python) before haversine decides. 1 % wider so rounding never cuts a pair off.
_BOX_LAT = math.degrees(NEARBY_M / EARTH_RADIUS_M) * 1.01
# Fields compared to decide whether a re-sent finding is "the same" (→ 200) or not (→ 409);
# the time is compared as the phone sent it (_same_content).
CONTENT_FIELDS = (
    "walk_id", "participant_id", "user_id", "category_id", "lat", "lon", "accuracy_m",
    "location_source", "location_text", "rating", "description", "kind",
)
EDITABLE_FIELDS = ("category", "rating", "description", "lat", "lon", "accuracy_m", "location_source")


def category_by_code(code: str) -> Category | None:
    """The active category with this code."""
    return db.session.execute(
        db.select(Category).where(Category.code == code, Category.active.is_(True))
    ).scalar_one_or_none()


def ensure_problems(findings: Iterable[Finding]) -> None:
    """400 `good_place` when any of the findings is a good place: those get no measure."""
    if any(f.kind == "good" for f in findings):
        raise ApiError(400, "good_place", _("A good place is not a problem and cannot get a measure."))


def estate_for_point(walk: Walk, lat: float, lon: float) -> int | None:
    """The estate whose boundary holds the point: the walk's estates first, then all estates;
    a walk with a single estate owns points outside every drawn boundary."""
    for estate in walk.estates:
        if point_in_polygon(lat, lon, estate.boundary):
            return estate.id
    others = db.session.execute(
        db.select(Estate).where(Estate.boundary.is_not(None)).order_by(Estate.id)
    ).scalars()
    for estate in others:
        if point_in_polygon(lat, lon, estate.boundary):
            return estate.id
    if len(walk.estates) == 1:
        return walk.estates[0].id
    return None


def insert_ignoring_conflict(
    values: dict[str, Any], model: type, index_elements: list[str] | None
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING in the dialect at hand; True when a row was inserted.
    RETURNING tells reliably (rowcount is not dependable across drivers for this statement)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(model).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(model).values(**values)
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database: {dialect}")
    stmt = stmt.on_conflict_do_nothing(index_elements=index_elements).returning(model.id)
    return db.session.execute(stmt).first() is not None


def _load_finding(finding_id: uuid.UUID) -> Finding | None:
    return db.session.execute(
        db.select(Finding).where(Finding.id == finding_id)
        .options(selectinload(Finding.photos))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _same_content(finding: Finding, values: dict[str, Any], sent: SentTime) -> bool:
    """Whether a re-sent finding is the stored one (the time as phone_clock compares it)."""
    if any(getattr(finding, field) != values[field] for field in CONTENT_FIELDS):
        return False
    return same_phone_time(finding, sent)


def create_finding(walk: Walk, viewer: Viewer, data: dict[str, Any]) -> tuple[Finding, bool]:
    """Store a finding made on a phone, idempotently on its id: (finding, True) when inserted,
    (finding, False) when the identical finding was already stored. The database's primary key
    decides (INSERT … ON CONFLICT DO NOTHING), so concurrent re-sends can never store two rows.
    data["observed_at"] is the phone's (instant or None, string as sent), or absent."""
    sent = data.get("observed_at")
    values = {
        "id": data["id"],
        "walk_id": walk.id,
        "participant_id": None if viewer.is_staff else viewer.participant.id,
        "user_id": viewer.user.id if viewer.is_staff else None,
        "category_id": data["category"].id,
        "lat": data["lat"],
        "lon": data["lon"],
        "accuracy_m": data["accuracy_m"],
        "location_source": data["location_source"],
        "location_text": data.get("location_text", ""),
        "rating": data["rating"],
        "description": data["description"],
        "kind": data.get("kind", "problem"),
        "language": data.get("language"),
        **observed_values(walk.starts_at, sent, now_utc()),
    }
    inserted = False
    # A re-send (the outbox after a lost answer) is the common case for a stored id: answer it
    # from the row, without the estate lookup and the insert.
    finding = _load_finding(values["id"])
    if finding is None and (viewer.is_staff or walk.status != "closed"):
        values["estate_id"] = estate_for_point(walk, values["lat"], values["lon"])
        inserted = insert_ignoring_conflict(values, Finding, ["id"])
    if inserted:
        # Nobody has to remember "Start vandringen": the first finding starts a planned walk.
        start_walk_on_first_finding(
            walk, by_user=viewer.user if viewer.is_staff else None,
            by_participant=None if viewer.is_staff else viewer.participant,
        )
    if inserted or finding is None:
        # Inserted, or a concurrent send of the same id won the race.
        finding = _load_finding(values["id"])
    if finding is None:
        # Only reachable when the walk is closed and this id was never stored.
        raise walk_closed()
    if not inserted and not _same_content(finding, values, sent):
        raise ApiError(
            409, "conflict",
            _("A different finding with this id already exists."), id=str(values["id"]),
        )
    return finding, inserted


def _record_change(finding: Finding, viewer: Viewer, field: str, old: Any, new: Any) -> None:
    db.session.add(FindingChange(
        finding_id=finding.id, by_user_id=viewer.user.id if viewer.user else None,
        field=field, old_value="" if old is None else str(old), new_value="" if new is None else str(new),
    ))


def update_finding(finding: Finding, viewer: Viewer, changes: dict[str, Any]) -> Finding:
    """Apply a validated subset of the editable fields; every change is kept in the history."""
    for field, new in changes.items():
        if field == "category":
            if new.id != finding.category_id:
                _record_change(finding, viewer, "category", finding.category.code, new.code)
                finding.category = new
            continue
        old = getattr(finding, field)
        if old != new:
            _record_change(finding, viewer, field, old, new)
            setattr(finding, field, new)
    if "lat" in changes or "lon" in changes:
        finding.estate_id = estate_for_point(finding.walk, finding.lat, finding.lon)
    db.session.flush()
    return finding


def delete_finding(finding: Finding) -> list[str]:
    """Delete a finding with its photos and voice notes; returns the storage keys to remove
    after commit."""
    keys = [photo.storage_key for photo in finding.photos] + [note.storage_key for note in finding.audio]
    db.session.delete(finding)
    db.session.flush()
    return keys


def add_to_finding(
    finding: Finding, viewer: Viewer, addition_id: uuid.UUID, text: str, rating: int | None = None
) -> Finding:
    """Append another participant's text and rating to a finding ("Samme sted"), once per
    addition id; the more unsafe of the two ratings is kept (0 = very unsafe)."""
    if db.engine.dialect.name == "postgresql":
        # Serialise additions to this finding so a re-sent addition is seen by the check below
        # (SQLite transactions already hold the write lock from BEGIN IMMEDIATE).
        db.session.execute(
            db.select(Finding.id).where(Finding.id == finding.id).with_for_update()
        )
    seen = db.session.execute(
        db.select(FindingChange.id).where(
            FindingChange.finding_id == finding.id,
            FindingChange.field == "addition",
            FindingChange.old_value == str(addition_id),
        )
    ).first()
    if seen is not None:
        return finding
    db.session.refresh(finding, ["description", "rating"])
    text = text.strip()
    if text:
        finding.description = f"{finding.description}\n\n{text}" if finding.description else text
    # Two people at one spot: the one who feels less safe decides, so a worry is never averaged away.
    if rating is not None and (finding.rating is None or rating < finding.rating):
        _record_change(finding, viewer, "rating", finding.rating, rating)
        finding.rating = rating
    db.session.add(FindingChange(
        finding_id=finding.id, by_user_id=viewer.user.id if viewer.user else None,
        field="addition", old_value=str(addition_id), new_value=text,
    ))
    db.session.flush()
    return finding


def store_photo_files(store: PhotoStore | Path, image: ProcessedImage) -> str:
    """Write a processed photo and its thumbnail under a new storage key (no database work, so
    callers do it before their transaction takes a lock); the key is returned. A folder (the
    photos root) stands for the local store, as callers and tests wrote before S3 came."""
    if isinstance(store, Path):
        store = LocalStore(store)
    storage_key = new_storage_key()
    save_photo(store, storage_key, image.jpeg, image.thumb, image.map_thumb)
    return storage_key


def insert_photo_row(model: type, owner: Any, values: dict[str, Any]) -> tuple[Any, bool]:
    """Insert a photo row (a finding's or a check's) whose files are stored, idempotently on
    UNIQUE(owner, sha256): (row, True) when new, (the row already there, False) otherwise;
    409 `conflict` when its id is another owner's photo. `owner` is the owner id column."""
    inserted = insert_ignoring_conflict(values, model, None)
    photo = db.session.execute(
        db.select(model).where(owner == values[owner.key], model.sha256 == values["sha256"])
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if photo is None:
        # The id is taken by a photo of another finding or check.
        raise ApiError(409, "conflict", _("A different photo with this id already exists."))
    return photo, inserted and photo.storage_key == values["storage_key"]


def add_photo(
    finding: Finding, image: ProcessedImage, photo_id: uuid.UUID | None, storage_key: str
) -> tuple[Photo, bool]:
    """Record a photo whose files are already stored under storage_key, idempotently on the
    upload's sha256 by UNIQUE(finding_id, sha256): (photo, True) when new, (existing, False)
    otherwise. The caller removes the files when the row is not new or not committed."""
    redacted = redacted_photo_for_upload(finding.id, image.sha256, photo_id)
    if redacted is not None:  # the original of a blurred photo never comes back
        return redacted, False
    values = {
        "id": photo_id or uuid.uuid4(), "finding_id": finding.id, "storage_key": storage_key,
        "sha256": image.sha256, "width": image.width, "height": image.height,
        "size_bytes": len(image.jpeg), "taken_at": image.taken_at,
    }
    return insert_photo_row(Photo, Photo.finding_id, values)


def remove_photo_files(store: PhotoStore, storage_keys: Iterable[str]) -> None:
    """Delete stored files after the rows are gone (commit succeeded)."""
    discard(store, storage_keys)


def _box_lon(lat: float) -> float:
    """Half-width in degrees of longitude of the box around a point at `lat`: degrees of
    longitude shrink with cos(lat), taken at the box's poleward edge (never too narrow)."""
    edge = abs(lat) + _BOX_LAT
    return 360.0 if edge >= 89.0 else _BOX_LAT / math.cos(math.radians(edge))


def _in_box(finding: Finding, other: Finding) -> bool:
    return (abs(other.lat - finding.lat) <= _BOX_LAT
            and abs(other.lon - finding.lon) <= _box_lon(finding.lat))


def _box_candidates(findings: list[Finding]) -> list[Finding]:
    """The findings of the same walk and category in the box around any of these: one
    statement whose size does not depend on the walk's (a range on lat, for an index on
    (walk_id, category_id, lat) where there is one; correct without it)."""
    boxes = [
        and_(
            Finding.walk_id == f.walk_id, Finding.category_id == f.category_id,
            Finding.lat.between(f.lat - _BOX_LAT, f.lat + _BOX_LAT),
            Finding.lon.between(f.lon - _box_lon(f.lat), f.lon + _box_lon(f.lat)),
        )
        for f in findings
    ]
    if not boxes:
        return []
    return list(db.session.execute(db.select(Finding).where(or_(*boxes))).scalars())


def nearby_ids(findings: list[Finding], candidates: list[Finding] | None = None) -> dict[uuid.UUID, list[str]]:
    """For each finding, the ids of other findings of the same category within 25 m on its walk;
    the candidates are the findings already loaded (a whole walk), or else read from the boxes
    around the findings."""
    if candidates is None:
        candidates = _box_candidates(findings)
    result: dict[uuid.UUID, list[str]] = {}
    for finding in findings:
        result[finding.id] = [
            str(other.id) for other in candidates
            if other.id != finding.id
            and other.walk_id == finding.walk_id
            and other.category_id == finding.category_id
            and _in_box(finding, other)
            and distance_m(finding.lat, finding.lon, other.lat, other.lon) <= NEARBY_M
        ]
    return result
