"""The follow-up walk API: planning it, the checks (201/200/409/400), their photos
(idempotent, access-checked), who may call what, and the chain of walks on a route."""
from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.capture_api_helpers import bearer, send
from tests.conftest import csrf_token, join_walk, post_form
from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp.extensions import db
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.orgs.models import Estate
from walkapp.walks.models import Walk


@pytest.fixture
def follow_up(app, client, api_token, make_walk, make_finding, estate_id):
    """A closed walk with three findings (one dismissed), its follow-up walk planned through
    the API, and a participant joined to the follow-up walk."""
    with app.app_context():
        walk = make_walk(status="closed", title="Holmbladsgade aften", meeting_lat=55.666, meeting_lon=12.604)
        stored = db.session.get(Walk, walk["id"])
        stored.estates = [db.session.get(Estate, estate_id)]
        db.session.commit()
    lamp = make_finding(walk["id"], description="Mørk passage", rating=0)
    tags = make_finding(walk["id"], category="graffiti", rating=2)
    gone = make_finding(walk["id"], category="litter", state="dismissed")
    response = client.post(f"/api/v1/walks/{walk['id']}/follow-up-walk", headers=bearer(api_token),
                           json={"starts_at": "2027-05-20T19:00:00+02:00", "title": ""})
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    phone = app.test_client()
    join_walk(phone, new["join_code"])
    return {"previous": walk["id"], "walk": new, "lamp": str(lamp), "tags": str(tags), "gone": str(gone),
            "phone": phone}


def check_payload(finding_id: str, **overrides) -> dict:
    """A verdict as the capture page sends it."""
    payload = {"id": str(uuid.uuid4()), "finding_id": finding_id, "verdict": "still",
               "note": "Lampen er stadig i stykker", "observed_at": "2027-05-20T19:20:00.000+02:00"}
    payload.update(overrides)
    return payload


def checks_url(walk_id: int) -> str:
    return f"/api/v1/walks/{walk_id}/checks"


def test_the_follow_up_walk_copies_route_meeting_point_and_estates_and_links_back(app, follow_up, estate_id):
    """The new walk is planned, has its own join code, the same route/meeting/estates, and
    names the walk it follows up."""
    new = follow_up["walk"]
    with app.app_context():
        previous = db.session.get(Walk, follow_up["previous"])
        assert new["status"] == "planned"
        assert new["join_code"] != previous.join_code
        assert new["route"] == previous.route and new["meeting_point"] == previous.meeting_point
        assert (new["meeting_lat"], new["meeting_lon"]) == (previous.meeting_lat, previous.meeting_lon)
        assert [e["id"] for e in new["estates"]] == [estate_id]
        assert new["previous_walk_id"] == previous.id
        # An empty title is offered the walk's own, prefixed.
        assert new["title"] == "Opfølgning: Holmbladsgade aften"


def test_a_bad_date_is_refused_with_the_walk_date_code_and_creates_nothing(app, client, api_token, make_walk):
    """Same code as creating a walk; no walk is added."""
    walk = make_walk()
    for starts_at in ("next tuesday", "0202-05-01T19:00", None):
        response = client.post(f"/api/v1/walks/{walk['id']}/follow-up-walk", headers=bearer(api_token),
                               json={"starts_at": starts_at, "title": "Igen"})
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_starts_at"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Walk.id))).scalar_one() == 1


def test_participants_cannot_plan_a_follow_up_walk(app, walk, participant):
    """A participant's session is no staff login, with or without CSRF."""
    response = send(participant, "POST", f"/api/v1/walks/{walk['id']}/follow-up-walk",
                    {"starts_at": "2027-05-20T19:00:00+02:00", "title": "x"})
    assert response.status_code in (401, 403, 404)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Walk.id))).scalar_one() == 1


