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
    """New (or parked) findings that got a measure are triaged, each change in the finding's
    history; other states are left alone. Called when a finding gets a measure."""
    for finding in findings:
        if finding.state in ("new", "parked"):
            record_change(finding, by_user, "state", finding.state, "triaged")
            finding.state = "triaged"
    db.session.flush()
