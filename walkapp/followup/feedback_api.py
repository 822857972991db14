"""Feedback page JSON API: publish and revoke a walk's page for residents."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.auth.security import staff_required
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.followup import feedback
from walkapp.followup.models import FeedbackPage
from walkapp.request_input import json_object
from walkapp.urls import external_url
from walkapp.walks.models import Walk

bp = Blueprint("feedback_api", __name__, url_prefix="/api/v1")


def feedback_json(page: FeedbackPage | None) -> dict:
    """The API representation of a walk's feedback page state."""
    if page is None:
        return {"published": False, "url": None, "published_at": None}
    return {"published": True, "url": external_url("feedback.show_feedback", code=page.code),
            "published_at": page.published_at.isoformat()}


@bp.route("/walks/<int:walk_id>/feedback", methods=["GET"])
@staff_required
def get_feedback(walk_id: int):
    """Whether the walk's feedback page is published, and its URL."""
    walk = db.get_or_404(Walk, walk_id)
    return jsonify(feedback_json(feedback.active_feedback_page(walk.id)))


@bp.route("/walks/<int:walk_id>/feedback", methods=["POST"])
@staff_required
def set_feedback(walk_id: int):
    """{"published": true} → 201 with a new URL (200 with the same one when already
    published); {"published": false} → 200, the URL answers 404 from then on."""
    walk = db.get_or_404(Walk, walk_id)
    published = json_object().get("published")
    if not isinstance(published, bool):
        raise ApiError(400, "invalid_published", _("“published” must be true or false."))
    if not published:
        feedback.unpublish_feedback(walk)
        db.session.commit()
        return jsonify(feedback_json(None))
    page, created = feedback.publish_feedback(walk, current_user._get_current_object())
    db.session.commit()
    return jsonify(feedback_json(page)), 201 if created else 200
