"""Language and time-zone selection; Danish date formats."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, has_request_context, request, session
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

# The participant side speaks the languages most spoken in Danish social housing besides Danish
# and English; staff pages stay in config LANGUAGES (da/en), which the staff work in.
PARTICIPANT_LANGUAGES = ("da", "en", "ar", "fa", "ur", "tr", "so", "pl", "uk")
RTL_LANGUAGES = frozenset({"ar", "fa", "ur"})
# Each language by its own name: a reader looks for the word they can read.
LANGUAGE_NAMES = {
    "da": "Dansk", "en": "English", "ar": "العربية", "fa": "فارسی", "ur": "اردو",
    "tr": "Türkçe", "so": "Soomaali", "pl": "Polski", "uk": "Українська",
}
# The pages a participant or resident sees: joining, capturing (and its API answers), the
# offline page, the feedback page, the privacy notice. Everything else is staff-side.
PARTICIPANT_BLUEPRINTS = frozenset({"participation", "findings_api"})
PARTICIPANT_ENDPOINTS = frozenset({
    "pwa.offline", "feedback.show_feedback", "privacy.privacy",
    # The capture page's other API calls (voice notes, a follow-up walk's checks and their
    # photos): the outbox shows their refusals' message to the participant.
    "audio.add_audio_note", "followup_api.create_check", "followup_api.list_checks",
    "followup_api.add_check_photo",
})
# The feedback page sets no cookie for an anonymous resident: its ?lang= is not remembered.
NO_SESSION_ENDPOINTS = frozenset({"feedback.show_feedback"})


def participant_page() -> bool:
    """Whether this request is for a participant-side page (or the capture API)."""
    if not has_request_context() or request.endpoint is None:
        return False
    endpoint = request.endpoint
    return endpoint in PARTICIPANT_ENDPOINTS or endpoint.split(".", 1)[0] in PARTICIPANT_BLUEPRINTS


def offered_languages() -> tuple[str, ...]:
    """The languages this page can be shown in."""
    if participant_page():
        return PARTICIPANT_LANGUAGES
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """On participant pages `?lang=`, then the language remembered in the session; the default
    (Danish) when neither is offered here, so a staff page never shows a participant language."""
    offered = offered_languages()
    asked = request.args.get("lang") if participant_page() else None
    for lang in (asked, session.get("lang")):
        if lang in offered:
            return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_asked_language() -> None:
    """A participant page opened with a valid `?lang=` keeps that language on the phone."""
    asked = request.args.get("lang")
    if (asked in PARTICIPANT_LANGUAGES and participant_page()
            and request.endpoint not in NO_SESSION_ENDPOINTS):
        session["lang"] = asked


def text_direction(language: str | None = None) -> str:
    """"rtl" for Arabic, Farsi and Urdu, else "ltr" (the page's language by default)."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def language_name_in(language: str, in_language: str) -> str:
    """A language's name in another language, e.g. ar in Danish: "arabisk"."""
    try:
        return Locale.parse(language).get_display_name(in_language) or language
    except (ValueError, UnknownLocaleError):
        return language


def written_in(language: str | None) -> str:
    """Staff's note beside a finding's text in another language than Danish: "Skrevet på
    arabisk" ("" for Danish or unknown)."""
    if not language or language == current_app.config["BABEL_DEFAULT_LOCALE"]:
        return ""
    return _("Written in %(language)s", language=language_name_in(language, current_language()))


def init_i18n(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_asked_language)
    app.jinja_env.globals.update(
        text_direction=text_direction, participant_page=participant_page,
        offered_languages=offered_languages, language_names=LANGUAGE_NAMES,
        written_in=written_in,
    )


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
