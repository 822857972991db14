"""SQLite under mixed load: reads never wait for the write lock, writes wait for a short lock,
a database that stays locked is a 503 with Retry-After (never a 500), and 10 phones posting
50 findings each while staff export maps over real HTTP lose nothing and store nothing twice."""
from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.capture_api_helpers import finding_payload, findings_url, send
from tests.conftest import PASSWORD, USE_POSTGRES, csrf_token, join_walk
from tests.load_helpers import run_mixed_load, sample_jpeg
from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.walks.models import Participant

sqlite_only = pytest.mark.skipif(
    USE_POSTGRES, reason="SQLite's single write lock and busy timeout; PostgreSQL locks per row"
)


@pytest.fixture
def app_config(request):
    """Per-test config: `@pytest.mark.parametrize("app_config", [{...}], indirect=True)`."""
    return getattr(request, "param", {})


def database_file(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@contextlib.contextmanager
def write_lock_held(app, seconds: float | None = None) -> Iterator[None]:
    """Another process's writer holding SQLite's write lock (for `seconds`, or the whole block)."""
    other = sqlite3.connect(database_file(app), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(seconds, other.rollback) if seconds is not None else None
    if timer:
        timer.start()
    try:
        yield
    finally:
        if timer:
            timer.join()
        else:
            other.rollback()
        other.close()


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@sqlite_only
def test_staff_export_is_not_blocked_by_a_phone_writing(app, logged_in, make_walk, make_finding):
    """While another writer holds the lock, the map and GeoJSON download at once (reads take
    no write lock); before, each waited out the busy timeout."""
    walk = make_walk()
    make_finding(walk["id"])
    with write_lock_held(app):
        began = time.perf_counter()
        map_html = logged_in.get(f"/walks/{walk['id']}/map.html")
        geojson = logged_in.get(f"/walks/{walk['id']}/export.geojson")
        elapsed = time.perf_counter() - began
    assert map_html.status_code == 200 and geojson.status_code == 200
    assert geojson.get_json()["features"]
    assert elapsed < 3, elapsed


@sqlite_only
def test_a_post_waits_for_a_short_lock_and_is_stored(app, client, make_walk):
    """A finding posted while another writer holds the lock for half a second is stored."""
    walk = make_walk()
    join_walk(client, walk["join_code"])
    token = csrf_token(client)
    payload = finding_payload()
    with write_lock_held(app, seconds=0.5):
        began = time.perf_counter()
        response = client.post(findings_url(walk["id"]), json=payload, headers={"X-CSRFToken": token})
        waited = time.perf_counter() - began
    assert response.status_code == 201
    assert waited >= 0.4  # it did wait for the lock, rather than failing
    assert count(app, Finding) == 1


@sqlite_only
@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 300}], indirect=True)
def test_a_database_locked_past_the_busy_timeout_answers_503_json(app, client, make_walk):
    """The phone gets 503 busy with Retry-After (its outbox sends again) and nothing is stored;
    once the lock is gone the same finding goes through."""
    walk = make_walk()
    join_walk(client, walk["join_code"])
    token = csrf_token(client)
    payload = finding_payload()
    with write_lock_held(app):
        response = client.post(findings_url(walk["id"]), json=payload, headers={"X-CSRFToken": token})
    assert response.status_code == 503
    assert response.get_json()["error"] == "busy"
    assert response.get_json()["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert count(app, Finding) == 0
    assert send(client, "POST", findings_url(walk["id"]), payload).status_code == 201
    assert count(app, Finding) == 1


@sqlite_only
@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 300}], indirect=True)
def test_a_database_locked_past_the_busy_timeout_is_a_danish_page_for_browsers(app, client, make_walk):
    """Joining a walk while the database stays locked shows a Danish 'try again' page, not a 500."""
    walk = make_walk()
    token = csrf_token(client)
    with write_lock_held(app):
        response = client.post(f"/j/{walk['join_code']}", data={"role": "resident", "csrf_token": token},
                               headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Serveren har travlt" in html
    assert count(app, Participant) == 0


@sqlite_only
@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 300}], indirect=True)
def test_a_photo_refused_for_a_locked_database_leaves_no_file(app, client, make_walk):
    """A photo upload answered 503 stores no row and leaves no photo file behind."""
    walk = make_walk()
    join_walk(client, walk["join_code"])
    payload = finding_payload()
    assert send(client, "POST", findings_url(walk["id"]), payload).status_code == 201
    token = csrf_token(client)
    with write_lock_held(app):
        response = client.post(
            f"/api/v1/findings/{payload['id']}/photos", headers={"X-CSRFToken": token},
            data={"photo": (io.BytesIO(sample_jpeg()), "p.jpg")}, content_type="multipart/form-data",
        )
    assert response.status_code == 503
    assert count(app, Photo) == 0
    assert [f for _, _, files in os.walk(os.path.join(app.instance_path, "photos")) for f in files] == []


# ---------------------------------------------------------------- the mixed load


@pytest.fixture
def http_server(app):
    """The test's app on a real threaded WSGI server (werkzeug), its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=30)
    server.server_close()


def test_ten_phones_posting_while_staff_export_maps_lose_nothing(app, http_server, make_walk, coordinator, capsys):
    """10 phones x 50 findings (a photo on every tenth) while staff download the walk's map and
    GeoJSON back to back: every finding is stored exactly once and no request fails."""
    walk = make_walk()
    result = run_mixed_load(http_server, walk["id"], walk["join_code"], (coordinator["email"], PASSWORD),
                            phones=10, per_phone=50, photo_every=10)
    with capsys.disabled():
        print(f"\nmixed load: {len(result.post_seconds)} posts, p50 {result.median * 1000:.0f} ms, "
              f"p95 {result.percentile(0.95) * 1000:.0f} ms, longest {max(result.post_seconds) * 1000:.0f} ms, "
              f"503s {result.busy_answers}, exports {sum(result.export_statuses.values())}")
    assert result.errors == []
    assert set(result.statuses) <= {200, 201, 503}
    # The outbox sends a 503 again, so the odd one on an overloaded machine is no lost finding;
    # before, exports held the write lock and the phones queued into the busy timeout.
    assert result.busy_answers <= 2
    assert max(result.post_seconds) < 10  # the longest wait the issue reported
    assert result.export_statuses and set(result.export_statuses) == {200}
    assert len(result.finding_ids) == 500 == len(set(result.finding_ids))
    with app.app_context():
        stored = db.session.execute(
            select(Finding.id).where(Finding.walk_id == walk["id"])
        ).scalars().all()
    assert len(stored) == 500
    assert {str(i) for i in stored} == set(result.finding_ids)
    assert count(app, Photo) == result.photos_sent == 50
