"""Walk services: join codes, creating and updating walks, status changes, counts."""
from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import func

from walkapp.auth.models import User
from walkapp.dates import local_naive, local_to_utc
from walkapp.db import now_utc
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.labels import WALK_KIND_LABELS, WALK_STATUS_LABELS, label
from walkapp.orgs.area_scope import unscoped
from walkapp.orgs.areas import area_for_new
from walkapp.orgs.lookups import find_estate
from walkapp.orgs.models import Area, Estate
from walkapp.walks.models import Participant, Walk, WalkStatusChange

# No 0/O, 1/I/L or U/V look-alikes: codes are read aloud and typed from paper on cold evenings.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
# 29 symbols carry log2(29) ≈ 4.86 bits each: 13 symbols ≈ 63 bits (≥ 60 required).
JOIN_CODE_LENGTH = 13

# Walks are planned and held in Copenhagen; forms and naive API times mean local time.

# (from, to) → the only status changes a coordinator can make; closed → active is "reopen".
STATUS_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("planned", "active"), ("active", "closed"), ("closed", "active")}
)
# WalkStatusChange.reason when a capture started a planned walk (a stable code; its label is in
# walkapp.labels.WALK_STATUS_REASON_LABELS).
FIRST_FINDING = "first_finding"


def new_join_code() -> str:
    """A random, unguessable join code."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    """Codes are case-insensitive and may be typed with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def unique_join_code() -> str:
    """A join code no other walk has (a clash at 63 bits is unlikely, but cheap to rule out)."""
    while True:
        code = new_join_code()
        with unscoped():  # unique across every area
            taken = db.session.execute(
                db.select(Walk.id).where(Walk.join_code == code)
            ).first()
        if taken is None:
            return code


def utc_to_local(value: datetime) -> datetime:
    """An aware UTC datetime as naive Copenhagen wall-clock time (for form inputs)."""
    return local_naive(value)


@dataclass
class WalkData:
    """The editable facts of a walk, already validated."""

    kind: str
    title: str
    starts_at: datetime
    meeting_point: str = ""
    meeting_lat: float | None = None
    meeting_lon: float | None = None
    route: dict | None = None
    estates: list[Estate] = field(default_factory=list)
    follow_up_on: date | None = None
    notes: str = ""
    # Local (Copenhagen) time of the follow-up meeting; None: the day is agreed, the hour not.
    follow_up_time: time | None = None
    # Where a new walk belongs; None: the planner's only area (walkapp.orgs.areas.area_for_new).
    area: Area | None = None


def _apply(walk: Walk, data: WalkData) -> None:
    walk.kind = data.kind
    walk.title = data.title.strip()
    walk.starts_at = local_to_utc(data.starts_at)
    walk.meeting_point = data.meeting_point.strip()
    walk.meeting_lat = data.meeting_lat
    walk.meeting_lon = data.meeting_lon
    walk.route = data.route
    walk.estates = list(data.estates)
    walk.follow_up_on = data.follow_up_on
    walk.follow_up_time = data.follow_up_time
    walk.notes = data.notes


def create_walk(data: WalkData, created_by_id: int | None) -> Walk:
    """A new planned walk with a fresh join code."""
    walk = Walk(status="planned", join_code=unique_join_code(), created_by_id=created_by_id)
    walk.area = data.area or area_for_new()
    _check_estates_in_area(data.estates, walk.area.id)
    _apply(walk, data)
    db.session.add(walk)
    db.session.flush()
    return walk


def _check_estates_in_area(estates: list[Estate], area_id: int) -> None:
    if any(estate.area_id != area_id for estate in estates):
        raise ApiError(400, "estate_other_area", _("The walk's estates must be in the walk's area."))


def update_walk(walk: Walk, data: WalkData) -> Walk:
    """Replace a walk's editable facts (status, area and join code are not editable here)."""
    _check_estates_in_area(data.estates, walk.area_id)
    _apply(walk, data)
    db.session.flush()
    return walk


