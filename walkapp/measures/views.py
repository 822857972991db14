"""Measure pages, follow-up and the 10-year plan."""
from flask import Blueprint

bp = Blueprint("measures", __name__)
