"""Meeting mode: the follow-up meeting decides a walk's findings in route order on one
projected screen, and its minutes with the overview of possible measures (staff)."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from walkapp.auth.security import staff_required
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding, Photo
from walkapp.followup.agenda import walk_agenda
from walkapp.followup.decisions import describe_decision
from walkapp.i18n import current_language
from walkapp.labels import FOLLOW_UP_STATUS_LABELS, RATING_WORDS, label, rating_label
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.models import Organisation
from walkapp.walks.models import Walk

bp = Blueprint("meeting", __name__)

# The chair's five decisions, in the order of the number keys 1–5.
DECISION_KEYS = ("measure", "attach", "duplicate", "dismiss", "park")


def _labels() -> dict[str, object]:
    """Every word meeting.js shows, translated here (the script holds no text of its own)."""
    return {
        "actions": {
            "measure": _("New measure"), "attach": _("Attach to a measure"),
            "duplicate": _("Duplicate of"), "dismiss": _("Dismiss"), "park": _("Park"),
        },
        "decided": {
            "measure": _("Measure"), "triaged": _("Triaged"), "dismiss": _("Dismissed"),
            "duplicate": _("Duplicate of #%(number)s"), "park": _("Parked"),
        },
        "undecided": _("Not decided yet"),
        "progress": _("%(done)s of %(total)s decided"),
        "by": _("decided by %(who)s"),
        "ratings": {str(k): rating_label(k) for k in RATING_WORDS},
        "no_rating": _("No rating"),
        "no_photos": _("No photos"),
        "earlier": _("Reported here before"),
        "earlier_item": _("%(year)s, %(distance)s m away"),
        # An earlier finding's measure status ("none": it got no measure).
        "statuses": {code: label(FOLLOW_UP_STATUS_LABELS, code) for code in FOLLOW_UP_STATUS_LABELS},
        "saved": _("Decision saved."),
        "refused": _("Not saved"),
        "choose": _("Choose a decision (1–5)."),
        "no_measures": _("No measures decided at this meeting yet."),
        "offline": _("No connection to the server. Nothing was saved; try again."),
        "number": _("No. %(number)s"),
    }


@bp.route("/walks/<int:walk_id>/meeting")
@staff_required
def meeting(walk_id: int):
    """Meeting mode: the agenda, the current finding large and one decision panel."""
    walk = db.get_or_404(Walk, walk_id)
    locale = current_language()
    categories = db.session.execute(db.select(Category)).scalars()
    organisations = db.session.execute(db.select(Organisation).where(organisation_in_scope()).order_by(Organisation.name)).scalars()
    # The screen is projected to a room with residents: photos hidden from exports (faces,
    # number plates) are not shown there either, though the findings API gives staff them all.
    hidden = db.session.execute(
        db.select(Photo.id).join(Finding, Finding.id == Photo.finding_id)
        .where(Finding.walk_id == walk.id, Photo.hidden.is_(True))
    ).scalars()
    settings = {
        "agendaUrl": url_for("meeting_api.agenda", walk_id=walk.id),
        "findingsUrl": url_for("findings_api.walk_findings", walk_id=walk.id),
        # The finding id replaces the placeholder; the one URL pattern the script needs.
        "decisionUrl": url_for("meeting_api.decide", finding_id="FINDING_ID"),
        "pollMs": 3000,
        "route": walk.route,
        "hiddenPhotos": sorted(str(photo_id) for photo_id in hidden),
        "categories": {c.code: c.name(locale) for c in categories},
        "labels": _labels(),
    }
    return render_template(
        "followup/meeting.html", walk=walk, settings=settings, decision_keys=DECISION_KEYS,
        organisations=list(organisations), labels=settings["labels"],
    )


@bp.route("/walks/<int:walk_id>/meeting/minutes")
@staff_required
def minutes(walk_id: int):
    """The meeting's minutes and the overview of possible measures, in route order (A4)."""
    walk = db.get_or_404(Walk, walk_id)
    agenda = walk_agenda(walk)
    return render_template(
        "followup/minutes.html", walk=walk, agenda=agenda, locale=current_language(),
        describe_decision=describe_decision,
    )
