"""Photos, check photos and voice notes in an S3-compatible bucket (PHOTO_STORAGE=s3): real
uploads through the API against the S3 server of WALKAPP_TEST_S3_URL, the bucket looked into
directly with boto3. The app's code does not know which server answers."""
from __future__ import annotations

import io
import re
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.audio_helpers import post_audio, webm_opus
from tests.capture_api_helpers import bearer, finding_payload, findings_url, send, upload
from tests.conftest import S3_URL, join_walk
from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp.extensions import db
from walkapp.findings.models import Audio, Photo


@pytest.fixture
def app_config(s3_config, request):
    """Every app of this module stores its photos in the test's bucket (plus the settings a
    test passes as its indirect parameter)."""
    return {**s3_config, **getattr(request, "param", {})}


@pytest.fixture
def posted(app, participant, walk):
    """A finding posted by the walk's participant; its id."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    return payload["id"]


def photo_bytes() -> bytes:
    return jpeg_bytes(marked_landscape(800, 400), quality=95, comment=b"secret comment")


def photo_keys(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(Photo.storage_key).order_by(Photo.created_at)).scalars())


def objects_of(s3_bucket, key: str) -> set[str]:
    """A photo's objects: the photo, its thumbnail and its follow-up map image."""
    return {f"{s3_bucket.prefix}{key}{suffix}" for suffix in (".jpg", "_thumb.jpg", "_map.jpg")}


