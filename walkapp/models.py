"""Imports every model so metadata (and Alembic autogenerate) sees the whole schema."""
from walkapp.auth.models import ApiToken, User
from walkapp.findings.models import Audio, Category, Finding, FindingChange, Photo
from walkapp.followup.models import CheckPhoto, FeedbackPage, FindingCheck
from walkapp.measures.models import Measure, PlanItem, StatusChange, measure_findings
from walkapp.orgs.models import Area, Estate, Organisation, area_memberships
from walkapp.walks.models import Participant, Walk, WalkStatusChange, walk_estates

__all__ = [
    "ApiToken", "Area", "area_memberships", "Audio", "Category", "CheckPhoto", "FeedbackPage", "FindingCheck", "WalkStatusChange", "Estate", "Finding", "FindingChange", "Measure", "Organisation",
    "Participant", "Photo", "PlanItem", "StatusChange", "User", "Walk", "measure_findings",
    "walk_estates",
]
