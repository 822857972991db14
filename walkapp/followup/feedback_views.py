"""The residents' feedback page (/f/<code>, public), its publish control on the walk page
and the printable stairwell notice."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.security import staff_required
from walkapp.dates import to_local
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.followup import feedback
from walkapp.i18n import current_language
from walkapp.orgs.area_scope import unscoped
from walkapp.urls import external_url
from walkapp.walks.models import Walk

bp = Blueprint("feedback", __name__)


def _feedback_url(code: str) -> str:
    return external_url("feedback.show_feedback", code=code)


@bp.app_template_global()
def feedback_link(walk: Walk) -> str | None:
    """The URL of the walk's published feedback page, or None (for the walk page's control)."""
    page = feedback.active_feedback_page(walk.id)
    return _feedback_url(page.code) if page is not None else None


def _public(response_body: str, status: int):
    """A public page's response: kept out of search engines, never cached (a revoked link
    must stop working at once) and no referrer carrying the code elsewhere."""
    response = current_app.make_response((response_body, status))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/f/<code>")
def show_feedback(code: str):
    """The walk's feedback for residents: no login, no cookie, Danish or English (?lang=)."""
    lang = current_language()  # ?lang= first (walkapp.i18n.select_locale)
    # A ?lang= link rather than the session's language switch: an anonymous resident's visit
    # sets no cookie, and a shared link keeps the language it was shared in.
    # The code is the key: any area's walk, for a resident who is not logged in.
    with force_locale(lang), unscoped():
        page = feedback.published_page(code)
        if page is None:
            return _public(render_template("followup/feedback_gone.html", lang=lang), 404)
        walk = page.walk
        return _public(render_template(
            "followup/feedback.html", walk=walk, lang=lang, code=code,
            content=feedback.feedback_content(walk, lang),
            walk_date=to_local(walk.starts_at).date(),
            estates=[estate.name for estate in walk.estates],
        ), 200)


@bp.route("/walks/<int:walk_id>/feedback", methods=["POST"])
@staff_required
def set_feedback(walk_id: int):
    """Publish or revoke the feedback page from the walk page's control."""
    walk = db.get_or_404(Walk, walk_id)
    published = request.form.get("published")
    if published not in ("0", "1"):
        raise ApiError(400, "invalid_published", _("“published” must be true or false."))
    if published == "1":
        feedback.publish_feedback(walk, current_user._get_current_object())
        flash(_("The feedback page is published. Share the link or print the notice."), "success")
    else:
        feedback.unpublish_feedback(walk)
        flash(_("The feedback page is no longer public; its link no longer works."), "success")
    db.session.commit()
    return redirect(url_for("walks.show_walk", walk_id=walk.id) + "#feedback-heading")


@bp.route("/walks/<int:walk_id>/feedback/notice")
@staff_required
def notice(walk_id: int):
    """A printable A4 notice for stairwells with the feedback page's link and QR code."""
    walk = db.get_or_404(Walk, walk_id)
    page = feedback.active_feedback_page(walk.id)
    if page is None:
        flash(_("Publish the feedback page first."), "error")
        return redirect(url_for("walks.show_walk", walk_id=walk.id) + "#feedback-heading")
    url = _feedback_url(page.code)
    return render_template("followup/feedback_notice.html", walk=walk, url=url,
                           qr_svg=feedback.qr_svg(url), walk_date=to_local(walk.starts_at).date())
