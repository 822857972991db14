"""What the follow-up walk's capture page embeds about the previous walk: its findings (not
dismissed or duplicates) with their measures' status, and the checks already made. Embedded
in the page, so the service worker's copy of the page has it offline."""
from __future__ import annotations

from typing import Any

from flask import url_for

from walkapp.findings.access import Viewer
from walkapp.followup import queries
from walkapp.followup.serializers import check_json
from walkapp.i18n import current_language
from walkapp.labels import category_name
from walkapp.measures.services import status_label
from walkapp.walks.models import Walk


def follow_up_capture_data(walk: Walk, viewer: Viewer) -> dict[str, Any] | None:
    """The previous walk's findings to check and the checks so far; None for a walk that
    follows nothing up."""
    if walk.previous_walk_id is None:
        return None
    findings = queries.checkable_findings(walk)
    measures = queries.measures_by_finding(f.id for f in findings)
    language = current_language()
    return {
        "previous_title": walk.previous_walk.title,
        "findings": [
            {
                "id": str(f.id),
                "lat": f.lat,
                "lon": f.lon,
                "category": f.category.code,
                "category_name": category_name(f.category, language),
                "rating": f.rating,
                "description": f.description,
                "measures": [
                    {"title": m.title, "status": m.status, "status_label": status_label(m.status)}
                    for m in measures.get(f.id, [])
                ],
            }
            for f in findings
        ],
        "checks": [check_json(c, viewer) for c in queries.walk_checks(walk)],
        "api": {
            "checks": url_for("followup_api.create_check", walk_id=walk.id),
            # A check's photo URL, with "__id__" for the id the phone gives the check.
            "photos": url_for("followup_api.add_check_photo", check_id="__id__"),
        },
    }
