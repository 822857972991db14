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


@bp.route("/walks/<int:walk_id>/capture")
@staff_required
def capture(walk_id: int):
    """Placeholder until the capture issue lands."""
    walk = db.get_or_404(Walk, walk_id)
    return render_template("walks/list.html", walks=[walk])
