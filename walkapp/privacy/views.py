"""The privacy page for participants: who is the data controller, what is stored, how long."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def privacy():
    """Plain privacy notice (Danish or English by the language switch); no login needed."""
    return render_template("privacy/privacy.html")
