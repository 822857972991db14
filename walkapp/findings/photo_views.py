"""Photos served by a view that checks access (never from static/)."""
from flask import Blueprint

bp = Blueprint("photos", __name__)
