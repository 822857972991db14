"""The residents' feedback page: publishing and revoking its link, what it shows (in route
order) and what it never shows, the walk page's control and the stairwell notice."""
from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
import segno

from tests.conftest import csrf_token, join_walk, post_form
from walkapp.extensions import db

# Distinctive strings planted in every field the page must never show.
PARTICIPANT_NAME = "Zylvester Qwumble"
PARTICIPANT_TEXT = "Xyzzyplugh ved cykelkælderen"
STAFF_NAME = "Bartholomew Staffsen"
CAPTURER_NAME = "Ingeborg Feltfrobnik"
CAPTURER_EMAIL = "ingeborg.feltfrobnik@example.org"
STAFF_TEXT = "Snarkhunt ved porten"
MEASURE_DESCRIPTION = "Intern beskrivelse Gribblewax"
HISTORY_NOTE = "Intern historiknote Quuxbarn"
WALK_NOTES = "Interne noter Wibbleton"
PUBLIC_NOTE = "Muren ejes af kommunen, som har fået besked."
PLANTED = (PARTICIPANT_NAME, PARTICIPANT_TEXT, STAFF_NAME, CAPTURER_NAME, CAPTURER_EMAIL,
           STAFF_TEXT, MEASURE_DESCRIPTION, HISTORY_NOTE, WALK_NOTES, "koordinator@example.org")

# Along DEMO_ROUTE (west → east): a finding's lon decides its place on the route.
START, DISMISSED, MIDDLE, DUPLICATE, END = 12.6037, 12.6045, 12.6054, 12.6062, 12.6070
CODE = re.compile(r"/f/([A-Za-z0-9_-]{43})$")


@pytest.fixture
def feedback_walk(app, coordinator, make_user, make_walk, make_finding):
    """A closed walk whose findings were reported out of route order, by a participant and
    two staff, with photos, measures of every kind, a dismissed finding and a duplicate."""
    from walkapp.auth.models import User
    from walkapp.findings.models import Photo
    from walkapp.measures.models import Measure, StatusChange
    from walkapp.seed import organisation_named
    from walkapp.walks.models import Participant

    capturer = make_user(CAPTURER_EMAIL, "staff", "VIBO")
    walk = make_walk(status="closed", title="Holmbladsgade aften", notes=WALK_NOTES)
    with app.app_context():
        db.session.get(User, coordinator["id"]).name = STAFF_NAME
        db.session.get(User, capturer["id"]).name = CAPTURER_NAME
        resident = Participant(walk_id=walk["id"], role="resident", display_name=PARTICIPANT_NAME)
        db.session.add(resident)
        db.session.commit()
        resident_id = resident.id
    # Reported from the end of the route backwards, so report order is not route order.
    end = make_finding(walk["id"], "lighting", lat=55.66676, lon=END, description=STAFF_TEXT,
                       user_id=capturer["id"])
    duplicate = make_finding(walk["id"], "lighting", lat=55.66658, lon=DUPLICATE,
                             state="duplicate", duplicate_of_id=end)
    middle = make_finding(walk["id"], "vegetation", lat=55.6664, lon=MIDDLE, user_id=None,
                          participant_id=resident_id, description=PARTICIPANT_TEXT)
    dismissed = make_finding(walk["id"], "litter", lat=55.66621, lon=DISMISSED, state="dismissed")
    start = make_finding(walk["id"], "graffiti", lat=55.66604, lon=START, user_id=None,
                         participant_id=resident_id, description=PARTICIPANT_TEXT)
    with app.app_context():
        photos = [Photo(finding_id=f, storage_key=uuid.uuid4().hex, sha256=c * 64, width=4, height=4)
                  for f, c in ((end, "a"), (middle, "b"), (start, "c"))]
        db.session.add_all(photos)
        from walkapp.findings.models import Finding

        f = {x.id: x for x in db.session.execute(db.select(Finding)).scalars()}
        done = Measure(title="Opsæt LED-lamper", status="done", due_on=date(2026, 3, 1),
                       description=MEASURE_DESCRIPTION, responsible_org=organisation_named("VIBO"),
                       findings=[f[end]])
        rejected = Measure(title="Fjern graffiti på muren", status="rejected",
                           public_note=PUBLIC_NOTE, findings=[f[start]],
                           responsible_org=organisation_named("Københavns Kommune – TMF"))
        planned = Measure(title="Beskær buskene", status="in_plan", due_on=date(2027, 5, 15),
                          findings=[f[middle]], responsible_org=organisation_named("VIBO"))
        db.session.add_all([done, rejected, planned])
        db.session.flush()
        db.session.add(StatusChange(measure_id=rejected.id, from_status="proposed",
                                    to_status="rejected", by_user_id=coordinator["id"],
                                    note=HISTORY_NOTE))
        db.session.commit()
        photo_ids = [str(p.id) for p in photos]
        measure_ids = {"done": done.id, "rejected": rejected.id, "planned": planned.id}
    return {"walk": walk["id"], "start": start, "middle": middle, "end": end,
            "dismissed": dismissed, "duplicate": duplicate, "photo_ids": photo_ids,
            "measures": measure_ids}


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def publish(client, token: str, walk_id: int, published: bool = True):
    return client.post(f"/api/v1/walks/{walk_id}/feedback", json={"published": published},
                       headers=_auth(token))