def _move_status(
    walk: Walk, from_status: str, to_status: str, *,
    by_user: User | None, by_participant: Participant | None, reason: str,
) -> bool:
    """Move the walk from `from_status` to `to_status` and record it, unless another request
    moved it first: the UPDATE only matches a row still in `from_status` (PostgreSQL re-checks
    it after a concurrent writer commits; SQLite holds the write lock), so two first findings or
    two clicks on "Start" write one history row. True when this call moved it."""
    moved = db.session.execute(
        db.update(Walk)
        .where(Walk.id == walk.id, Walk.status == from_status)
        .values(status=to_status, updated_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    # The in-memory walk follows the row without another UPDATE at the next flush.
    db.session.refresh(walk, ["status", "updated_at"])
    if moved:
        db.session.add(WalkStatusChange(
            walk_id=walk.id, from_status=from_status, to_status=to_status,
            by_user_id=by_user.id if by_user is not None else None,
            by_participant_id=by_participant.id if by_participant is not None else None,
            reason=reason,
        ))
        db.session.flush()
    return moved


def change_walk_status(walk: Walk, to_status: str, by_user: User | None = None) -> Walk:
    """Move a walk along planned → active → closed (or reopen a closed one), in its history."""
    from_status = walk.status
    if (from_status, to_status) not in STATUS_TRANSITIONS:
        raise ApiError(
            409, "invalid_status_change",
            _("A walk cannot change from %(from_status)s to %(to_status)s.",
              from_status=status_label(from_status), to_status=status_label(to_status)),
        )
    if not _move_status(walk, from_status, to_status, by_user=by_user, by_participant=None, reason=""):
        raise ApiError(
            409, "invalid_status_change",
            _("Someone else changed the walk's status meanwhile; it is now %(status)s.",
              status=status_label(walk.status)),
        )
    return walk


def start_walk_on_first_finding(
    walk: Walk, by_user: User | None = None, by_participant: Participant | None = None
) -> bool:
    """A planned walk becomes active when a finding is stored on it, in the same transaction and
    in its history ("first_finding"); True when this finding started it."""
    if walk.status != "planned":
        return False
    return _move_status(walk, "planned", "active", by_user=by_user, by_participant=by_participant,
                        reason=FIRST_FINDING)


def status_history(walk: Walk) -> list[tuple[WalkStatusChange, User | None, Participant | None]]:
    """The walk's status changes, oldest first, each with the staff user or participant who made it."""
    rows = db.session.execute(
        db.select(WalkStatusChange, User, Participant)
        .outerjoin(User, User.id == WalkStatusChange.by_user_id)
        .outerjoin(Participant, Participant.id == WalkStatusChange.by_participant_id)
        .where(WalkStatusChange.walk_id == walk.id)
        .order_by(WalkStatusChange.at, WalkStatusChange.id)
    ).all()
    return [(change, user, participant) for change, user, participant in rows]


def next_statuses(walk: Walk) -> list[str]:
    """The statuses this walk may move to, in a stable order for the buttons."""
    return [to for to in ("active", "closed") if (walk.status, to) in STATUS_TRANSITIONS]


def status_label(status: str) -> str:
    """The translated name of a walk status."""
    return label(WALK_STATUS_LABELS, status)


def kind_label(kind: str) -> str:
    """The translated name of a walk kind."""
    return label(WALK_KIND_LABELS, kind)


def find_estates(refs: list) -> list[Estate]:
    """Estates by id or exact name; an unknown reference is an error, not silently dropped."""
    estates: list[Estate] = []
    for ref in refs:
        # Names are unique only within one housing organisation: an ambiguous name is refused.
        estate = find_estate(ref)
        if estate is None:
            raise ApiError(400, "invalid_estate", _("Unknown estate: %(estate)s", estate=str(ref)))
        if estate not in estates:
            estates.append(estate)
    return estates


def participant_counts(walk_ids: list[int]) -> dict[int, int]:
    """Number of participants per walk id."""
    if not walk_ids:
        return {}
    rows = db.session.execute(
        db.select(Participant.walk_id, func.count())
        .where(Participant.walk_id.in_(walk_ids))
        .group_by(Participant.walk_id)
    ).all()
    return {walk_id: count for walk_id, count in rows}


def participants_by_role(walk: Walk) -> dict[str, int]:
    """How many participants joined in each role."""
    rows = db.session.execute(
        db.select(Participant.role, func.count())
        .where(Participant.walk_id == walk.id)
        .group_by(Participant.role)
    ).all()
    return {role: count for role, count in rows}


def plan_follow_up_walk(walk: Walk, starts_at: datetime, title: str, created_by_id: int | None) -> Walk:
    """A new planned walk following `walk` up (opfølgningsvandring): the same kind, route,
    meeting point and estates, linked by previous_walk_id, with its own join code."""
    follow_up = create_walk(
        WalkData(
            kind=walk.kind,
            title=title,
            starts_at=starts_at,
            meeting_point=walk.meeting_point,
            meeting_lat=walk.meeting_lat,
            meeting_lon=walk.meeting_lon,
            # A copy: the two walks' routes are edited apart from each other afterwards.
            route=copy.deepcopy(walk.route),
            estates=list(walk.estates),
            area=walk.area,
        ),
        created_by_id=created_by_id,
    )
    follow_up.previous_walk_id = walk.id
    db.session.flush()
    return follow_up


def follow_up_walks(walk: Walk) -> list[Walk]:
    """The walks planned as follow-ups of this one, soonest first."""
    return list(db.session.execute(
        db.select(Walk).where(Walk.previous_walk_id == walk.id).order_by(Walk.starts_at, Walk.id)
    ).scalars())


def default_follow_up_title(walk: Walk) -> str:
    """The title a follow-up walk is offered: "Opfølgning: <title>" (cut to the column)."""
    return _("Follow-up: %(title)s", title=walk.title)[:200]
