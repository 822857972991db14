"""Administration of organisations and estates."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)


@bp.route("/admin/organisations")
def list_organisations():
    """Placeholder; replaced by the admin pages."""
    return ""
