"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask, current_app

from walkapp.i18n import current_language, show_date, show_datetime


def map_settings() -> dict:
    """Tile layer and default view for every Leaflet map (configuration, not code)."""
    lat, lon, zoom = current_app.config["MAP_DEFAULT_CENTER"]
    return {
        "tileUrl": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "center": [lat, lon],
        "zoom": zoom,
    }


def register(app: Flask) -> None:
    app.jinja_env.filters["dt"] = show_datetime
    app.jinja_env.filters["d"] = show_date
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["map_settings"] = map_settings

    @app.after_request
    def security_headers(response):
        """Defaults that cost nothing: no sniffing, no framing, no referrer leaks of join codes."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
