"""Triage list and finding detail for staff."""
from flask import Blueprint

bp = Blueprint("triage", __name__)
