"""The residents' feedback page of a walk: publishing and revoking its link, and what the
page shows.

The page is public (anyone with the link), so `feedback_content` builds plain values from a
whitelist — number, category, measure title, status, organisation, due date, public note —
and the template never receives a finding, participant, photo or user: a participant's name
or text cannot reach the page by a template change that forgets to leave it out."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from walkapp.auth.models import User
from walkapp.db import now_utc
from walkapp.extensions import db
from walkapp.findings import queries as finding_queries
from walkapp.findings.models import Category, Finding
from walkapp.findings.route_order import route_coordinates, route_stops
from walkapp.followup.models import FeedbackPage
from walkapp.followup.svg_map import SvgMap, project_map
from walkapp.labels import category_name, label
from walkapp.measures import queries as measure_queries
from walkapp.measures.models import Measure
from walkapp.urls import qr_code
from walkapp.walks.models import Walk

# 32 random bytes: 43 URL-safe characters (FeedbackPage.code), far beyond guessing.
CODE_BYTES = 32
CODE_LENGTH = 43

# Findings the meeting did not take forward; the page counts them instead of listing them.
NOT_TAKEN_FORWARD = ("dismissed", "duplicate")

# A measure's status as residents read it on a stairwell notice's page: plain words, not the
# workflow's ("Foreslået", "Henvist") that staff use.
RESIDENT_STATUS_LABELS = {
    "proposed": _l("Being considered"),
    "agreed": _l("Planned"),
    "in_plan": _l("Planned in the long-term plan"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "rejected": _l("Rejected"),
    "referred": _l("Passed on to another authority"),
}


# ---------------------------------------------------------------- publishing


def active_feedback_page(walk_id: int) -> FeedbackPage | None:
    """The walk's published (not revoked) feedback page, the newest if there are several."""
    return db.session.execute(
        db.select(FeedbackPage)
        .where(FeedbackPage.walk_id == walk_id, FeedbackPage.revoked_at.is_(None))
        .order_by(FeedbackPage.published_at.desc(), FeedbackPage.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def publish_feedback(walk: Walk, by_user: User) -> tuple[FeedbackPage, bool]:
    """(the walk's published page, True when it was created now): publishing twice keeps the
    link residents may already have on a notice."""
    page = active_feedback_page(walk.id)
    if page is not None:
        return page, False
    page = FeedbackPage(walk_id=walk.id, code=secrets.token_urlsafe(CODE_BYTES),
                        published_by_id=by_user.id, published_at=now_utc())
    db.session.add(page)
    db.session.flush()
    return page, True


def unpublish_feedback(walk: Walk) -> int:
    """Revoke every published page of the walk (its link answers 404 from now on); how many."""
    pages = db.session.execute(
        db.select(FeedbackPage)
        .where(FeedbackPage.walk_id == walk.id, FeedbackPage.revoked_at.is_(None))
    ).scalars().all()
    now = now_utc()
    for page in pages:
        page.revoked_at = now
    db.session.flush()
    return len(pages)


def published_page(code: str) -> FeedbackPage | None:
    """The published page with this code, or None (unknown or revoked)."""
    if len(code) != CODE_LENGTH:
        return None
    return db.session.execute(
        db.select(FeedbackPage)
        .options(joinedload(FeedbackPage.walk))
        .where(FeedbackPage.code == code, FeedbackPage.revoked_at.is_(None))
    ).scalar_one_or_none()


def qr_svg(url: str) -> str:
    """The URL's QR code as inline SVG, made as the walk's join QR code is."""
    return qr_code(url).svg_inline(
        scale=10, border=2, omitsize=True, svgclass="qr")


# ---------------------------------------------------------------- the page's content


@dataclass(frozen=True)
class FeedbackMeasure:
    """What residents read about one measure."""

    title: str
    status: str
    status_label: str
    responsible_org: str | None
    due_on: date | None
    public_note: str


@dataclass(frozen=True)
class FeedbackItem:
    """One finding taken forward, by its number on the walk's maps and lists."""

    number: int
    category: str
    measures: list[FeedbackMeasure]
    good: bool = False  # a good place ("Godt sted"): green, and waits for no measure


@dataclass(frozen=True)
class FeedbackContent:
    """Everything the public page shows about a walk, and nothing else."""

    items: list[FeedbackItem]
    category_counts: list[tuple[str, int]]
    not_taken_forward: int
    svg: SvgMap | None


def resident_status_label(status: str) -> str:
    """A measure status in the residents' words."""
    return label(RESIDENT_STATUS_LABELS, status)


def _feedback_measure(measure: Measure) -> FeedbackMeasure:
    org = measure.responsible_org
    return FeedbackMeasure(
        title=measure.title, status=measure.status,
        status_label=resident_status_label(measure.status),
        responsible_org=org.name if org is not None else None,
        due_on=measure.due_on, public_note=(measure.public_note or "").strip(),
    )


def feedback_content(walk: Walk, locale: str) -> FeedbackContent:
    """The walk's findings taken forward in route order with their measures, counts per
    category and the route map (category names in `locale`; labels in the current one)."""
    findings = finding_queries.walk_findings(walk, joinedload(Finding.category))
    stops = route_stops(walk, findings)
    measures = measure_queries.walk_measures(
        walk.id, joinedload(Measure.responsible_org), selectinload(Measure.findings))
    by_finding: dict = {}
    for measure in measures:
        for finding in measure.findings:
            by_finding.setdefault(finding.id, []).append(measure)

    shown = [stop for stop in stops if stop.finding.state not in NOT_TAKEN_FORWARD]
    items = [
        FeedbackItem(
            number=stop.number, category=category_name(stop.finding.category, locale),
            measures=[_feedback_measure(m) for m in by_finding.get(stop.finding.id, [])],
            good=stop.finding.kind == "good",
        )
        for stop in shown
    ]
    counts: dict[Category, int] = {}
    for stop in shown:
        if stop.finding.kind == "good":  # not something that was noted as unsafe
            continue
        counts[stop.finding.category] = counts.get(stop.finding.category, 0) + 1
    category_counts = [
        (category_name(category, locale), count)
        for category, count in sorted(counts.items(), key=lambda kv: (kv[0].sort_order, kv[0].code))
    ]
    svg = project_map(route_coordinates(walk),
                      [(stop.finding.lat, stop.finding.lon,
                        {"number": stop.number, "good": stop.finding.kind == "good"}) for stop in shown])
    return FeedbackContent(items=items, category_counts=category_counts,
                           not_taken_forward=len(stops) - len(shown), svg=svg)
