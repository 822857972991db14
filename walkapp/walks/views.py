"""Walk pages: list, plan, show, capture, join."""
from flask import Blueprint, render_template

from walkapp.auth.security import staff_required
from walkapp.extensions import db
from walkapp.walks.models import Walk

bp = Blueprint("walks", __name__)


@bp.route("/walks")
@staff_required
def list_walks():
    """All walks and inspections, newest first."""
    walks = db.session.execute(db.select(Walk).order_by(Walk.starts_at.desc())).scalars().all()
    return render_template("walks/list.html", walks=walks)
