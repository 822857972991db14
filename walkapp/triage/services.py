"""Triage bulk actions on a selection of findings (flush, never commit)."""
from __future__ import annotations

from flask_babel import gettext as _

from walkapp.auth.models import User
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.history import record_change
from walkapp.findings.models import Finding


def mark_duplicates(findings: list[Finding], original: Finding, by_user: User) -> None:
    """State duplicate, pointing at `original`; each change goes into the finding's history."""
    if original.id in {f.id for f in findings}:
        raise ApiError(400, "duplicate_of_self", _("A finding cannot be a duplicate of itself."))
    if original.duplicate_of_id in {f.id for f in findings}:
        raise ApiError(
            400, "duplicate_cycle", _("The original finding is itself a duplicate of the selection.")
        )
    for finding in findings:
        record_change(finding, by_user, "state", finding.state, "duplicate")
        record_change(finding, by_user, "duplicate_of",
                str(finding.duplicate_of_id or ""), str(original.id))
        finding.state = "duplicate"
        finding.duplicate_of_id = original.id
    db.session.flush()


def dismiss_findings(findings: list[Finding], reason: str, by_user: User) -> None:
    """State dismissed with the reason; each change goes into the finding's history."""
    reason = reason.strip()
    if not reason:
        raise ApiError(400, "reason_required", _("Give a reason for dismissing."))
    for finding in findings:
        record_change(finding, by_user, "state", finding.state, "dismissed")
        finding.state = "dismissed"
        finding.dismiss_reason = reason
    db.session.flush()
