"""`flask photos check [--repair]` and the start-up clean-up of temporary files a crash left:
real uploads through the API, real files in the test's instance folder."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.capture_api_helpers import finding_payload, findings_url, send
from tests.conftest import join_walk, make_test_config
from tests.load_helpers import sample_jpeg
from walkapp import create_app
from walkapp.extensions import db
from walkapp.findings.models import Photo
from walkapp.findings.storage import new_storage_key

TWO_HOURS_AGO = time.time() - 2 * 3600
ROOT = Path(__file__).resolve().parent.parent


def photos_dir(app) -> Path:
    return Path(app.instance_path) / "photos"


def files_under(app) -> set[str]:
    """Every file under the photos folder, relative ("ab/<hex>.jpg")."""
    root = photos_dir(app)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def plant(app, relative: str, data: bytes = b"x", mtime: float | None = None) -> Path:
    path = photos_dir(app) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def run_check(app, *args: str):
    """`flask --app app photos check …` against the test's app."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["photos", "check", *args])


def photo_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Photo)).scalar_one()


@pytest.fixture
def uploaded(app, client, make_walk):
    """Two photos uploaded through the API by a participant; their storage keys."""
    walk = make_walk()
    join_walk(client, walk["join_code"])
    keys = []
    for size in ((640, 480), (480, 640)):
        payload = finding_payload()
        assert send(client, "POST", findings_url(walk["id"]), payload).status_code == 201
        response = send(client, "POST", f"/api/v1/findings/{payload['id']}/photos",
                        data={"photo": (io.BytesIO(sample_jpeg(*size)), "IMG_1.jpg")},
                        content_type="multipart/form-data")
        assert response.status_code == 201
    with app.app_context():
        keys = list(db.session.execute(select(Photo.storage_key).order_by(Photo.created_at)).scalars())
    assert len(keys) == 2
    return keys


@pytest.fixture
def damaged(app, uploaded):
    """The instance after a rough week: a stale orphan, a fresh one, old and new temporary files,
    an unknown file, and the second photo's file gone. Their relative paths by name."""
    intact, broken = uploaded
    stale_orphan = new_storage_key() + ".jpg"
    fresh_orphan = new_storage_key() + "_thumb.jpg"
    paths = {
        "intact": {f"{intact}.jpg", f"{intact}_thumb.jpg"},
        "stale_orphan": stale_orphan,
        "fresh_orphan": fresh_orphan,
        "stale_part": f"{intact[:2]}/.tmp-k3x9q1.part",
        "fresh_part": f"{broken[:2]}/.tmp-a8c2r7.part",
        "unknown": "README.txt",
        "broken_thumb": f"{broken}_thumb.jpg",
    }
    plant(app, stale_orphan, sample_jpeg(), TWO_HOURS_AGO)
    plant(app, fresh_orphan, sample_jpeg())
    plant(app, paths["stale_part"], b"\xff\xd8 half a photo", TWO_HOURS_AGO)
    plant(app, paths["fresh_part"], b"\xff\xd8 being written")
    plant(app, "README.txt", b"notes by the operator", TWO_HOURS_AGO)
    (photos_dir(app) / f"{broken}.jpg").unlink()
    paths["broken"] = broken
    return paths


def test_check_reports_every_kind_and_changes_nothing(app, damaged):
    """Without --repair: the counts and names of each problem, exit status 1, no file removed."""
    before = files_under(app)
    result = run_check(app)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "2 photo rows" in out
    assert "Rows without files: 1" in out
    assert f"missing photo ({damaged['broken']})" in out
    assert "Files without rows: 1" in out and damaged["stale_orphan"] in out
    assert "Temporary leftovers older than an hour: 1" in out and damaged["stale_part"] in out
    assert "younger than an hour (an upload may be under way): 2" in out
    assert damaged["fresh_part"] not in out and damaged["fresh_orphan"] not in out
    assert "README.txt" in out
    assert "--repair" in out
    assert files_under(app) == before
    assert photo_count(app) == 2


def test_repair_removes_old_orphans_and_leftovers_and_keeps_the_rest(app, client, damaged):
    """--repair deletes the stale orphan and the stale .part, keeps young files, unknown files,
    intact photos and every row; the row without files still makes the exit status 1."""
    result = run_check(app, "--repair")
    assert result.exit_code == 1, result.output
    assert "Removed: 2" in result.output
    remaining = files_under(app)
    assert damaged["stale_orphan"] not in remaining
    assert damaged["stale_part"] not in remaining
    assert {damaged["fresh_orphan"], damaged["fresh_part"], "README.txt", damaged["broken_thumb"]} <= remaining
    assert damaged["intact"] <= remaining
    assert photo_count(app) == 2
    assert "restore the photos folder from the backup" in result.output
    # Run again: only the row without its file is left to report, nothing more to remove.
    again = run_check(app, "--repair")
    assert "Files without rows: 0" in again.output and "Removed" not in again.output
    assert again.exit_code == 1


def test_check_is_ok_once_files_and_rows_match(app, uploaded):
    """A healthy instance (real uploads only) passes with exit status 0."""
    result = run_check(app)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "Rows without files: 0" in result.output


def test_missing_photo_file_is_a_404_not_an_error_page(app, client, damaged):
    """The row left by --repair does not break the photo's page: its image answers 404."""
    with app.app_context():
        photo_id = db.session.execute(
            select(Photo.id).where(Photo.storage_key == damaged["broken"])
        ).scalar_one()
    assert client.get(f"/photos/{photo_id}.jpg").status_code == 404
    thumb = client.get(f"/photos/{photo_id}/thumb.jpg")
    thumb.close()  # send_file keeps the file open until the response is closed
    assert thumb.status_code == 200


def test_start_up_removes_only_stale_temporary_files(app, damaged, database_url):
    """Starting the app (a worker after a crash) removes the old .part file; the fresh one, the
    orphans and the photos stay (orphans need the database: that is `photos check`)."""
    create_app(make_test_config(database_url), instance_path=app.instance_path)
    remaining = files_under(app)
    assert damaged["stale_part"] not in remaining
    assert {damaged["fresh_part"], damaged["stale_orphan"], damaged["fresh_orphan"]} <= remaining
    assert damaged["intact"] <= remaining


CRASHING_WRITER = """
import os, sys, time
from pathlib import Path
from walkapp.findings import storage

def stall(fd):
    print("written", flush=True)
    time.sleep(60)  # killed here: after the bytes, before os.replace

os.fsync = stall
storage.save_photo_files(Path(sys.argv[1]), storage.new_storage_key(), b"\\xff\\xd8" * 50000, b"thumb")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_writer_killed_mid_write_leaves_a_part_file_that_start_up_removes(app, database_url):
    """kill -9 of a process while it writes a photo leaves a .part file; once it is an hour old,
    the next start-up removes it, and `photos check` reported it until then."""
    child = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(photos_dir(app))],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    leftovers = [p for p in photos_dir(app).rglob(".tmp-*.part")]
    assert len(leftovers) == 1 and leftovers[0].stat().st_size == 100000
    create_app(make_test_config(database_url), instance_path=app.instance_path)
    assert leftovers[0].exists()  # too young: it might be an upload under way
    os.utime(leftovers[0], (TWO_HOURS_AGO, TWO_HOURS_AGO))
    result = run_check(app)
    assert "Temporary leftovers older than an hour: 1" in result.output and result.exit_code == 1
    create_app(make_test_config(database_url), instance_path=app.instance_path)
    assert not leftovers[0].exists()
    assert run_check(app).exit_code == 0
