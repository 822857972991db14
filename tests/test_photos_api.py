"""Photo upload (POST /api/v1/findings/<id>/photos) and the access-checked photo views."""
from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send, upload
from tests.conftest import join_walk, login
from tests.image_helpers import is_red, jpeg_bytes, marked_landscape, phone_jpeg_rotated_with_gps
from walkapp.extensions import db
from walkapp.findings.models import Photo
from walkapp.walks.models import Walk

RESOURCES = Path(__file__).parent / "resources" / "images"


@pytest.fixture
def app_config(request):
    """Per-test config: `@pytest.mark.parametrize("app_config", [{...}], indirect=True)`."""
    return getattr(request, "param", {})


@pytest.fixture
def finding_id(participant, walk):
    """A finding posted by `participant`."""
    payload = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
    return payload["id"]


class Fetched:
    """A served photo, read and closed (send_file keeps the file open until close)."""

    def __init__(self, response):
        with response:
            self.status_code = response.status_code
            self.mimetype = response.mimetype
            self.headers = response.headers
            self.data = response.get_data()


def fetch(client, url: str) -> Fetched:
    return Fetched(client.get(url))


def photo_files(app) -> list[Path]:
    """Every file under the instance photos folder."""
    root = Path(app.instance_path) / "photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def photo_rows(app) -> list[Photo]:
    with app.app_context():
        return list(db.session.execute(db.select(Photo)).scalars())


def test_upload_stores_photo_and_thumbnail_and_serves_them(app, participant, finding_id):
    response = upload(participant, finding_id, jpeg_bytes(marked_landscape(3000, 1500)))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "url", "thumb_url", "width", "height"}
    assert (body["width"], body["height"]) == (2048, 1024)
    assert len(photo_files(app)) == 3  # photo, thumbnail, map image
    photo = fetch(participant, body["url"])
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["Cache-Control"] == "private, max-age=86400"
    assert Image.open(io.BytesIO(photo.data)).size == (2048, 1024)
    thumb = fetch(participant, body["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 400
    listed = participant.get(findings_url(participant_walk_id(app, finding_id))).get_json()
    assert listed["features"][0]["properties"]["photos"] == [body]


def participant_walk_id(app, finding_id: str) -> int:
    from walkapp.findings.models import Finding

    with app.app_context():
        return db.session.get(Finding, uuid.UUID(finding_id)).walk_id


def test_same_photo_twice_is_stored_once(app, participant, finding_id):
    data = jpeg_bytes(marked_landscape())
    photo_id = str(uuid.uuid4())
    first = upload(participant, finding_id, data, photo_id=photo_id)
    second = upload(participant, finding_id, data, photo_id=photo_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == photo_id
    assert second.get_json() == first.get_json()
    assert len(photo_rows(app)) == 1
    assert len(photo_files(app)) == 3  # photo, thumbnail, map image
    # The same bytes under a new id (picked twice from the gallery) is still the same photo.
    third = upload(participant, finding_id, data, photo_id=str(uuid.uuid4()))
    assert third.status_code == 200 and third.get_json()["id"] == photo_id
    assert len(photo_files(app)) == 3  # photo, thumbnail, map image


def test_two_different_photos_on_one_finding(app, participant, finding_id):
    assert upload(participant, finding_id, jpeg_bytes(marked_landscape())).status_code == 201
    assert upload(participant, finding_id, jpeg_bytes(marked_landscape(200, 300))).status_code == 201
    assert len(photo_rows(app)) == 2 and len(photo_files(app)) == 6


def test_another_participant_may_add_a_photo_samme_sted(app, walk, finding_id):
    other = app.test_client()
    join_walk(other, walk["join_code"], role="police")
    assert upload(other, finding_id, jpeg_bytes(marked_landscape())).status_code == 201


def test_missing_photo_is_400(app, participant, finding_id):
    response = send(participant, "POST", f"/api/v1/findings/{finding_id}/photos",
                    data={"id": str(uuid.uuid4())}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"] == "missing_photo"
    empty = upload(participant, finding_id, b"")
    assert empty.status_code == 400 and empty.get_json()["error"] == "missing_photo"


def test_malformed_photo_id_is_400_and_nothing_stored(app, participant, finding_id):
    response = upload(participant, finding_id, jpeg_bytes(marked_landscape()), photo_id="nope")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_id"
    assert photo_rows(app) == [] and photo_files(app) == []


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("html-page.jpg", 415, "unsupported_image"),
        ("vector.svg", 415, "unsupported_image"),
        ("scan.tif", 415, "unsupported_image"),
        ("layers.psd", 415, "unsupported_image"),
        ("figure.eps", 415, "unsupported_image"),
        ("truncated.jpg", 400, "invalid_image"),
        ("bomb-10000.png", 413, "image_too_large"),
        ("bomb-20000.png", 413, "image_too_large"),
    ],
)
def test_bad_upload_is_rejected_quickly_and_leaves_nothing(app, participant, finding_id, name, status, code):
    data = (RESOURCES / name).read_bytes()
    started = time.perf_counter()
    response = upload(participant, finding_id, data, filename=name)
    assert time.perf_counter() - started < 2
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code and body["message"]
    assert photo_rows(app) == []
    assert photo_files(app) == []


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 64 * 1024}], indirect=True)
def test_body_over_the_limit_is_413_json(app, participant, finding_id):
    data = Image.effect_noise((400, 400), 80).convert("RGB")
    big = jpeg_bytes(data, quality=100)
    assert len(big) > 64 * 1024
    started = time.perf_counter()
    response = upload(participant, finding_id, big)
    assert time.perf_counter() - started < 2
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert photo_rows(app) == [] and photo_files(app) == []


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 64 * 1024}], indirect=True)
def test_body_over_the_limit_with_bearer_token_is_413_json(app, api_token, make_finding, walk):
    finding = make_finding(walk["id"])
    big = jpeg_bytes(Image.effect_noise((400, 400), 80).convert("RGB"), quality=100)
    response = upload(app.test_client(), str(finding), big, headers=bearer(api_token))
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert photo_files(app) == []


