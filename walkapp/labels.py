"""Translated display names of the stable English codes, one table per code family.

The codes themselves (API, database, Open311) never change; only these labels are shown."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

PARTICIPANT_ROLE_LABELS = {
    "resident": _l("Resident"),
    "board": _l("Estate board"),
    "housing": _l("Housing organisation"),
    "operations": _l("Operations (driftsafdeling)"),
    "municipality": _l("Municipality"),
    "police": _l("Police"),
    "coordinator": _l("Coordinator"),
    "other": _l("Other"),
}

WALK_KIND_LABELS = {"walk": _l("Safety walk"), "inspection": _l("Safety inspection")}

WALK_STATUS_LABELS = {"planned": _l("Planned"), "active": _l("Active"), "closed": _l("Closed")}

FINDING_STATE_LABELS = {
    "new": _l("New"),
    "triaged": _l("Triaged"),
    "duplicate": _l("Duplicate"),
    "dismissed": _l("Dismissed"),
}

MEASURE_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "agreed": _l("Agreed"),
    "in_plan": _l("Added to the 10-year plan"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "rejected": _l("Rejected"),
    "referred": _l("Referred"),
}


def label(table: Mapping[str, object], code: str | None) -> str:
    """The translated label of a code, or the code itself when the table doesn't know it."""
    return str(table.get(code or "", code or ""))
