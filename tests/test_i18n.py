"""Every UI string is translated to Danish, Danish is the default and English is selectable."""
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import post_form
from tests.i18n_helpers import (
    PARTICIPANT_ONLY_LANGUAGES,
    participant_msgids,
    po_path,
    read_catalogue,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "walkapp" / "translations" / "da" / "LC_MESSAGES"
METHOD_MAP = [("walkapp/**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "N_": None}


def source_msgids() -> set[str]:
    msgids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        msgids.add(message[0] if isinstance(message, tuple) else message)
    return msgids


@pytest.fixture(scope="module")
def danish():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="da")


def test_every_ui_string_has_a_danish_translation(danish):
    missing = sorted(
        msgid for msgid in source_msgids()
        if not (danish.get(msgid) and danish.get(msgid).string and not danish.get(msgid).fuzzy)
    )
    assert not missing, f"untranslated msgids (run `make messages` and translate): {missing}"


def test_compiled_catalogue_matches_the_po_file(danish):
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    stale = [m.id for m in danish if m.id and m.string and not m.fuzzy
             and (compiled.get(m.id) is None or compiled.get(m.id).string != m.string)]
    assert not stale, f"messages.mo is older than messages.po (run `make translations`): {stale[:5]}"


def test_danish_by_default_and_english_remembered_in_the_session(client):
    assert "Log ind" in client.get("/login").get_data(as_text=True)
    response = post_form(client, "/lang/en", {"next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "Log ind" not in page
    assert '<html lang="en" dir="ltr">' in page


def test_unknown_language_is_refused(client):
    assert post_form(client, "/lang/xx").status_code == 404
    assert "Log ind" in client.get("/login").get_data(as_text=True)


def test_times_shown_in_copenhagen_in_danish_format(app):
    from walkapp.i18n import show_date, show_datetime

    with app.test_request_context("/"):
        # 18:30 UTC in November is 19:30 in Copenhagen (CET); in July it is 20:30 (CEST).
        assert show_datetime(datetime(2026, 11, 29, 18, 30, tzinfo=UTC)) == "29.11.2026 19:30"
        assert show_datetime(datetime(2026, 7, 1, 18, 30, tzinfo=UTC)) == "01.07.2026 20:30"
        assert show_date(datetime(2026, 11, 29).date()) == "29.11.2026"


# ---------------------------------------------------------------- participant languages

PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture(scope="module")
def participant_ids() -> list[str]:
    """Every msgid a participant page can show (tests/i18n_helpers.py)."""
    return participant_msgids()


@pytest.mark.parametrize("language", PARTICIPANT_ONLY_LANGUAGES)
def test_every_participant_string_is_translated_with_its_placeholders(language, participant_ids):
    catalogue = read_catalogue(language)
    missing = [m for m in participant_ids
               if not (catalogue.get(m) and catalogue.get(m).string and not catalogue.get(m).fuzzy)]
    assert not missing, f"{language}: untranslated participant msgids: {missing}"
    broken = [m for m in participant_ids
              if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(catalogue.get(m).string))]
    assert not broken, f"{language}: placeholders changed in {broken}"


@pytest.mark.parametrize("language", ("da", *PARTICIPANT_ONLY_LANGUAGES))
def test_every_compiled_catalogue_matches_its_po_file(language):
    catalogue = read_catalogue(language)
    with open(po_path(language).with_suffix(".mo"), "rb") as handle:
        compiled = read_mo(handle)
    stale = [m.id for m in catalogue if m.id and m.string and not m.fuzzy
             and (compiled.get(m.id) is None or compiled.get(m.id).string != m.string)]
    assert not stale, f"{language}: messages.mo is older than messages.po (`make translations`): {stale[:5]}"


def test_participant_strings_are_danish_ui_strings():
    # A msgid listed for participants but gone from the code would be translated for nothing.
    assert set(participant_msgids()) <= source_msgids()
