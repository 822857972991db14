"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import Flask, current_app

from walkapp.i18n import current_language, show_date, show_datetime
from walkapp.labels import rating_label, short_id


def map_settings() -> dict:
    """Tile layer and default view for every Leaflet map (configuration, not code)."""
    lat, lon, zoom = current_app.config["MAP_DEFAULT_CENTER"]
    return {
        "tileUrl": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "center": [lat, lon],
        "zoom": zoom,
    }


# Danish number formats in both languages, like the dates (walkapp.i18n): a printed overview
# reads the same whichever language printed it.
NUMBER_LOCALE = "da"


def show_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number as pages show it: "12,5", "15.000"; a fixed number of decimals when given
    ("0,0"); "–" for none. The one way pages show numbers."""
    if value is None:
        return "–"
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=NUMBER_LOCALE)


def register(app: Flask) -> None:
    app.jinja_env.filters["dt"] = show_datetime
    app.jinja_env.filters["d"] = show_date
    app.jinja_env.filters["num"] = show_number
    app.jinja_env.filters["short_id"] = short_id
    app.jinja_env.globals["rating_label"] = rating_label
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["map_settings"] = map_settings

    @app.after_request
    def security_headers(response):
        """Defaults that cost nothing: no sniffing, no framing, no referrer leaks of join codes."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