@pytest.mark.parametrize("app_config", [{"PHOTO_MAX_PIXELS": 1_000_000}], indirect=True)
def test_configured_pixel_cap_is_used(app, participant, finding_id):
    response = upload(participant, finding_id, jpeg_bytes(Image.new("RGB", (1500, 1000))))
    assert response.status_code == 413 and response.get_json()["error"] == "image_too_large"
    assert photo_files(app) == []


def test_heic_photo_is_accepted(app, participant, finding_id):
    buffer = io.BytesIO()
    pillow_heif.from_pillow(marked_landscape()).save(buffer, format="HEIF", quality=80)
    response = upload(participant, finding_id, buffer.getvalue(), filename="IMG_0042.HEIC")
    assert response.status_code == 201
    served = fetch(participant, response.get_json()["url"])
    assert Image.open(io.BytesIO(served.data)).format == "JPEG"


def test_rotated_phone_photo_is_stored_upright_without_exif(app, participant, finding_id):
    response = upload(participant, finding_id, phone_jpeg_rotated_with_gps())
    assert response.status_code == 201
    body = response.get_json()
    assert (body["width"], body["height"]) == (200, 400)
    stored = Image.open(io.BytesIO(fetch(participant, body["url"]).data))
    assert stored.size == (200, 400)
    assert is_red(stored.getpixel((190, 10))) and not is_red(stored.getpixel((10, 10)))
    assert dict(stored.getexif()) == {}
    for path in photo_files(app):
        raw = path.read_bytes()
        assert b"Exif" not in raw and b"PhoneMaker" not in raw
    with app.app_context():
        [row] = db.session.execute(db.select(Photo)).scalars()
        assert row.taken_at is not None and row.sha256


def test_photo_of_walk_b_is_404_for_participant_of_walk_a(app, make_walk, api_token):
    walk_a, walk_b = make_walk(title="A"), make_walk(title="B")
    staff = app.test_client()
    payload = finding_payload()
    staff.post(findings_url(walk_b["id"]), json=payload, headers=bearer(api_token))
    photo = upload(staff, payload["id"], jpeg_bytes(marked_landscape()), headers=bearer(api_token)).get_json()
    outsider = app.test_client()
    join_walk(outsider, walk_a["join_code"])
    assert fetch(outsider, photo["url"]).status_code == 404
    assert fetch(outsider, photo["thumb_url"]).status_code == 404
    response = upload(outsider, payload["id"], jpeg_bytes(marked_landscape(50, 50)))
    assert response.status_code == 404
    assert len(photo_rows(app)) == 1
    assert app.test_client().get(photo["url"]).status_code == 404  # anonymous
    insider = app.test_client()
    join_walk(insider, walk_b["join_code"])
    assert fetch(insider, photo["url"]).status_code == 200


