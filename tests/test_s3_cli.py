"""`flask photos check [--repair]` against a bucket, and `flask photos migrate --to s3` from the
photos folder: real uploads through the API, the bucket looked into directly with boto3."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.audio_helpers import post_audio, webm_opus
from tests.capture_api_helpers import finding_payload, findings_url, send, upload
from tests.conftest import login, make_test_config
from tests.load_helpers import sample_jpeg
from walkapp import create_app
from walkapp.extensions import db
from walkapp.findings import object_store
from walkapp.findings.models import Audio, Photo
from walkapp.findings.storage import new_storage_key


@pytest.fixture
def app_config(s3_config, request):
    """The test's bucket, with PHOTO_STORAGE as the test's indirect parameter (default s3)."""
    return {**s3_config, "PHOTO_STORAGE": getattr(request, "param", "s3")}


def run(app, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def uploaded(app, participant, walk):
    """Two photos and a voice note uploaded through the API; (photo keys, voice-note key)."""
    for size in ((640, 480), (480, 640)):
        payload = finding_payload()
        assert send(participant, "POST", findings_url(walk["id"]), payload).status_code == 201
        assert upload(participant, payload["id"], sample_jpeg(*size)).status_code == 201
    assert post_audio(participant, payload["id"], webm_opus()).status_code == 201
    with app.app_context():
        keys = list(db.session.execute(db.select(Photo.storage_key).order_by(Photo.created_at)).scalars())
        [voice] = db.session.execute(db.select(Audio.storage_key)).scalars().all()
    return keys, voice


def two_hours_later(monkeypatch) -> None:
    """The bucket's clock cannot be set back, so the check's clock goes forward instead."""
    real = time.time
    monkeypatch.setattr(object_store.time, "time", lambda: real() + 2 * 3600)


def test_check_on_a_bucket_reports_and_repair_removes_only_old_orphans(app, uploaded, s3_bucket, monkeypatch):
    """An orphan object is "recent" at first and left alone; two hours on it is listed and
    --repair deletes it, keeps every object with a row, and reports the row whose object is
    gone (never changed); an object not named like ours is left alone."""
    (intact, broken), voice = uploaded
    orphan = new_storage_key() + ".jpg"
    s3_bucket.put(s3_bucket.prefix + orphan, sample_jpeg())
    s3_bucket.put(s3_bucket.prefix + "README.txt", b"notes by the operator")
    s3_bucket.put("outside-the-prefix.jpg", b"another app's object")
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=f"{s3_bucket.prefix}{broken}.jpg")

    fresh = run(app, "photos", "check", "--repair")
    assert fresh.exit_code == 1, fresh.output
    assert f"Bucket s3://{s3_bucket.name}/{s3_bucket.prefix}: 2 photo rows, 1 voice note rows" in fresh.output
    assert "younger than an hour (an upload may be under way): 1" in fresh.output
    assert s3_bucket.prefix + orphan in s3_bucket.keys()

    two_hours_later(monkeypatch)
    before = s3_bucket.keys()
    result = run(app, "photos", "check", "--repair")
    assert result.exit_code == 1, result.output  # the row without its object stays
    assert "Files without rows: 1" in result.output and orphan in result.output
    assert f"missing photo ({broken})" in result.output
    assert "README.txt" in result.output
    assert s3_bucket.keys() == before - {s3_bucket.prefix + orphan}
    assert f"{s3_bucket.prefix}{voice}.audio" in s3_bucket.keys()
    assert "outside-the-prefix.jpg" in s3_bucket.keys()


def test_check_of_an_intact_bucket_is_ok(app, uploaded):
    """Every row has its objects: exit status 0 and the OK line."""
    result = run(app, "photos", "check")
    assert result.exit_code == 0, result.output
    assert "Rows without files: 0" in result.output and "Files without rows: 0" in result.output
    assert "OK:" in result.output


@pytest.mark.parametrize("app_config", ["local"], indirect=True, ids=["local"])
def test_migrate_copies_every_local_file_once_and_the_bucket_then_serves_them(
    app, uploaded, s3_bucket, coordinator, database_url, tmp_path,
):
    """Photos, thumbnails and voice notes uploaded to the folder are copied to the bucket with
    the same bytes; a second run copies nothing; an app switched to s3 on the same database
    serves them from the bucket (its own instance folder has no photos)."""
    (first, second), voice = uploaded
    root = Path(app.instance_path) / "photos"
    names = {f"{k}{suffix}" for k in (first, second) for suffix in (".jpg", "_thumb.jpg", "_map.jpg")} \
        | {f"{voice}.audio"}

    result = run(app, "photos", "migrate", "--to", "s3")
    assert result.exit_code == 0, result.output
    assert "Copied: 7" in result.output and "Already in the bucket (same size): 0" in result.output
    assert s3_bucket.keys() == {s3_bucket.prefix + n for n in names}
    for name in names:
        assert s3_bucket.get(s3_bucket.prefix + name) == (root / name).read_bytes()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(names)

    again = run(app, "photos", "migrate", "--to", "s3")
    assert again.exit_code == 0, again.output
    assert "Copied: 0" in again.output and "Already in the bucket (same size): 7" in again.output

    # A partly copied bucket (an interrupted run, or an object cut short) is completed.
    s3_bucket.put(f"{s3_bucket.prefix}{first}.jpg", b"cut short")
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=f"{s3_bucket.prefix}{voice}.audio")
    third = run(app, "photos", "migrate", "--to", "s3")
    assert "Copied: 2" in third.output and "Already in the bucket (same size): 5" in third.output
    assert s3_bucket.get(f"{s3_bucket.prefix}{first}.jpg") == (root / f"{first}.jpg").read_bytes()

    settings = {k: app.config[k] for k in ("S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL")}
    switched = create_app(make_test_config(database_url, PHOTO_STORAGE="s3", **settings),
                          instance_path=tmp_path / "second-instance")
    staff = switched.test_client()
    assert login(staff, coordinator["email"]).status_code == 302
    with switched.app_context():
        photos = {p.storage_key: p.id for p in db.session.execute(db.select(Photo)).scalars()}
        [note] = db.session.execute(db.select(Audio)).scalars().all()
    for key, photo_id in photos.items():
        with staff.get(f"/photos/{photo_id}.jpg") as served:
            assert served.status_code == 200
            assert served.data == (root / f"{key}.jpg").read_bytes()
    with staff.get(f"/audio/{note.id}") as played:
        assert played.status_code == 200 and played.data == webm_opus()
    assert not (tmp_path / "second-instance" / "photos").exists()
    with switched.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("app_config", ["local"], indirect=True, ids=["local"])
def test_migrate_reports_a_row_whose_local_file_is_missing(app, uploaded, s3_bucket):
    """A photo row without its local file: the rest is copied, the missing one is named and the
    exit status is 1."""
    (first, _second), _voice = uploaded
    (Path(app.instance_path) / "photos" / f"{first}.jpg").unlink()
    result = run(app, "photos", "migrate", "--to", "s3")
    assert result.exit_code == 1, result.output
    assert "Copied: 6" in result.output
    assert "Missing in the photos folder (not copied): 1" in result.output and f"{first}.jpg" in result.output


def test_migrate_needs_a_bucket(app):
    """Without S3_BUCKET the command says so and copies nothing."""
    app.config["S3_BUCKET"] = ""
    result = run(app, "photos", "migrate", "--to", "s3")
    assert result.exit_code != 0 and "S3_BUCKET" in result.output

