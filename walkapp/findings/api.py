"""Capture API: findings and photos."""
from flask import Blueprint

bp = Blueprint("findings_api", __name__, url_prefix="/api/v1")