def test_staff_see_photos_of_any_walk_and_unknown_ids_are_404(app, participant, finding_id, coordinator):
    body = upload(participant, finding_id, jpeg_bytes(marked_landscape())).get_json()
    staff = app.test_client()
    login(staff, coordinator["email"])
    assert fetch(staff, body["url"]).status_code == 200
    assert fetch(staff, f"/photos/{uuid.uuid4()}.jpg").status_code == 404
    assert fetch(staff, "/photos/../../secret_key.jpg").status_code == 404
    assert fetch(staff, "/photos/not-a-uuid/thumb.jpg").status_code == 404


def test_photo_after_close_is_409_for_participants_but_staff_can_add(app, participant, finding_id, walk, api_token):
    with app.app_context():
        db.session.get(Walk, walk["id"]).status = "closed"
        db.session.commit()
    response = upload(participant, finding_id, jpeg_bytes(marked_landscape()))
    assert response.status_code == 409 and response.get_json()["error"] == "walk_closed"
    assert photo_files(app) == []
    staff = upload(app.test_client(), finding_id, jpeg_bytes(marked_landscape()), headers=bearer(api_token))
    assert staff.status_code == 201


def test_deleting_a_finding_removes_its_photo_files(app, participant, finding_id):
    upload(participant, finding_id, jpeg_bytes(marked_landscape()))
    assert len(photo_files(app)) == 3  # photo, thumbnail, map image
    assert send(participant, "DELETE", f"/api/v1/findings/{finding_id}").status_code == 204
    assert photo_rows(app) == [] and photo_files(app) == []


def test_photo_upload_without_csrf_token_is_refused(app, participant, finding_id):
    response = participant.post(
        f"/api/v1/findings/{finding_id}/photos",
        data={"photo": (io.BytesIO(jpeg_bytes(marked_landscape())), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.get_json()["error"] == "csrf_failed"
    assert photo_files(app) == []


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 64 * 1024}], indirect=True)
def test_body_over_the_limit_on_a_real_server_gets_413_json_not_a_dropped_connection(app, api_token, make_finding, walk):
    import http.client
    import threading

    from werkzeug.serving import make_server

    finding = make_finding(walk["id"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    boundary = "photo-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff" * (2 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    try:
        connection.request("POST", f"/api/v1/findings/{finding}/photos", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", **bearer(api_token),
        })
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("Content-Type") == "application/json"
        assert b'"too_large"' in response.read()
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
    assert photo_files(app) == []


def test_same_photo_sent_concurrently_is_stored_once_with_no_stray_files(app, walk, api_token, make_finding):
    import threading

    finding = str(make_finding(walk["id"]))
    data = jpeg_bytes(marked_landscape(800, 600))
    barrier = threading.Barrier(6)
    statuses: list[int] = []
    errors: list[str] = []

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        try:
            statuses.append(upload(client, finding, data, headers=bearer(api_token)).status_code)
        except Exception as exc:  # would be a 500 or "database is locked"
            errors.append(repr(exc))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(statuses) == [200] * 5 + [201]
    assert len(photo_rows(app)) == 1
    assert len(photo_files(app)) == 3  # photo, thumbnail, map image


def test_open311_media_url_opens_with_the_feeds_staff_token(app, participant, finding_id, api_token):
    """A municipal system reading the Open311 feed with a staff token can open the photo it links."""
    assert upload(participant, finding_id, jpeg_bytes(marked_landscape())).status_code == 201
    feed_client = app.test_client()
    item = feed_client.get(f"/open311/v2/requests/{finding_id}.json", headers=bearer(api_token)).get_json()[0]
    media_url = item["media_url"].removeprefix("http://localhost")
    photo = fetch_with(feed_client, media_url, bearer(api_token))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size[0] > 0
    assert fetch_with(feed_client, media_url, {}).status_code == 404
    assert fetch_with(feed_client, media_url, bearer("wk_not-a-token")).status_code == 401


def fetch_with(client, url: str, headers: dict) -> Fetched:
    return Fetched(client.get(url, headers=headers))
