"""Measures JSON API."""
from flask import Blueprint

bp = Blueprint("measures_api", __name__, url_prefix="/api/v1")