def path_of(url: str) -> str:
    match = CODE.search(url)
    assert match, url
    return f"/f/{match.group(1)}"


def feedback_rows(app) -> list[tuple[str, bool]]:
    """(code, revoked) of every stored feedback page."""
    from walkapp.followup.models import FeedbackPage

    with app.app_context():
        return [(p.code, p.revoked_at is not None)
                for p in db.session.execute(db.select(FeedbackPage).order_by(FeedbackPage.id)).scalars()]


# ---------------------------------------------------------------- publishing


def test_published_page_shows_each_finding_in_route_order_without_login(
        app, client, api_token, feedback_walk):
    response = publish(client, api_token, feedback_walk["walk"])
    assert response.status_code == 201
    url = response.get_json()["url"]
    assert url.startswith("http://localhost/f/")

    anonymous = app.test_client()
    page = anonymous.get(path_of(url))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Route numbers count the dismissed finding (2) and the duplicate (4), which are not listed.
    numbers = [int(n) for n in re.findall(r'class="feedback-item" data-number="(\d+)"', html)]
    assert numbers == [1, 3, 5]
    items = html.split('class="feedback-item"')[1:]
    assert "Graffiti" in items[0] and "Fjern graffiti på muren" in items[0]
    assert "Afvist" in items[0] and "Københavns Kommune – TMF" in items[0]
    assert PUBLIC_NOTE in items[0] and "Hvorfor ikke" in items[0]
    assert "Beplantning" in items[1] and "Beskær buskene" in items[1]
    assert "Planlagt i den langsigtede plan" in items[1] and "15.05.2027" in items[1]
    assert "Belysning" in items[2] and "Opsæt LED-lamper" in items[2]
    assert "Udført" in items[2] and "VIBO" in items[2] and "01.03.2026" in items[2]
    assert "Ikke taget videre: 2 mere" in html
    counts = re.search(r'<ul class="counts" id="category-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", counts) == ["Belysning: 1", "Graffiti: 1", "Beplantning: 1"]
    # Every number on the map is one in the list.
    assert re.findall(r'font-family="sans-serif" fill="#000">(\d+)</text>', html) == ["1", "3", "5"]
    assert "<path d=\"M" in html


def test_publishing_twice_keeps_the_link(app, client, api_token, feedback_walk):
    first = publish(client, api_token, feedback_walk["walk"])
    again = publish(client, api_token, feedback_walk["walk"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["url"] == first.get_json()["url"]
    assert len(feedback_rows(app)) == 1
    state = client.get(f"/api/v1/walks/{feedback_walk['walk']}/feedback", headers=_auth(api_token))
    assert state.get_json()["url"] == first.get_json()["url"]


def test_the_link_is_absolute_on_the_public_url(app, client, api_token, feedback_walk):
    app.config["PUBLIC_URL"] = "https://tryg.example.dk"
    url = publish(client, api_token, feedback_walk["walk"]).get_json()["url"]
    assert re.fullmatch(r"https://tryg\.example\.dk/f/[A-Za-z0-9_-]{43}", url)


def test_unpublished_link_is_404_for_good_and_publishing_again_makes_a_new_one(
        app, client, api_token, feedback_walk):
    walk_id = feedback_walk["walk"]
    old = path_of(publish(client, api_token, walk_id).get_json()["url"])
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 200

    off = publish(client, api_token, walk_id, published=False)
    assert off.status_code == 200 and off.get_json() == {"published": False, "url": None,
                                                          "published_at": None}
    gone = anonymous.get(old)
    assert gone.status_code == 404
    assert "Siden findes ikke" in gone.get_data(as_text=True)
    assert gone.headers["X-Robots-Tag"] == "noindex" and "Set-Cookie" not in gone.headers

    again = publish(client, api_token, walk_id)
    assert again.status_code == 201
    new = path_of(again.get_json()["url"])
    assert new != old
    assert anonymous.get(new).status_code == 200
    assert anonymous.get(old).status_code == 404
    assert [revoked for _, revoked in feedback_rows(app)] == [True, False]


def test_unpublishing_an_unpublished_walk_changes_nothing(app, client, api_token, feedback_walk):
    response = publish(client, api_token, feedback_walk["walk"], published=False)
    assert response.status_code == 200 and response.get_json()["published"] is False
    assert feedback_rows(app) == []


@pytest.mark.parametrize("body, code", [
    (b"not json", "invalid_json"),
    (b"[true]", "invalid_json"),
    (b"{}", "invalid_published"),
    (b'{"published": "yes"}', "invalid_published"),
    (b'{"published": 1}', "invalid_published"),
    (b'{"published": null}', "invalid_published"),
])
def test_bad_body_is_400_and_publishes_nothing(app, client, api_token, feedback_walk, body, code):
    response = client.post(f"/api/v1/walks/{feedback_walk['walk']}/feedback", data=body,
                           headers={**_auth(api_token), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == code and response.get_json()["message"]
    assert feedback_rows(app) == []


def test_unknown_walk_is_404(client, api_token):
    assert publish(client, api_token, 999999).status_code == 404


def test_participants_and_anonymous_visitors_cannot_publish(app, make_walk):
    walk = make_walk(status="active")
    anonymous = app.test_client()
    response = anonymous.post(f"/api/v1/walks/{walk['id']}/feedback", json={"published": True},
                              headers={"X-CSRFToken": csrf_token(anonymous)})
    assert response.status_code == 401

    participant = app.test_client()
    join_walk(participant, walk["join_code"])
    token = csrf_token(participant)
    response = participant.post(f"/api/v1/walks/{walk['id']}/feedback", json={"published": True},
                                headers={"X-CSRFToken": token})
    assert response.status_code == 401
    # The walk page's form and the notice send a participant to the staff login.
    response = participant.post(f"/walks/{walk['id']}/feedback",
                                data={"published": "1", "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = participant.get(f"/walks/{walk['id']}/feedback/notice")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert feedback_rows(app) == []


# ---------------------------------------------------------------- what the page never shows


@pytest.mark.parametrize("lang", ["da", "en"])
def test_page_never_shows_names_texts_photos_or_staff(app, client, api_token, feedback_walk, lang):
    path = path_of(publish(client, api_token, feedback_walk["walk"]).get_json()["url"])
    html = app.test_client().get(f"{path}?lang={lang}").get_data(as_text=True)
    assert "Opsæt LED-lamper" in html  # the page is there ...
    for planted in PLANTED:  # ... and nothing written by or naming a person is
        assert planted not in html, planted
    for photo_id in feedback_walk["photo_ids"]:
        assert photo_id not in html
    assert "/photos/" not in html and "<img" not in html
    assert str(feedback_walk["middle"]) not in html  # no finding ids either


def test_page_is_noindex_and_sets_no_cookie(app, client, api_token, feedback_walk):
    path = path_of(publish(client, api_token, feedback_walk["walk"]).get_json()["url"])
    response = app.test_client().get(path)
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "csrf" not in response.get_data(as_text=True).lower()
    assert response.headers["Cache-Control"] == "no-store"


def test_page_in_english_with_lang_and_danish_by_default(app, client, api_token, feedback_walk):
    path = path_of(publish(client, api_token, feedback_walk["walk"]).get_json()["url"])
    visitor = app.test_client()
    danish = visitor.get(path).get_data(as_text=True)
    assert '<html lang="da" dir="ltr">' in danish and "Udført" in danish and 'href="?lang=en"' in danish
    response = visitor.get(f"{path}?lang=en")
    english = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and 'href="?lang=da"' in english
    assert "What came of the safety walk" in english and "Done" in english and "Udført" not in english
    assert "Lighting" in english and "Rejected" in english and "Expected by" in english
    assert "Set-Cookie" not in response.headers


def test_an_unknown_or_malformed_code_is_404(app):
    visitor = app.test_client()
    assert visitor.get("/f/" + "A" * 43).status_code == 404
    assert visitor.get("/f/short").status_code == 404


def test_a_walk_without_findings_says_so(app, client, api_token, make_walk):
    walk = make_walk(status="closed", route=None)
    path = path_of(publish(client, api_token, walk["id"]).get_json()["url"])
    html = app.test_client().get(path).get_data(as_text=True)
    assert "Der blev ikke noteret nogen steder på denne vandring." in html
    assert "<svg" not in html and "Ikke taget videre" not in html


def test_a_finding_without_a_measure_reads_not_decided(app, client, api_token, make_walk, make_finding):
    walk = make_walk(status="closed")
    make_finding(walk["id"], "graffiti", state="parked")
    path = path_of(publish(client, api_token, walk["id"]).get_json()["url"])
    html = app.test_client().get(path).get_data(as_text=True)
    assert 'data-number="1"' in html and "Endnu ikke besluttet" in html


# ---------------------------------------------------------------- walk page control and notice


def test_walk_page_control_publishes_links_and_revokes(app, logged_in, feedback_walk):
    walk_id = feedback_walk["walk"]
    page = logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)
    assert 'id="feedback-publish"' in page and 'id="feedback-link"' not in page

    response = post_form(logged_in, f"/walks/{walk_id}/feedback", {"published": "1"})
    assert response.status_code == 302
    page = logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)
    assert "Tilbagemeldingen er offentliggjort" in page
    url = re.search(r'id="feedback-link" class="join-link">([^<]+)</a>', page).group(1)
    assert app.test_client().get(path_of(url)).status_code == 200
    assert f'href="/walks/{walk_id}/feedback/notice"' in page

    post_form(logged_in, f"/walks/{walk_id}/feedback", {"published": "0"})
    page = logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)
    assert 'id="feedback-publish"' in page and 'id="feedback-link"' not in page
    assert app.test_client().get(path_of(url)).status_code == 404


def test_walk_page_control_refuses_a_bad_value(app, logged_in, feedback_walk):
    response = post_form(logged_in, f"/walks/{feedback_walk['walk']}/feedback", {"published": "yes"})
    assert response.status_code == 400
    assert feedback_rows(app) == []


def test_notice_carries_the_qr_code_of_the_link(app, client, logged_in, api_token, feedback_walk):
    walk_id = feedback_walk["walk"]
    url = publish(client, api_token, walk_id).get_json()["url"]
    response = logged_in.get(f"/walks/{walk_id}/feedback/notice")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = segno.make(url, error="m", micro=False).svg_inline(
        scale=10, border=2, omitsize=True, svgclass="qr")
    assert expected in html
    assert url in html and "Hvad kom der ud af tryghedsvandringen?" in html
    assert "feedback.css" in html


def test_notice_before_publishing_sends_back_to_the_walk(logged_in, feedback_walk):
    walk_id = feedback_walk["walk"]
    response = logged_in.get(f"/walks/{walk_id}/feedback/notice")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/walks/{walk_id}")
    page = logged_in.get(f"/walks/{walk_id}").get_data(as_text=True)
    assert "Offentliggør tilbagemeldingen først." in page


# ---------------------------------------------------------------- the measure's public note


def test_public_note_is_edited_on_the_measure_form_and_shown_to_residents(
        app, client, logged_in, api_token, feedback_walk):
    measure_id = feedback_walk["measures"]["done"]
    form = logged_in.get(f"/measures/{measure_id}/edit").get_data(as_text=True)
    assert "Begrundelse til beboerne" in form and 'name="public_note"' in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    response = post_form(logged_in, f"/measures/{measure_id}/edit", {
        "title": "Opsæt LED-lamper", "description": MEASURE_DESCRIPTION, "version": version,
        "public_note": "  Lamperne blev sat op i uge 12.  ", "responsible_org": "",
    })
    assert response.status_code == 302
    path = path_of(publish(client, api_token, feedback_walk["walk"]).get_json()["url"])
    html = app.test_client().get(path).get_data(as_text=True)
    assert "Lamperne blev sat op i uge 12." in html


def test_public_note_through_the_measure_api(client, api_token, feedback_walk):
    measure_id = feedback_walk["measures"]["rejected"]
    current = client.get(f"/api/v1/measures/{measure_id}", headers=_auth(api_token)).get_json()
    assert current["public_note"] == PUBLIC_NOTE
    bad = client.patch(f"/api/v1/measures/{measure_id}", headers=_auth(api_token),
                       json={"version": current["version"], "public_note": 42})
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_public_note"
    ok = client.patch(f"/api/v1/measures/{measure_id}", headers=_auth(api_token),
                      json={"version": current["version"], "public_note": "Ny begrundelse"})
    assert ok.status_code == 200
    assert ok.get_json()["public_note"] == "Ny begrundelse"
    assert ok.get_json()["version"] == current["version"] + 1
