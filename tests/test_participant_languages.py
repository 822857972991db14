"""Participant pages in nine languages (Arabic, Farsi and Urdu right to left), staff pages in
Danish/English only, and the language a finding was written in (stored, returned, shown)."""
import json
import re

import pytest

from tests.capture_api_helpers import finding_payload, findings_url, send, stored_findings
from tests.conftest import post_form
from walkapp.i18n import LANGUAGE_NAMES, PARTICIPANT_LANGUAGES

OWN_NAMES = ["Dansk", "English", "العربية", "فارسی", "اردو", "Türkçe", "Soomaali", "Polski",
             "Українська"]


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def test_join_page_offers_every_language_by_its_own_name(client, walk):
    page = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    for code, name in zip(PARTICIPANT_LANGUAGES, OWN_NAMES, strict=True):
        assert LANGUAGE_NAMES[code] == name
        # A button of its own, marked with its language (a screen reader reads it in it).
        assert re.search(rf'formaction="/lang/{code}"[^>]*lang="{code}"[^>]*>{name}</button>', page), name


def test_lang_query_shows_the_join_page_in_arabic_right_to_left_and_is_remembered(client, walk):
    page = client.get(f"/j/{walk['join_code']}?lang=ar").get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "الانضمام إلى الجولة" in page and "Deltag i vandringen" not in page
    again = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert html_tag(again) == '<html lang="ar" dir="rtl">'


@pytest.mark.parametrize(("code", "direction", "start"), [
    ("fa", "rtl", "شروع"), ("ur", "rtl", "شروع کریں"), ("tr", "ltr", "Başla"),
    ("so", "ltr", "Bilow"), ("pl", "ltr", "Start"), ("uk", "ltr", "Почати"),
])
def test_the_switch_remembers_each_language_on_the_phone(client, walk, code, direction, start):
    response = post_form(client, f"/lang/{code}", {"next": f"/j/{walk['join_code']}"})
    assert response.status_code == 302
    page = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert html_tag(page) == f'<html lang="{code}" dir="{direction}">'
    assert f">{start}</button>" in page


def test_capture_page_and_its_strings_in_arabic(participant, walk):
    post_form(participant, "/lang/ar", {"next": "/"})
    page = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "ماذا وجدت؟" in page  # the sheet's heading
    strings = json.loads(re.search(r'id="capture-strings">(.*?)</script>', page).group(1))
    assert strings["waiting"] == "في الانتظار"  # the outbox's words, for the JS modules
    assert strings["waitingN"] == "في الانتظار ({n})"
    assert 'aria-current="true">العربية</button>' in page


def test_offline_and_privacy_pages_in_ukrainian(client):
    assert "Зараз немає зв'язку" in client.get("/offline?lang=uk").get_data(as_text=True)
    privacy = client.get("/privacy?lang=uk").get_data(as_text=True)
    assert html_tag(privacy) == '<html lang="uk" dir="ltr">' and "Ваші права" in privacy


def test_feedback_page_in_urdu_by_link_sets_no_cookie(client):
    response = client.get("/f/no-such-code?lang=ur")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_tag(page) == '<html lang="ur" dir="rtl">' and "یہ صفحہ دستیاب نہیں" in page
    assert "Set-Cookie" not in response.headers
    assert 'href="?lang=da"' in page and 'href="?lang=ar"' in page


def test_participant_error_page_in_polish(client):
    page = client.get("/j/ZZZZZZ?lang=pl").get_data(as_text=True)
    assert "Nie znaleźliśmy tego spaceru" in page


def test_staff_pages_stay_danish_with_a_participant_language(client):
    page = client.get("/login?lang=ar").get_data(as_text=True)
    assert html_tag(page) == '<html lang="da" dir="ltr">' and "Log ind" in page
    post_form(client, "/lang/ar", {"next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert html_tag(page) == '<html lang="da" dir="ltr">' and "Log ind" in page
    # The staff switch still offers only da/en.
    assert "العربية" not in page and ">\n    English</button>" in page


def test_english_chosen_for_staff_stays_english(client):
    post_form(client, "/lang/en", {"next": "/login"})
    assert '<html lang="en" dir="ltr">' in client.get("/login?lang=ar").get_data(as_text=True)


# ---------------------------------------------------------------- Finding.language


def test_language_sent_by_the_phone_is_stored_and_returned(app, participant, walk):
    payload = finding_payload(description="الإضاءة معطلة عند المدخل", language="ar")
    response = send(participant, "POST", findings_url(walk["id"]), json=payload)
    assert response.status_code == 201
    assert response.get_json()["language"] == "ar"
    assert response.get_json()["description"] == "الإضاءة معطلة عند المدخل"
    [finding] = stored_findings(app, walk["id"])
    assert finding.language == "ar" and finding.description == "الإضاءة معطلة عند المدخل"
    listed = participant.get(findings_url(walk["id"])).get_json()["features"][0]["properties"]
    assert listed["language"] == "ar"


def test_without_a_language_the_page_language_is_stored(app, participant, walk):
    post_form(participant, "/lang/so", {"next": "/"})
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), json=payload).status_code == 201
    assert stored_findings(app, walk["id"])[0].language == "so"


@pytest.mark.parametrize("language", ["xx", "AR", "", 7, ["ar"]])
def test_unknown_language_is_refused_and_stores_nothing(app, participant, walk, language):
    response = send(participant, "POST", findings_url(walk["id"]), json=finding_payload(language=language))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_language"
    assert stored_findings(app, walk["id"]) == []


def test_staff_see_the_language_beside_the_text(app, logged_in, make_walk, make_finding):
    walk_id = make_walk()["id"]
    arabic = make_finding(walk_id, description="الإضاءة معطلة", language="ar")
    danish = make_finding(walk_id, description="Mørk sti", language="da")
    page = logged_in.get(f"/findings/{arabic}").get_data(as_text=True)
    assert "Skrevet på arabisk" in page
    assert 'lang="ar" dir="auto">الإضاءة معطلة<' in page
    assert "Skrevet på" not in logged_in.get(f"/findings/{danish}").get_data(as_text=True)
    triage = logged_in.get("/findings").get_data(as_text=True)
    assert triage.count("Skrevet på arabisk") == 1
    post_form(logged_in, "/lang/en", {"next": "/"})
    assert "Written in Arabic" in logged_in.get(f"/findings/{arabic}").get_data(as_text=True)
