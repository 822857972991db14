"""Finding detail: facts, corrections with history, bad input, photo hiding, access."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import post_form
from walkapp.extensions import db


@pytest.fixture
def english(logged_in):
    """The coordinator's client in English (messages are the msgids)."""
    post_form(logged_in, "/lang/en")
    return logged_in


@pytest.fixture
def finding(app, make_walk, make_finding):
    """A participant's finding with a photo and a linked measure."""
    from walkapp.findings.models import Finding, Photo
    from walkapp.measures.models import Measure
    from walkapp.walks.models import Participant

    walk = make_walk()
    with app.app_context():
        participant = Participant(walk_id=walk["id"], role="police", display_name="Betjent")
        db.session.add(participant)
        db.session.commit()
        participant_id = participant.id
    fid = make_finding(walk["id"], participant_id=participant_id, user_id=None, rating=1,
                       description="Busken skjuler stien")
    with app.app_context():
        photo = Photo(finding_id=fid, storage_key=uuid.uuid4().hex, sha256="c" * 64, width=4, height=4)
        db.session.add(photo)
        db.session.add(Measure(title="Beskær busken", status="agreed", findings=[db.session.get(Finding, fid)]))
        db.session.commit()
        return {"id": fid, "photo": photo.id}


def load(app, fid):
    from walkapp.findings.models import Finding, FindingChange

    with app.app_context():
        f = db.session.get(Finding, fid)
        changes = db.session.execute(db.select(FindingChange).where(FindingChange.finding_id == fid)).scalars().all()
        return (f.category.code, f.lat, f.lon, f.description), [(c.field, c.old_value, c.new_value) for c in changes]


def test_detail_shows_role_photos_and_measures(finding, english):
    """The reporter's role, the photo (thumbnail linking to full size) and the measure are shown."""
    html = english.get(f"/findings/{finding['id']}").get_data(as_text=True)
    assert "Police" in html and "Busken skjuler stien" in html
    assert f'href="/photos/{finding["photo"]}.jpg"' in html
    assert f'/photos/{finding["photo"]}/thumb.jpg' in html
    assert "Beskær busken" in html and "Agreed" in html
    assert 'id="triage-map-data"' in html


def test_correction_is_kept_in_history(app, finding, english):
    """Category, place and text changes are saved and listed with old and new values."""
    response = post_form(english, f"/findings/{finding['id']}", {
        "category": "vegetation", "lat": "55.6670", "lon": "12.6070", "description": "Høj hæk skjuler stien",
    })
    assert response.status_code == 302
    values, changes = load(app, finding["id"])
    assert values == ("vegetation", 55.667, 12.607, "Høj hæk skjuler stien")
    assert {c[0] for c in changes} == {"category", "lat", "lon", "description"}
    assert ("category", "lighting", "vegetation") in changes
    html = english.get(f"/findings/{finding['id']}").get_data(as_text=True)
    assert "History" in html and "Busken skjuler stien" in html and "koordinator@example.org" in html


@pytest.mark.parametrize("data, message", [
    ({"category": "lighting", "lat": "91", "lon": "12.6"}, "Latitude must be between -90 and 90."),
    ({"category": "lighting", "lat": "55.6", "lon": "-181"}, "Longitude must be between -180 and 180."),
    ({"category": "no_such_category", "lat": "55.6", "lon": "12.6"}, "Unknown category."),
    ({"category": "lighting", "lat": "abc", "lon": "12.6"}, None),
    ({"category": "lighting", "lat": "55.6", "lon": "12.6", "description": "x" * 2001}, None),
])
def test_bad_corrections_change_nothing(app, finding, english, data, message):
    """Out-of-range places, unknown categories and too long text → 400 with a message, no change."""
    before = load(app, finding["id"])
    response = post_form(english, f"/findings/{finding['id']}", data)
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert load(app, finding["id"]) == before


def test_hide_and_show_photo(app, finding, english):
    """Hiding a photo sets Photo.hidden (left out of exports) and is recorded; showing undoes it."""
    from walkapp.findings.models import Photo

    base = f"/findings/{finding['id']}/photos/{finding['photo']}"
    assert post_form(english, base + "/hide").status_code == 302
    with app.app_context():
        assert db.session.get(Photo, finding["photo"]).hidden is True
    html = english.get(f"/findings/{finding['id']}").get_data(as_text=True)
    assert "Hidden from every export" in html
    assert english.post(base + "/show").status_code == 400  # no CSRF token: nothing changes
    with app.app_context():
        assert db.session.get(Photo, finding["photo"]).hidden is True
    assert post_form(english, base + "/show").status_code == 302
    with app.app_context():
        assert db.session.get(Photo, finding["photo"]).hidden is False
    assert [c[0] for c in load(app, finding["id"])[1]] == ["photo_hidden", "photo_hidden"]
    assert post_form(english, f"/findings/{finding['id']}/photos/{uuid.uuid4()}/hide").status_code == 404


def test_access(app, client, finding):
    """Anonymous users and participants are sent to the login; an unknown id is 404 for staff."""
    url = f"/findings/{finding['id']}"
    assert "/login" in client.get(url).headers["Location"]
    from walkapp.findings.models import Finding

    with app.app_context():
        f = db.session.get(Finding, finding["id"])
        ids = f.participant_id, f.walk_id
    with client.session_transaction() as session:
        session["participant_id"], session["walk_id"] = ids
    assert "/login" in client.get(url).headers["Location"]
    response = post_form(client, url, {"category": "graffiti", "lat": "55.6", "lon": "12.6"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert load(app, finding["id"])[0][0] == "lighting"


def test_unknown_finding_is_404(logged_in):
    """A made-up id is a 404 page, not an error."""
    assert logged_in.get(f"/findings/{uuid.uuid4()}").status_code == 404
    assert logged_in.get("/findings/not-a-uuid").status_code == 404