def test_a_check_is_stored_once_and_a_resend_answers_200_with_the_same_check(app, follow_up):
    """201, then 200 with the same body; one row."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    payload = check_payload(follow_up["lamp"])
    first = send(phone, "POST", checks_url(walk_id), payload)
    assert first.status_code == 201, first.get_json()
    again = send(phone, "POST", checks_url(walk_id), payload)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert first.get_json()["verdict"] == "still" and first.get_json()["mine"] is True
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(FindingCheck.id))).scalar_one() == 1


def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(app, follow_up):
    """409 `conflict`; the stored verdict stays."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    payload = check_payload(follow_up["lamp"])
    assert send(phone, "POST", checks_url(walk_id), payload).status_code == 201
    for change in ({"verdict": "fixed"}, {"note": "Anden tekst"}, {"finding_id": follow_up["tags"]},
                   {"observed_at": "2027-05-20T19:25:00+02:00"}):
        response = send(phone, "POST", checks_url(walk_id), {**payload, **change})
        assert response.status_code == 409, change
        assert response.get_json()["error"] == "conflict"
    with app.app_context():
        check = db.session.get(FindingCheck, uuid.UUID(payload["id"]))
        assert (check.verdict, check.note) == ("still", "Lampen er stadig i stykker")


def test_a_finding_that_is_not_the_previous_walks_or_was_set_aside_is_unknown(app, follow_up, make_walk, make_finding):
    """Dismissed findings, another walk's findings and junk ids → 400 unknown_finding."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    other = str(make_finding(make_walk()["id"]))
    for finding_id in (follow_up["gone"], other, str(uuid.uuid4()), "not-a-uuid", 42, None):
        response = send(phone, "POST", checks_url(walk_id), check_payload(finding_id))
        assert response.status_code == 400, finding_id
        assert response.get_json()["error"] == "unknown_finding"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(FindingCheck.id))).scalar_one() == 0


def test_bad_verdicts_notes_ids_and_times_are_refused_with_their_codes(follow_up):
    """Each bad field has its stable code."""
    phone, walk_id, lamp = follow_up["phone"], follow_up["walk"]["id"], follow_up["lamp"]
    cases = [
        ({"verdict": "maybe"}, "invalid_verdict"), ({"verdict": None}, "invalid_verdict"),
        ({"note": 5}, "invalid_note"), ({"note": "x" * 2001}, "note_too_long"),
        ({"id": "abc"}, "invalid_id"), ({"observed_at": "yesterday"}, "invalid_observed_at"),
    ]
    for change, code in cases:
        response = send(phone, "POST", checks_url(walk_id), check_payload(lamp, **change))
        assert (response.status_code, response.get_json()["error"]) == (400, code), change


def test_a_walk_without_a_previous_walk_takes_no_checks(follow_up, api_token, client):
    """The previous walk itself is no follow-up walk."""
    response = client.post(checks_url(follow_up["previous"]), headers=bearer(api_token),
                           json=check_payload(follow_up["lamp"]))
    assert response.status_code == 400
    assert response.get_json()["error"] == "not_a_follow_up_walk"


def test_a_wrong_phone_clock_is_kept_for_staff_and_the_check_is_stored(app, follow_up):
    """Same clock rule as findings: year 2001 is not believed, the receive time is stored."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    payload = check_payload(follow_up["lamp"], observed_at="2001-01-01T00:00:00+01:00")
    body = send(phone, "POST", checks_url(walk_id), payload).get_json()
    assert body["phone_observed_at"] == "2001-01-01T00:00:00+01:00"
    assert not body["observed_at"].startswith("2001")
    assert send(phone, "POST", checks_url(walk_id), payload).status_code == 200


def test_broken_text_in_a_note_is_repaired_not_refused(app, follow_up):
    """Half an emoji and NUL become U+FFFD, as in findings."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    raw = '{"id": "%s", "finding_id": "%s", "verdict": "worse", "note": "lys \\ud83d slukket\\u0000"}' % (
        uuid.uuid4(), follow_up["lamp"])
    response = send(phone, "POST", checks_url(walk_id), headers={"Content-Type": "application/json"}, data=raw)
    assert response.status_code == 201
    assert response.get_json()["note"] == "lys \ufffd slukket\ufffd"


def test_only_participants_of_the_follow_up_walk_and_staff_see_its_checks(app, follow_up, participant, client, api_token):
    """Another walk's participant gets 404 for reading and writing; staff read all."""
    walk_id = follow_up["walk"]["id"]
    assert send(follow_up["phone"], "POST", checks_url(walk_id), check_payload(follow_up["lamp"])).status_code == 201
    assert participant.get(checks_url(walk_id)).status_code == 404
    assert send(participant, "POST", checks_url(walk_id), check_payload(follow_up["tags"])).status_code == 404
    assert app.test_client().get(checks_url(walk_id)).status_code == 401
    listed = client.get(checks_url(walk_id), headers=bearer(api_token)).get_json()["checks"]
    assert [c["finding_id"] for c in listed] == [follow_up["lamp"]]
    mine = follow_up["phone"].get(checks_url(walk_id)).get_json()["checks"]
    assert mine[0]["mine"] is True


