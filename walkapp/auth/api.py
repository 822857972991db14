"""Small API endpoints shared by all domains."""
from flask import Blueprint, jsonify
from flask_wtf.csrf import generate_csrf

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


@bp.get("/csrf")
def csrf_token():
    """A fresh CSRF token for the offline outbox before it replays queued writes."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response