def test_an_upload_is_one_object_pair_in_the_bucket_and_served_byte_for_byte(app, participant, posted, s3_bucket):
    """201, then 200 for the same photo again: one row, one photo + thumbnail object under the
    prefix, nothing in the instance folder; the view serves the bucket's bytes exactly."""
    first = upload(participant, posted, photo_bytes())
    assert first.status_code == 201, first.get_json()
    again = upload(participant, posted, photo_bytes())
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    [key] = photo_keys(app)
    assert s3_bucket.keys() == objects_of(s3_bucket, key)
    assert not Path(app.instance_path, "photos").exists()
    with participant.get(first.get_json()["url"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.data == s3_bucket.get(f"{s3_bucket.prefix}{key}.jpg")
        assert served.headers["Content-Length"] == str(len(served.data))
        assert served.headers["Cache-Control"] == "private, max-age=86400"
        assert Image.open(io.BytesIO(served.data)).size == (800, 400)
        assert b"secret comment" not in served.data
        etag = served.headers["ETag"]
    with participant.get(first.get_json()["url"], headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304 and cached.data == b""
    with participant.get(first.get_json()["thumb_url"]) as thumb:
        assert thumb.data == s3_bucket.get(f"{s3_bucket.prefix}{key}_thumb.jpg")


def test_another_walks_participant_gets_404_and_no_answer_names_the_bucket(
    app, participant, posted, walk, make_walk, logged_in, s3_bucket,
):
    """A participant of another walk and a stranger get 404; the finding's JSON, the walk's
    findings and the staff finding page hold the view's URL, never the bucket's."""
    photo = upload(participant, posted, photo_bytes()).get_json()
    other = app.test_client()
    join_walk(other, make_walk()["join_code"])
    for client in (other, app.test_client()):
        assert client.get(photo["url"]).status_code == 404
        assert client.get(photo["thumb_url"]).status_code == 404
    answers = [
        participant.get(findings_url(walk["id"])).get_data(as_text=True),
        logged_in.get(f"/findings/{posted}").get_data(as_text=True),
        logged_in.get(f"/findings?walk={walk['id']}").get_data(as_text=True),
        logged_in.get(f"/findings/export.geojson?walk={walk['id']}").get_data(as_text=True),
    ]
    for text in answers:
        assert f"/photos/{photo['id']}" in text
        assert s3_bucket.name not in text and S3_URL not in text and "X-Amz" not in text


@pytest.mark.parametrize("app_config", [{"PHOTO_REDIRECT": "presigned", "PHOTO_PRESIGN_SECONDS": 30}],
                         indirect=True, ids=["presigned"])
def test_presigned_redirect_comes_only_after_the_access_check_and_the_url_works(
    app, participant, posted, make_walk, s3_bucket,
):
    """PHOTO_REDIRECT=presigned: the walk's participant gets a 302 to a URL that fetches the
    bytes without any cookie; another walk's participant gets the same 404 as before."""
    photo = upload(participant, posted, photo_bytes()).get_json()
    [key] = photo_keys(app)
    response = participant.get(photo["url"])
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith(S3_URL) and s3_bucket.name in location
    with urllib.request.urlopen(location, timeout=10) as fetched:
        assert fetched.status == 200
        assert fetched.headers["Content-Type"] == "image/jpeg"
        assert fetched.read() == s3_bucket.get(f"{s3_bucket.prefix}{key}.jpg")
    other = app.test_client()
    join_walk(other, make_walk()["join_code"])
    refused = other.get(photo["url"])
    assert refused.status_code == 404 and "Location" not in refused.headers
    assert app.test_client().get(photo["thumb_url"]).status_code == 404


def test_deleting_the_finding_removes_its_objects(app, participant, posted, s3_bucket):
    """The photo pair and the voice note go from the bucket with the finding."""
    assert upload(participant, posted, photo_bytes()).status_code == 201
    assert post_audio(participant, posted, webm_opus()).status_code == 201
    assert len(s3_bucket.keys()) == 4  # photo, thumbnail, map image, voice note
    assert send(participant, "DELETE", f"/api/v1/findings/{posted}").status_code == 204
    assert s3_bucket.keys() == set()


def test_a_voice_note_is_one_object_and_plays_back_as_recorded(app, participant, posted, s3_bucket):
    """201 then 200 for the same recording; one `.audio` object; the view plays its bytes, and
    answers a byte range with 206 (Safari's player asks for ranges)."""
    first = post_audio(participant, posted, webm_opus())
    assert first.status_code == 201, first.get_json()
    assert post_audio(participant, posted, webm_opus()).status_code == 200
    with app.app_context():
        [key] = db.session.execute(db.select(Audio.storage_key)).scalars().all()
    assert s3_bucket.keys() == {f"{s3_bucket.prefix}{key}.audio"}
    with participant.get(first.get_json()["url"]) as played:
        assert (played.status_code, played.mimetype, played.data) == (200, "audio/webm", webm_opus())
        assert played.headers["Accept-Ranges"] == "bytes"
    with participant.get(first.get_json()["url"], headers={"Range": "bytes=0-99"}) as part:
        assert part.status_code == 206 and part.data == webm_opus()[:100]
        assert part.headers["Content-Range"] == f"bytes 0-99/{len(webm_opus())}"
    with participant.get(first.get_json()["url"], headers={"Range": "bytes=-10"}) as tail:
        assert tail.status_code == 206 and tail.data == webm_opus()[-10:]


def test_redaction_replaces_the_objects(app, participant, posted, logged_in, s3_bucket):
    """Blurring writes a new object pair and deletes the original's: no byte of the original
    is left in the bucket, and the view serves the blurred photo."""
    original = photo_bytes()
    photo = upload(participant, posted, original).get_json()
    [old_key] = photo_keys(app)
    old_stored = s3_bucket.get(f"{s3_bucket.prefix}{old_key}.jpg")
    response = send(logged_in, "POST", f"/api/v1/photos/{photo['id']}/redact", {"boxes": [[100, 100, 200, 150]]})
    assert response.status_code == 200, response.get_json()
    [new_key] = photo_keys(app)
    assert new_key != old_key
    assert s3_bucket.keys() == objects_of(s3_bucket, new_key)
    with logged_in.get(response.get_json()["url"]) as served:
        assert served.status_code == 200
        assert served.data == s3_bucket.get(f"{s3_bucket.prefix}{new_key}.jpg") != old_stored


def test_the_photo_zip_streams_photos_and_voice_notes_from_the_bucket(app, participant, posted, walk, logged_in, s3_bucket):
    """The walk's ZIP holds the bucket's bytes of the photo and the voice note."""
    assert upload(participant, posted, photo_bytes()).status_code == 201
    assert post_audio(participant, posted, webm_opus()).status_code == 201
    [key] = photo_keys(app)
    with logged_in.get(f"/walks/{walk['id']}/photos.zip") as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.is_streamed
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert len(names) == 2
    [jpg] = [n for n in names if n.endswith(".jpg")]
    [voice] = [n for n in names if n.endswith(".webm")]
    assert archive.read(jpg) == s3_bucket.get(f"{s3_bucket.prefix}{key}.jpg")
    assert archive.read(voice) == webm_opus()


def test_the_follow_up_map_shows_the_thumbnail_from_the_bucket(app, participant, posted, walk, logged_in):
    """The self-contained map embeds the photo's thumbnail read from the bucket."""
    assert upload(participant, posted, photo_bytes()).status_code == 201
    page = logged_in.get(f"/walks/{walk['id']}/map.html").get_data(as_text=True)
    assert re.search(r"data:image/jpeg;base64,[A-Za-z0-9+/=]{200,}", page)


def test_a_bucket_that_refuses_the_put_answers_503_and_stores_no_row(app, participant, posted):
    """A bucket that does not exist: the upload is 503 `storage_unavailable` (the outbox sends
    it again later) and no photo row is recorded; the finding itself stays."""
    app.extensions["walkapp_photo_store"].bucket = f"missing-{uuid.uuid4().hex[:12]}"
    response = upload(participant, posted, photo_bytes())
    assert response.status_code == 503
    assert response.get_json()["error"] == "storage_unavailable"
    assert response.get_json()["message"]
    assert photo_keys(app) == []
    voice = post_audio(participant, posted, webm_opus())
    assert voice.status_code == 503 and voice.get_json()["error"] == "storage_unavailable"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Audio)).scalar_one() == 0


def test_a_check_photo_is_stored_in_the_bucket(app, s3_bucket, api_token, make_walk, make_finding):
    """Check photos use the same store: their object pair is in the bucket and served."""
    # A check needs a follow-up walk of a closed walk; planned through the API as staff do.
    closed = make_walk(status="closed")
    finding_id = str(make_finding(closed["id"]))
    planned = app.test_client().post(f"/api/v1/walks/{closed['id']}/follow-up-walk", headers=bearer(api_token),
                                     json={"starts_at": "2027-05-20T19:00:00+02:00", "title": ""})
    assert planned.status_code == 201, planned.get_json()
    new = planned.get_json()
    phone = app.test_client()
    join_walk(phone, new["join_code"])
    check = send(phone, "POST", f"/api/v1/walks/{new['id']}/checks", {
        "id": str(uuid.uuid4()), "finding_id": finding_id, "verdict": "still", "note": "",
        "observed_at": "2027-05-20T19:20:00.000+02:00"}).get_json()
    response = send(phone, "POST", f"/api/v1/checks/{check['id']}/photos",
                    data={"photo": (io.BytesIO(photo_bytes()), "p.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    keys = s3_bucket.keys()
    assert len(keys) == 3 and all(k.startswith(s3_bucket.prefix) for k in keys)
    with phone.get(response.get_json()["url"]) as served:
        assert served.status_code == 200
        assert served.data in {s3_bucket.get(k) for k in keys}
