"""The follow-up walk's checks: a participant's verdict (fixed / still / worse) on a finding of
the previous walk, made on the phone and sent through the outbox, and the check's photos.

Plain functions that take and return model objects and flush(), never commit(). Stored as
findings are: idempotent on the phone-made id, the phone's clock judged by the same rules,
photos through the same pipeline and storage (walkapp.findings)."""
from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _

from walkapp.db import now_utc
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.access import Viewer, walk_closed
from walkapp.findings.images import ProcessedImage
from walkapp.findings.models import Finding
from walkapp.findings.phone_clock import SentTime, observed_values, same_phone_time
from walkapp.findings.services import insert_ignoring_conflict, insert_photo_row
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.walks.models import Walk

# Findings staff set aside: there is nothing to check on a follow-up walk.
NOT_CHECKED_STATES = ("dismissed", "duplicate")
# Compared to decide whether a re-sent check is "the same" (→ 200) or not (→ 409); the time is
# compared as the phone sent it (phone_clock.same_phone_time).
CHECK_CONTENT_FIELDS = ("walk_id", "finding_id", "participant_id", "user_id", "verdict", "note")


def require_follow_up_walk(walk: Walk) -> None:
    """400 `not_a_follow_up_walk` unless the walk follows up an earlier one."""
    if walk.previous_walk_id is None:
        raise ApiError(400, "not_a_follow_up_walk",
                       _("This walk does not follow up an earlier walk, so there is nothing to check."))


def checkable_findings_select(walk: Walk):
    """SELECT of the previous walk's findings a follow-up walk checks (not dismissed/duplicates)."""
    return db.select(Finding).where(
        Finding.walk_id == walk.previous_walk_id, Finding.state.not_in(NOT_CHECKED_STATES)
    )


def checkable_finding(walk: Walk, finding_id: uuid.UUID) -> Finding:
    """The previous walk's finding with this id, or 400 `unknown_finding`."""
    finding = db.session.execute(
        checkable_findings_select(walk).where(Finding.id == finding_id)
    ).scalar_one_or_none()
    if finding is None:
        raise ApiError(400, "unknown_finding",
                       _("The finding is not one of the previous walk's findings."))
    return finding


def _load_check(check_id: uuid.UUID) -> FindingCheck | None:
    return db.session.execute(
        db.select(FindingCheck).where(FindingCheck.id == check_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def create_check(walk: Walk, viewer: Viewer, data: dict[str, Any]) -> tuple[FindingCheck, bool]:
    """Store a verdict made on a phone, idempotently on its id: (check, True) when inserted,
    (check, False) when the identical check was already stored; the same id with other content
    is 409 `conflict`. data: id, finding (a checkable Finding), verdict, note, and the phone's
    observed_at (instant or None, string as sent) when it sent one."""
    sent: SentTime = data.get("observed_at")
    values = {
        "id": data["id"],
        "walk_id": walk.id,
        "finding_id": data["finding"].id,
        "participant_id": None if viewer.is_staff else viewer.participant.id,
        "user_id": viewer.user.id if viewer.is_staff else None,
        "verdict": data["verdict"],
        "note": data["note"],
        **observed_values(walk.starts_at, sent, now_utc()),
    }
    inserted = False
    if viewer.is_staff or walk.status != "closed":
        inserted = insert_ignoring_conflict(values, FindingCheck, ["id"])
    check = _load_check(values["id"])
    if check is None:
        # Only reachable when the walk is closed and this id was never stored.
        raise walk_closed()
    same = all(getattr(check, field) == values[field] for field in CHECK_CONTENT_FIELDS)
    if not inserted and not (same and same_phone_time(check, sent)):
        raise ApiError(409, "conflict", _("A different check with this id already exists."),
                       id=str(values["id"]))
    return check, inserted


def ensure_can_add_photo(check: FindingCheck, viewer: Viewer) -> None:
    """Anyone on the follow-up walk may add a photo to a check; participants only while open."""
    if not viewer.is_staff and check.walk.status == "closed":
        raise walk_closed()


def add_check_photo(
    check: FindingCheck, image: ProcessedImage, photo_id: uuid.UUID | None, storage_key: str
) -> tuple[CheckPhoto, bool]:
    """Record a photo whose files are already stored under storage_key, idempotently on the
    upload's sha256 by UNIQUE(check_id, sha256): (photo, True) when new, (existing, False)
    otherwise. The caller removes the files when the row is not new or not committed."""
    values = {
        "id": photo_id or uuid.uuid4(), "check_id": check.id, "storage_key": storage_key,
        "sha256": image.sha256, "width": image.width, "height": image.height,
        "size_bytes": len(image.jpeg),
    }
    return insert_photo_row(CheckPhoto, CheckPhoto.check_id, values)
