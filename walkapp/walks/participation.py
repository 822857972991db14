"""Joining a walk by code and the capture page (participants and staff)."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from walkapp.extensions import db, limiter
from walkapp.findings.access import current_viewer
from walkapp.findings.models import Category
from walkapp.followup.capture_data import follow_up_capture_data
from walkapp.i18n import current_language
from walkapp.labels import AGE_BAND_LABELS, GENDER_LABELS, PARTICIPANT_ROLE_LABELS, category_name
from walkapp.orgs.area_scope import forget_scope, unscoped
from walkapp.walks.models import AGE_BANDS, GENDERS, PARTICIPANT_ROLES, Participant, Walk
from walkapp.walks.participants import current_participant
from walkapp.walks.services import normalise_join_code

bp = Blueprint("participation", __name__)



class JoinForm(FlaskForm):
    display_name = StringField(
        _l("Your name (optional)"), validators=[Optional(), Length(max=100)],
        description=_l("Shown to the coordinator next to your findings."),
    )
    role = RadioField(
        _l("I take part as"),
        choices=[SelectChoice(role, PARTICIPANT_ROLE_LABELS[role]) for role in PARTICIPANT_ROLES],
        validators=[DataRequired(message=_l("Choose how you take part."))],
    )
    # The anonymous profile: every answer optional; a value outside the lists is refused with
    # our own (translated) message instead of WTForms' English "Not a valid choice.".
    age_band = RadioField(
        _l("Age"), choices=[SelectChoice(band, AGE_BAND_LABELS[band]) for band in AGE_BANDS],
        validate_choice=False,
        validators=[Optional(), AnyOf(AGE_BANDS, message=_l("Choose one of the answers, or none."))],
    )
    gender = RadioField(
        _l("Gender"), choices=[SelectChoice(gender, GENDER_LABELS[gender]) for gender in GENDERS],
        validate_choice=False,
        validators=[Optional(), AnyOf(GENDERS, message=_l("Choose one of the answers, or none."))],
    )
    mobility_aid = BooleanField(_l("I use a walker or a wheelchair"))


def _unavailable(status: int, heading: str, message: str):
    return render_template(
        "walks/join_unavailable.html", heading=heading, message=message, status=status
    ), status


def _walk_for_code(code: str) -> Walk | None:
    normalised = normalise_join_code(code)
    if not normalised:
        return None
    # The code is the key: a walk of any area, for someone who is not yet anybody.
    with unscoped():
        return db.session.execute(
            db.select(Walk).where(Walk.join_code == normalised)
        ).scalar_one_or_none()


@bp.errorhandler(TooManyRequests)
def too_many_attempts(exc):
    """Wrong codes are rate-limited; say so plainly instead of a bare error."""
    return _unavailable(
        429, _("Too many attempts"),
        _("Too many wrong codes from this connection. Wait a minute and try again, "
          "or scan the QR code from the coordinator."),
    )


@bp.route("/j/<code>", methods=["GET", "POST"])
# Only unknown codes count, so thirty neighbours on the same Wi-Fi can all join.
@limiter.limit(
    lambda: current_app.config["JOIN_RATE_LIMIT"],
    deduct_when=lambda response: response.status_code == 404,
)
def join(code: str):
    """Join a walk by its code: optional name, a role, then straight to the capture page."""
    walk = _walk_for_code(code)
    if walk is None:
        return _unavailable(
            404, _("We could not find that walk"),
            _("The code is not right. Check it with the coordinator, or scan the QR code again."),
        )
    if walk.status == "closed":
        return _unavailable(
            410, _("The walk has ended"),
            _("This walk is closed, so you can no longer join it. "
              "Thank you for your interest. Contact the coordinator if you have more to report."),
        )
    participant = current_participant()
    if participant is not None and participant.walk_id == walk.id:
        # Scanning the QR code again must not make a second participant.
        return redirect(url_for("participation.capture", walk_id=walk.id))
    form = JoinForm()
    if form.validate_on_submit():
        participant = Participant(
            walk_id=walk.id,
            display_name=(form.display_name.data or "").strip(),
            role=form.role.data,
            age_band=form.age_band.data or None,
            gender=form.gender.data or None,
            # An unticked box cannot tell "no" from "did not say": both stay unknown.
            mobility_aid=True if form.mobility_aid.data else None,
        )
        db.session.add(participant)
        db.session.commit()
        session["participant_id"] = participant.id
        session["walk_id"] = walk.id
        forget_scope()
        # The phone stays joined through the walk and the weeks after (30 days).
        session.permanent = True
        return redirect(url_for("participation.capture", walk_id=walk.id))
    return render_template("walks/join.html", walk=walk, form=form), (400 if form.errors else 200)


def _category_data(category: Category, language: str) -> dict:
    return {"code": category.code, "name": category_name(category, language), "icon": category.icon}


def _walk_data(walk: Walk) -> dict:
    meeting = None
    if walk.meeting_lat is not None and walk.meeting_lon is not None:
        meeting = {"lat": walk.meeting_lat, "lon": walk.meeting_lon, "label": walk.meeting_point}
    return {
        "id": walk.id,
        "title": walk.title,
        "status": walk.status,
        "kind": walk.kind,
        "route": walk.route,
        "meeting": meeting,
        "capture_closed": walk.status == "closed",
    }


@bp.route("/walks/<int:walk_id>/capture")
def capture(walk_id: int):
    """The full-screen capture page for participants of this walk and for staff."""
    participant = current_participant()
    if not current_user.is_authenticated and participant is None:
        return current_app.login_manager.unauthorized()
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        return _unavailable(404, _("We could not find that walk"), _("The page was not found."))
    if not current_user.is_authenticated and participant.walk_id != walk.id:
        return _unavailable(404, _("We could not find that walk"), _("The page was not found."))
    if participant is not None and participant.walk_id != walk.id:
        participant = None
    language = current_language()
    categories = list(db.session.execute(
        db.select(Category).where(Category.active.is_(True))
        .order_by(Category.sort_order, Category.id)
    ).scalars())
    return render_template(
        "walks/capture.html",
        walk=walk,
        walk_data=_walk_data(walk),
        categories=categories,
        categories_data=[_category_data(c, language) for c in categories],
        participant=participant,
        api={
            "findings": url_for("findings_api.walk_findings", walk_id=walk.id),
            "csrf": url_for("auth_api.csrf_token"),
            # A finding's own URLs, with "__id__" for the id the phone gives it.
            "finding": url_for("findings_api.update_finding", finding_id="__id__"),
            "photos": url_for("findings_api.add_photo", finding_id="__id__"),
            "additions": url_for("findings_api.add_to_finding", finding_id="__id__"),
            "serviceWorker": url_for("pwa.service_worker"),
            # The worker controls the whole app: the installed app starts at the root.
            "scope": url_for("auth.index"),
        },
        follow_up=follow_up_capture_data(walk, current_viewer()),
    )
