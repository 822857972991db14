"""A finding's history: writing one FindingChange per changed field (flush is the caller's)."""
from __future__ import annotations

from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.findings.models import Finding, FindingChange


def record_change(finding: Finding, user: User | None, field_name: str, old: str, new: str) -> None:
    """Add one history row: who changed which field of the finding from what to what."""
    db.session.add(FindingChange(
        finding_id=finding.id, by_user_id=user.id if user is not None else None,
        field=field_name, old_value=old, new_value=new,
    ))


def mark_triaged(findings: list[Finding], by_user: User | None) -> None:
    """New findings that got a measure are triaged, each change in the finding's history;
    other states are left alone. Called by measures.services.create_measure only."""
    for finding in findings:
        if finding.state == "new":
            record_change(finding, by_user, "state", "new", "triaged")
            finding.state = "triaged"
    db.session.flush()
