"""Service worker, manifest and offline page routes."""
from flask import Blueprint

bp = Blueprint("pwa", __name__)
