"""Walks JSON API."""
from flask import Blueprint

bp = Blueprint("walks_api", __name__, url_prefix="/api/v1")
