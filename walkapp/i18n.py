"""Language and time-zone selection; Danish date formats."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask, current_app, session
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_babel import gettext as _
from wtforms import Field, Form
from wtforms.validators import ValidationError

from walkapp.dates import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    EARLIEST_DATE,
    EARLIEST_YEAR,
    LATEST_DATE,
    LATEST_YEAR,
    date_in_range,
)

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"



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
    try:
        return format_datetime(value, DATETIME_FORMAT)
    except OverflowError:
        # The last hours of year 9999 have no local time: shown in UTC, and labelled so.
        return format_datetime(value.astimezone(UTC), DATETIME_FORMAT + " 'UTC'", rebase=False)


def show_date(value: date | None) -> str:
    if value is None:
        return ""
    return format_date(value, DATE_FORMAT)


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def date_range_error(field: str) -> str:
    """The API's message for a date outside the years staff may type (field = its JSON key)."""
    return _("%(field)s must be a date between %(first)s and %(last)s.",
             field=field, first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat())


def date_in_range_validator(form: Form, field: Field) -> None:
    """WTForms validator: a typed date (or date and time) lies within the years staff may type."""
    if field.data is not None and not date_in_range(field.data):
        raise ValidationError(_("Enter a date between the years %(first)s and %(last)s.",
                                first=EARLIEST_YEAR, last=LATEST_YEAR))
