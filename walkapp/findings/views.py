"""Finding pages and category administration."""
from flask import Blueprint

bp = Blueprint("findings", __name__)


@bp.route("/admin/categories")
def list_categories():
    """Placeholder; replaced by the admin pages."""
    return ""
