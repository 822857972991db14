"""Language and time-zone selection; Danish date formats."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, current_app, session
from flask_babel import Babel, format_date, format_datetime, get_locale

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

# Danish formats, used for English too so printed overviews read the same in both languages.
DATETIME_FORMAT = "dd.MM.yyyy HH:mm"
DATE_FORMAT = "dd.MM.yyyy"


def select_locale() -> str:
    """The language remembered in the session, else the default (Danish)."""
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)


def show_datetime(value: datetime | None) -> str:
    """An aware UTC datetime shown in Europe/Copenhagen, e.g. 29.11.2026 19:30."""
    if value is None:
        return ""
    return format_datetime(value, DATETIME_FORMAT)


def show_date(value: date | None) -> str:
    if value is None:
        return ""
    return format_date(value, DATE_FORMAT)


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
