"""Exports: GeoJSON, CSV/XLSX, photo archive, folium follow-up map and Open311 GeoReport v2."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register the export and Open311 blueprints."""
    from walkapp.exports.open311 import bp as open311_bp
    from walkapp.exports.views import bp as exports_bp

    app.register_blueprint(exports_bp)
    app.register_blueprint(open311_bp)