def test_participants_cannot_check_on_a_closed_follow_up_walk_but_a_resend_still_answers(app, follow_up):
    """Closed: a new check is 409 walk_closed, the one already stored is still 200."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    payload = check_payload(follow_up["lamp"])
    assert send(phone, "POST", checks_url(walk_id), payload).status_code == 201
    with app.app_context():
        db.session.get(Walk, walk_id).status = "closed"
        db.session.commit()
    assert send(phone, "POST", checks_url(walk_id), payload).status_code == 200
    late = send(phone, "POST", checks_url(walk_id), check_payload(follow_up["tags"]))
    assert (late.status_code, late.get_json()["error"]) == (409, "walk_closed")


def photo_form(data: bytes, photo_id: str | None = None) -> dict:
    form = {"photo": (io.BytesIO(data), "p.jpg")}
    if photo_id:
        form["id"] = photo_id
    return form


def test_a_check_photo_is_re_encoded_stored_once_and_served_only_to_its_walk(app, follow_up, participant):
    """201 then 200 for the same bytes (one row, one set of files); the photo is a real JPEG
    without the upload's metadata, and only the follow-up walk's participants and staff get it."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    check = send(phone, "POST", checks_url(walk_id), check_payload(follow_up["lamp"])).get_json()
    data = jpeg_bytes(marked_landscape(800, 400), quality=95, comment=b"secret comment")
    url = f"/api/v1/checks/{check['id']}/photos"
    first = send(phone, "POST", url, data=photo_form(data, str(uuid.uuid4())), content_type="multipart/form-data")
    assert first.status_code == 201, first.get_json()
    again = send(phone, "POST", url, data=photo_form(data, str(uuid.uuid4())), content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    with app.app_context():
        rows = db.session.execute(db.select(CheckPhoto)).scalars().all()
        assert len(rows) == 1
    files = list(Path(app.instance_path, "photos").rglob("*.jpg"))
    assert len(files) == 3  # the photo, its thumbnail and map image, nothing left of the second upload
    with phone.get(first.get_json()["url"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(served.data))
        assert image.size == (800, 400) and b"secret comment" not in served.data
    with phone.get(first.get_json()["thumb_url"]) as thumb:
        assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) == 400
    assert participant.get(first.get_json()["url"]).status_code == 404
    assert app.test_client().get(first.get_json()["url"]).status_code == 404
    listed = phone.get(checks_url(walk_id)).get_json()["checks"][0]
    assert listed["photos"] == [first.get_json()]


def test_a_check_photo_that_is_no_image_or_for_another_walks_check_is_refused(app, follow_up, participant):
    """Junk bytes → 400 with a code and nothing stored; another walk's participant → 404."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    check = send(phone, "POST", checks_url(walk_id), check_payload(follow_up["lamp"])).get_json()
    url = f"/api/v1/checks/{check['id']}/photos"
    junk = send(phone, "POST", url, data=photo_form(b"not an image at all"), content_type="multipart/form-data")
    assert junk.status_code in (400, 415) and junk.get_json()["error"]
    data = jpeg_bytes(Image.new("RGB", (64, 48), (90, 90, 90)))
    stranger = send(participant, "POST", url, data=photo_form(data), content_type="multipart/form-data")
    assert stranger.status_code == 404
    missing = send(phone, "POST", f"/api/v1/checks/{uuid.uuid4()}/photos", data=photo_form(data),
                   content_type="multipart/form-data")
    assert missing.status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(CheckPhoto.id))).scalar_one() == 0


def test_history_follows_the_chain_both_ways_with_counts_and_mean_rating(app, client, api_token, follow_up, make_finding):
    """Asked of any walk of the chain: the same walks, oldest first; dismissed findings left out."""
    new_id = follow_up["walk"]["id"]
    make_finding(new_id, rating=3)
    third = client.post(f"/api/v1/walks/{new_id}/follow-up-walk", headers=bearer(api_token),
                        json={"starts_at": "2028-05-20T19:00:00+02:00", "title": "Tredje gang"}).get_json()
    expected = [follow_up["previous"], new_id, third["id"]]
    for asked in expected:
        walks = client.get(f"/api/v1/walks/{asked}/history", headers=bearer(api_token)).get_json()["walks"]
        assert [w["id"] for w in walks] == expected
    first, second, last = walks
    assert first["counts"] == {"graffiti": 1, "lighting": 1} and first["mean_rating"] == 1.0
    assert second["counts"] == {"lighting": 1} and second["mean_rating"] == 3.0
    assert last["counts"] == {} and last["mean_rating"] is None and last["title"] == "Tredje gang"
    assert follow_up["phone"].get(f"/api/v1/walks/{new_id}/history").status_code == 401


# ---------------------------------------------------------------- staff pages


def done_measure(client, token: str, make_measure, finding_ids: list[str]) -> int:
    """A measure on these findings taken to done through the API (history included)."""
    measure_id = make_measure(finding_ids=[uuid.UUID(f) for f in finding_ids])
    url = f"/api/v1/measures/{measure_id}/transitions"
    for version, to in enumerate(("agreed", "in_progress", "done"), start=1):
        assert client.post(url, json={"to": to, "version": version}, headers=bearer(token)).status_code == 200
    return measure_id


def test_still_a_problem_on_a_done_measure_flags_it_on_the_measure_follow_up_page_and_dashboard(
        app, client, api_token, logged_in, follow_up, make_measure):
    """One "still" on the done lamp measure: the measure page lists the verdict with who and
    the note and shows the flag; the previous walk's follow-up page and the dashboard of the
    follow-up walk's year count it once. A "fixed" on the open graffiti measure flags nothing."""
    lamp_measure = done_measure(client, api_token, make_measure, [follow_up["lamp"]])
    tags_measure = make_measure(title="Fjern tags", finding_ids=[uuid.UUID(follow_up["tags"])])
    with app.app_context():
        db.session.get(Walk, follow_up["walk"]["id"]).status = "active"
        db.session.commit()
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    # Sent without a phone time: the checks are made now, after the measure was done.
    now = {"observed_at": None}
    for finding, verdict in ((follow_up["lamp"], "still"), (follow_up["lamp"], "worse"), (follow_up["tags"], "fixed")):
        assert send(phone, "POST", checks_url(walk_id), check_payload(finding, verdict=verdict, **now)).status_code == 201

    page = logged_in.get(f"/measures/{lamp_measure}").get_data(as_text=True)
    assert 'id="still-unsafe-flag"' in page
    assert page.count('data-verdict="still"') == 1 and page.count('data-verdict="worse"') == 1
    assert "Lampen er stadig i stykker" in page and "Beboer" in page
    other = logged_in.get(f"/measures/{tags_measure}").get_data(as_text=True)
    assert 'data-verdict="fixed"' in other and 'id="still-unsafe-flag"' not in other

    follow_up_page = logged_in.get(f"/walks/{follow_up['previous']}/follow-up").get_data(as_text=True)
    flagged = follow_up_page[follow_up_page.index('id="still-unsafe"'):]
    assert f'data-measure-id="{lamp_measure}"' in flagged and f'data-measure-id="{tags_measure}"' not in flagged
    assert "Udført, men stadig utrygt (1)" in follow_up_page

    year = 2027  # the follow-up walk's
    dashboard = logged_in.get(f"/dashboard?year={year}").get_data(as_text=True)
    table = dashboard[dashboard.index('id="still-unsafe-table"'):]
    row = table[table.index(f'<tr data-year="{year}">'):]
    assert row[:row.index("</tr>")].endswith("<td>1</td>")


def test_a_verdict_from_before_the_measure_was_done_does_not_flag_it(app, client, api_token, logged_in,
                                                                      follow_up, make_measure):
    """Still a problem at the walk, fixed afterwards: the measure is not "still unsafe"."""
    with app.app_context():
        db.session.get(Walk, follow_up["walk"]["id"]).status = "active"
        db.session.commit()
    assert send(follow_up["phone"], "POST", checks_url(follow_up["walk"]["id"]),
                check_payload(follow_up["lamp"], observed_at=None)).status_code == 201
    measure_id = done_measure(client, api_token, make_measure, [follow_up["lamp"]])
    page = logged_in.get(f"/measures/{measure_id}").get_data(as_text=True)
    assert 'data-verdict="still"' in page and 'id="still-unsafe-flag"' not in page
    assert 'id="still-unsafe"' not in logged_in.get(f"/walks/{follow_up['previous']}/follow-up").get_data(as_text=True)


def test_the_walk_page_plans_the_follow_up_walk_links_both_and_compares_them(app, logged_in, follow_up, make_finding):
    """The form creates a linked walk and goes to it; both pages link to each other and show
    the route's walks side by side; a bad date shows the form again and creates nothing."""
    previous = follow_up["previous"]
    page = logged_in.get(f"/walks/{previous}").get_data(as_text=True)
    assert 'value="Opfølgning: Holmbladsgade aften"' in page
    bad = post_form(logged_in, f"/walks/{previous}/follow-up-walk",
                    {"follow_up_starts_at": "24-11-2027", "follow_up_title": "Igen"})
    assert bad.status_code == 400 and 'id="follow_up_starts_at-error"' in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Walk.id))).scalar_one() == 2
    made = post_form(logged_in, f"/walks/{previous}/follow-up-walk",
                     {"follow_up_starts_at": "2027-11-24T18:30", "follow_up_title": "Anden opfølgning"})
    assert made.status_code == 302
    with app.app_context():
        new = db.session.execute(db.select(Walk).where(Walk.title == "Anden opfølgning")).scalar_one()
        assert new.previous_walk_id == previous and new.status == "planned"
        assert made.headers["Location"].endswith(f"/walks/{new.id}")
        new_id = new.id
    new_page = logged_in.get(f"/walks/{new_id}").get_data(as_text=True)
    assert f'href="/walks/{previous}"' in new_page[new_page.index('id="follows-up"'):]
    old_page = logged_in.get(f"/walks/{previous}").get_data(as_text=True)
    followed = old_page[old_page.index('id="followed-up-by"'):]
    assert f'href="/walks/{new_id}"' in followed[:followed.index("</p>")]
    table = old_page[old_page.index('id="walk-history"'):old_page.index("</table>", old_page.index('id="walk-history"'))]
    assert table.count("<tr") == 1 + 3  # the head and the three walks of the route
    assert "1,0" in table  # the previous walk's mean rating (0 and 2), as Danish pages write it


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20) | st.sampled_from(["fixed", "still", "worse", "", "\ud83d", "\x00",
                                             "2027-05-20T19:20:00+02:00", "+010000-01-01T00:00:00.000Z"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def test_any_check_body_on_a_real_follow_up_walk_is_answered_2xx_or_4xx_with_a_code(follow_up):
    """The API fuzz's walk follows nothing up; here every field of a real check gets any JSON
    value (real finding ids mostly): never a 5xx, always a stable code."""
    phone, walk_id = follow_up["phone"], follow_up["walk"]["id"]
    headers = {"X-CSRFToken": csrf_token(phone)}
    fields = ("id", "finding_id", "verdict", "note", "observed_at")

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(changes=st.dictionaries(st.sampled_from(fields), JSON_VALUES, max_size=3),
           finding=st.sampled_from([follow_up["lamp"], follow_up["tags"], follow_up["gone"]]))
    def run(changes, finding):
        body = {**check_payload(finding), **changes}
        response = phone.post(checks_url(walk_id), data=json.dumps(body), headers=headers,
                              content_type="application/json")
        assert response.status_code < 500
        if response.status_code >= 400:
            assert re.fullmatch(r"[a-z_]+", response.get_json()["error"])

    run()
