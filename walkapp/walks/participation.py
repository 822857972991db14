"""Joining a walk by code and the capture page (participants and staff)."""
from flask import Blueprint

bp = Blueprint("participation", __name__)
