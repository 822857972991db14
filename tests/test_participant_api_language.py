"""The capture API refuses in the participant's language: the outbox shows the `message` under a
finding that needs attention, so an Arabic speaker must read Arabic there. The `error` code stays
the same stable English code in every language, and nothing is stored. Also the join page's
privacy paragraph, which tells every language what happens to the anonymous profile."""
import uuid

import pytest

from tests.audio_helpers import post_audio
from tests.capture_api_helpers import bearer, finding_payload, findings_url, send, stored_findings
from tests.conftest import join_walk
from tests.i18n_helpers import read_catalogue

BAD_RATING = "The rating must be 0, 1, 2, 3 or empty."


def in_language(language: str, msgid: str) -> str:
    """A msgid as that language's catalogue words it (Danish: the staff default)."""
    return read_catalogue(language).get(msgid).string


def joined_in(app, join_code: str, language: str):
    """A phone that opened the join page in `language` and joined from it."""
    phone = app.test_client()
    assert phone.get(f"/j/{join_code}?lang={language}").status_code == 200
    join_walk(phone, join_code)
    return phone


def test_a_bad_finding_is_refused_in_arabic_with_the_same_code(app, walk):
    phone = joined_in(app, walk["join_code"], "ar")
    response = send(phone, "POST", findings_url(walk["id"]), json=finding_payload(rating=7))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_rating"
    assert body["message"] == "يجب أن يكون التقييم 0 أو 1 أو 2 أو 3 أو فارغًا."
    assert stored_findings(app, walk["id"]) == []


@pytest.mark.parametrize("language", ["da", "en", "fa", "ur", "tr", "so", "pl", "uk"])
def test_every_participant_language_words_the_refusal_in_that_language(app, walk, language):
    phone = joined_in(app, walk["join_code"], language)
    body = send(phone, "POST", findings_url(walk["id"]), json=finding_payload(rating=7)).get_json()
    assert body["error"] == "invalid_rating"
    expected = BAD_RATING if language == "en" else in_language(language, BAD_RATING)
    assert body["message"] == expected
    assert language == "en" or body["message"] != BAD_RATING


def test_a_voice_note_that_is_really_html_is_refused_in_arabic(app, walk):
    phone = joined_in(app, walk["join_code"], "ar")
    finding = finding_payload()
    assert send(phone, "POST", findings_url(walk["id"]), json=finding).status_code == 201
    response = post_audio(phone, finding["id"], b"<!doctype html><p>not a voice note</p>", "voice.webm")
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_audio"
    assert response.get_json()["message"] == (
        "هذه ليست رسالة صوتية يستطيع التطبيق تشغيلها. سجّلها مرة أخرى في التطبيق.")


def test_a_follow_up_check_with_an_unknown_verdict_is_refused_in_turkish(
        app, client, api_token, make_walk, make_finding):
    previous = make_walk(status="closed")
    lamp = make_finding(previous["id"])
    planned = client.post(f"/api/v1/walks/{previous['id']}/follow-up-walk", headers=bearer(api_token),
                          json={"starts_at": "2027-05-20T19:00:00+02:00", "title": ""})
    assert planned.status_code == 201, planned.get_json()
    follow_up = planned.get_json()
    phone = joined_in(app, follow_up["join_code"], "tr")
    response = send(phone, "POST", f"/api/v1/walks/{follow_up['id']}/checks",
                    json={"id": str(uuid.uuid4()), "finding_id": str(lamp), "verdict": "gone"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_verdict"
    assert response.get_json()["message"] == "Sonuç fixed, still veya worse olmalı."


def test_an_expired_form_token_is_explained_in_ukrainian(app, walk):
    phone = joined_in(app, walk["join_code"], "uk")
    response = phone.post(findings_url(walk["id"]), json=finding_payload(),
                          headers={"X-CSRFToken": "stale"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"
    assert response.get_json()["message"] == (
        "Термін дії форми минув. Перезавантажте сторінку й спробуйте ще раз.")
    assert stored_findings(app, walk["id"]) == []



@pytest.mark.parametrize(("language", "profile", "deleted"), [
    ("da", "Aldersgruppe, køn og om du bruger rollator eller kørestol er frivilligt og anonymt: det "
           "vises kun som tal for grupper på mindst fem personer.", "slettes {m} måneder efter"),
    ("ar", "لا تُعرض إلا كأرقام لمجموعات من خمسة أشخاص على الأقل", "بعد {m} شهرًا من انتهاء الجولة"),
    ("pl", "są opcjonalne i anonimowe", "usuwane {m} mies. po zakończeniu spaceru"),
])
def test_the_join_page_says_the_profile_is_optional_anonymous_and_only_counted_in_fives(
        app, client, walk, language, profile, deleted):
    page = client.get(f"/j/{walk['join_code']}?lang={language}").get_data(as_text=True)
    notice = page[page.index('class="privacy-notice"'):]
    notice = notice[:notice.index("</section>")]
    assert profile in notice
    # What the paragraph said before is still said: role, name, findings, when they are deleted.
    assert deleted.format(m=app.config["RETENTION_MONTHS"]) in notice
