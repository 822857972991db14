"""Dashboard page and its JSON API."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)
