"""The printable overview of possible measures for a walk."""
from flask import Blueprint

bp = Blueprint("report", __name__)
