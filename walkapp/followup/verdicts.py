"""The follow-up walk's verdicts as staff pages show them: who, when, on which walk, what."""
from __future__ import annotations

from typing import Any

from walkapp.auth.queries import user_names
from walkapp.followup.models import FindingCheck
from walkapp.followup.queries import UNSAFE_VERDICTS
from walkapp.followup.serializers import check_photo_json
from walkapp.labels import CHECK_VERDICT_LABELS, PARTICIPANT_ROLE_LABELS, label


def verdict_rows(checks: list[FindingCheck]) -> list[dict[str, Any]]:
    """One row per check: who (participant's name and role, or the staff user), when, the
    follow-up walk, the verdict (code and label), the note and the photos."""
    names = user_names({c.user_id for c in checks})
    rows = []
    for check in checks:
        if check.participant is not None:
            role = label(PARTICIPANT_ROLE_LABELS, check.participant.role)
            who = f"{check.participant.display_name} ({role})" if check.participant.display_name else str(role)
        else:
            who = names.get(check.user_id, "")
        rows.append({
            "id": str(check.id),
            "finding_id": str(check.finding_id),
            "walk": check.walk,
            "who": who,
            "at": check.observed_at,
            "verdict": check.verdict,
            "verdict_label": label(CHECK_VERDICT_LABELS, check.verdict),
            "unsafe": check.verdict in UNSAFE_VERDICTS,
            "note": check.note,
            "photos": [check_photo_json(p) for p in check.photos],
        })
    return rows
