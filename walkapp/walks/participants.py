"""The participant this browser joined a walk as, shared by the join, capture and photo views."""
from __future__ import annotations

from flask import g, session

from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped
from walkapp.walks.models import Participant


def current_participant() -> Participant | None:
    """The participant this browser joined as (session cookie), or None."""
    if "current_participant" in g:
        return g.current_participant
    participant = None
    participant_id, walk_id = session.get("participant_id"), session.get("walk_id")
    if isinstance(participant_id, int) and isinstance(walk_id, int):
        # Unscoped: the signed session cookie names the participant, and this lookup is how
        # the request's scope is worked out (scoped, it ran twice: once for the scope, once in it).
        with unscoped():
            candidate = db.session.get(Participant, participant_id)
        if candidate is not None and candidate.walk_id == walk_id:
            participant = candidate
    g.current_participant = participant
    return participant
