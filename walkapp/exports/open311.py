"""Open311 GeoReport v2 feed of findings under /open311/v2/."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
