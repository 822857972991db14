"""Who is asking, in areas: the scope walkapp.orgs.area_scope filters every query by."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from walkapp.orgs.area_scope import AreaScope
from walkapp.orgs.areas import area_ids_of_organisation
from walkapp.walks.participants import current_participant


def request_scope() -> AreaScope:
    """A staff user's organisation's areas, plus the walk of the participant joined in this
    browser and the walk it follows up (never for a bearer-token call, which speaks for the
    token's user alone)."""
    area_ids: frozenset[int] = frozenset()
    if current_user.is_authenticated:
        area_ids = area_ids_of_organisation(current_user.organisation_id)
    participant = None if g.get("via_token") else current_participant()
    if participant is None:
        return AreaScope(area_ids=area_ids)
    walk = participant.walk
    # A follow-up walk's participants check the previous walk's findings (the access checks
    # of walkapp.findings.access still keep them to their own walk for everything else).
    walk_ids = {walk.id} | ({walk.previous_walk_id} if walk.previous_walk_id else set())
    return AreaScope(area_ids=area_ids, walk_ids=frozenset(walk_ids),
                     walk_area_ids=frozenset({walk.area_id}))
