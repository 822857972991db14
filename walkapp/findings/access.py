"""Access rules for findings and photos: every object id from a request is checked here.

Staff see every walk; a participant sees only the walk they joined, and anything else is the
same 404, so ids of other walks can't be probed."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.models import User
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.orgs.area_scope import current_scope
from walkapp.walks.models import Participant, Walk
from walkapp.walks.participants import current_participant


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a logged-in staff user, a participant joined by code, or both/neither."""

    user: User | None = None
    participant: Participant | None = None

    @property
    def is_staff(self) -> bool:
        return self.user is not None

    @property
    def is_moderator(self) -> bool:
        return self.user is not None and self.user.role in ("admin", "coordinator")

    def owns(self, finding: Finding) -> bool:
        """True for the finding's own reporter (same participant, or the staff user who made it)."""
        if self.user is not None and finding.user_id == self.user.id:
            return True
        return self.participant is not None and finding.participant_id == self.participant.id


def current_viewer() -> Viewer:
    """Staff (cookie or bearer token) and/or the participant joined in this browser."""
    # The scope first: working it out loads the participant's walk, which the walk lookup that
    # follows then finds in the session instead of asking the database again.
    current_scope()
    user = current_user._get_current_object() if current_user.is_authenticated else None
    # A bearer-token call speaks for the token's user alone, whatever cookies come with it.
    participant = None if g.get("via_token") else current_participant()
    return Viewer(user=user, participant=participant)


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("The page was not found."))


def walk_closed() -> ApiError:
    return ApiError(409, "walk_closed", _("The walk is closed. New findings can no longer be added."))


def require_viewer(viewer: Viewer) -> None:
    """Anonymous callers get 401."""
    if viewer.user is None and viewer.participant is None:
        raise ApiError(401, "unauthorized", _("You must log in."))


def walk_for_viewer(walk_id: int, viewer: Viewer) -> Walk:
    """The walk, if this viewer may see it; staff see every walk, participants only their own."""
    require_viewer(viewer)
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        raise not_found()
    if not viewer.is_staff and viewer.participant.walk_id != walk.id:
        raise not_found()
    return walk


def finding_for_viewer(finding_id: str, viewer: Viewer) -> Finding:
    """The finding, if it exists on a walk this viewer may see; anything else is 404."""
    require_viewer(viewer)
    try:
        key = uuid.UUID(str(finding_id))
    except ValueError:
        raise not_found() from None
    finding = db.session.get(Finding, key)
    if finding is None:
        raise not_found()
    if not viewer.is_staff and viewer.participant.walk_id != finding.walk_id:
        raise not_found()
    return finding


def ensure_can_edit(finding: Finding, viewer: Viewer) -> None:
    """Own findings (or any, for coordinators/admins); participants only while the walk is open."""
    if not (viewer.owns(finding) or viewer.is_moderator):
        raise ApiError(403, "forbidden", _("You can only change your own findings."))
    if not viewer.is_staff and finding.walk.status == "closed":
        raise walk_closed()


def ensure_can_contribute(finding: Finding, viewer: Viewer) -> None:
    """Anyone on the walk may add text or photos to a finding; participants only while open."""
    if not viewer.is_staff and finding.walk.status == "closed":
        raise walk_closed()
