"""Two app servers behind one address: two gunicorn processes (2 workers each) on two ports,
sharing one PostgreSQL database (made by the migrations), one Redis for the rate limits, one
SECRET_KEY and one photo store (the same instance folder, or a bucket when WALKAPP_TEST_S3_URL
names an S3 server). A phone or a browser talks to either, as a load balancer would send it:

- a finding posted to A and sent again to B is one row, and B answers with the same finding;
- a photo uploaded through A is served by B, byte for byte;
- the join and login limits count the attempts made on both servers together;
- a logout on A ends the session on B, even for a copy of the cookie.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import PASSWORD, POSTGRES_URL, USE_POSTGRES, skip_or_fail
from tests.image_helpers import jpeg_bytes, marked_landscape
from tests.redis_helpers import empty_redis_db

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not USE_POSTGRES, reason="two app servers share a PostgreSQL database"),
]

ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 2
STAFF_EMAIL = "koordinator@example.org"
# Small limits, so that half of them on each server is quick to reach.
LOGIN_LIMIT = JOIN_LIMIT = 4
START_SECONDS = 45


class Server:
    """One running app server: its address and its log file."""

    def __init__(self, name: str, port: int, process: subprocess.Popen, log: Path):
        self.name, self.port, self.process, self.log = name, port, process, log

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


class Browser:
    """A phone or a staff browser: its own cookies, sent to whichever server it talks to."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server: Server, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """(status, headers, body) of one request; redirects are answers, not followed."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def csrf(self, server: Server) -> str:
        status, _, body = self.request(server, "GET", "/api/v1/csrf")
        assert status == 200, (server.name, status)
        return json.loads(body)["csrf_token"]

    def post_form(self, server: Server, path: str, fields: dict[str, str]):
        body = urllib.parse.urlencode({**fields, "csrf_token": self.csrf(server)}).encode()
        return self.request(server, "POST", path, body,
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, server: Server, path: str, payload: dict):
        return self.request(server, "POST", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", "X-CSRFToken": self.csrf(server)})

    def upload(self, server: Server, finding_id: str, photo: bytes):
        boundary = "two-" + uuid.uuid4().hex
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_1.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
        return self.request(server, "POST", f"/api/v1/findings/{finding_id}/photos", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": self.csrf(server),
        })


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def photo_storage_settings() -> dict[str, str]:
    """Local photos in the shared instance folder; a fresh bucket when an S3 server is given."""
    s3_url = os.environ.get("WALKAPP_TEST_S3_URL", "")
    if not s3_url:
        return {}
    try:
        import boto3
    except ImportError:
        skip_or_fail("WALKAPP_TEST_S3_URL is set but boto3 is not installed")
    credentials = {
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
    bucket = f"walkapp-two-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3", endpoint_url=s3_url, region_name=credentials["AWS_DEFAULT_REGION"],
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    ).create_bucket(Bucket=bucket)
    return {"WALKAPP_PHOTO_STORAGE": "s3", "WALKAPP_S3_BUCKET": bucket,
            "WALKAPP_S3_PREFIX": "two-instances/", "WALKAPP_S3_ENDPOINT_URL": s3_url, **credentials}


def prepare_database(database_url: str, instance: Path) -> dict:
    """Migrate the empty database as a deployment does, then reference data, a coordinator and a walk."""
    from flask_migrate import upgrade

    from walkapp import create_app
    from walkapp.auth.services import create_user
    from walkapp.extensions import db
    from walkapp.seed import organisation_named, seed_reference_data
    from walkapp.walks.models import Walk
    from walkapp.walks.services import new_join_code

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "prepare-" + uuid.uuid4().hex,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024}, instance_path=instance)
    with app.app_context():
        try:
            upgrade()
            seed_reference_data()
            user = create_user(STAFF_EMAIL, PASSWORD, "coordinator", organisation_named("Helhedsplanen"))
            walk = Walk(kind="walk", title="Aftenvandring", status="active", join_code=new_join_code(),
                        starts_at=datetime.now(UTC) + timedelta(days=1), meeting_point="Ved vaskeriet",
                        created_by_id=user.id,
                        route={"type": "LineString", "coordinates": [[12.6035, 55.6660], [12.6072, 55.6668]]})
            db.session.add(walk)
            db.session.commit()
            found = {"walk_id": walk.id, "join_code": walk.join_code}
        finally:
            db.session.remove()
            db.engine.dispose()
    return found


def start_server(name: str, env: dict[str, str], folder: Path) -> Server:
    port = free_port()
    log = folder / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "app:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    return Server(name, port, process, log)


def wait_until_answering(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} exited:\n{server.log_tail()}", pytrace=False)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", "/api/v1/csrf")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    pytest.fail(f"server {server.name} did not answer in {START_SECONDS} s:\n{server.log_tail()}",
                pytrace=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Servers A and B on one database, one Redis, one key and one photo store; stopped after."""
    if not POSTGRES_URL:
        skip_or_fail("WALKAPP_TEST_POSTGRES_URL is not set")
    redis_url = empty_redis_db(REDIS_DB)
    folder = tmp_path_factory.mktemp("two-instances")
    instance = folder / "instance"
    name = f"walkapp_two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    servers: list[Server] = []
    try:
        scene = prepare_database(database_url, instance)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "WALKAPP_INSTANCE_PATH": str(instance),
            "WALKAPP_SQLALCHEMY_DATABASE_URI": database_url,
            "WALKAPP_SECRET_KEY": "two-instances-" + uuid.uuid4().hex,
            "WALKAPP_RATELIMIT_STORAGE_URI": redis_url,
            "WALKAPP_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
            "WALKAPP_JOIN_RATE_LIMIT": f"{JOIN_LIMIT} per minute",
            "WALKAPP_ARGON2_TIME_COST": "1",
            "WALKAPP_ARGON2_MEMORY_COST": "1024",
            "WALKAPP_MAP_TILE_URL": "",
            **photo_storage_settings(),
        }
        servers = [start_server("A", env, folder), start_server("B", env, folder)]
        deadline = time.monotonic() + START_SECONDS
        for server in servers:
            wait_until_answering(server, deadline)
        engine = create_engine(database_url)
        yield {"a": servers[0], "b": servers[1], "engine": engine, "redis_url": redis_url, **scene}
        engine.dispose()
    finally:
        for server in servers:
            server.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; nothing to finish
        for server in servers:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def limits_reset(cluster):
    """Empty the shared Redis database, so each test starts with no attempts counted."""
    empty_redis_db(REDIS_DB)
    return cluster


def joined_phone(cluster, server: Server) -> Browser:
    phone = Browser()
    status, headers, _ = phone.post_form(server, f"/j/{cluster['join_code']}", {"role": "resident"})
    assert status == 302 and "/capture" in headers["Location"], status
    return phone


def finding_payload() -> dict:
    return {"id": str(uuid.uuid4()), "lat": 55.6665, "lon": 12.6060, "accuracy_m": 8.5,
            "location_source": "gps", "category": "lighting", "rating": 1,
            "description": "Mørk sti bag blok 3", "observed_at": "2026-11-24T19:42:10.123+01:00"}


def findings_with_id(cluster, finding_id: str) -> int:
    from walkapp.findings.models import Finding

    table = Finding.__table__
    with cluster["engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(
            table.c.id == uuid.UUID(finding_id))).scalar_one()


def test_a_finding_sent_again_to_the_other_server_is_one_row(limits_reset):
    """The outbox's retry reaches B after A stored the finding: 200, the same finding, one row."""
    cluster = limits_reset
    phone = joined_phone(cluster, cluster["a"])
    payload = finding_payload()
    url = f"/api/v1/walks/{cluster['walk_id']}/findings"
    first_status, _, first = phone.post_json(cluster["a"], url, payload)
    again_status, _, again = phone.post_json(cluster["b"], url, payload)
    assert (first_status, again_status) == (201, 200), (first, again)
    assert json.loads(again)["id"] == json.loads(first)["id"] == payload["id"]
    assert json.loads(again)["description"] == payload["description"]
    assert findings_with_id(cluster, payload["id"]) == 1


def test_a_photo_uploaded_through_one_server_is_served_by_the_other(limits_reset):
    """Uploaded to A, fetched from B: the same JPEG bytes as A serves, a real decodable photo."""
    from PIL import Image

    cluster = limits_reset
    phone = joined_phone(cluster, cluster["a"])
    payload = finding_payload()
    status, _, _ = phone.post_json(cluster["a"], f"/api/v1/walks/{cluster['walk_id']}/findings", payload)
    assert status == 201
    status, _, body = phone.upload(cluster["a"], payload["id"], jpeg_bytes(marked_landscape(400, 200)))
    assert status == 201, body
    photo_url = urllib.parse.urlsplit(json.loads(body)["url"]).path
    from_a = phone.request(cluster["a"], "GET", photo_url)
    from_b = phone.request(cluster["b"], "GET", photo_url)
    assert from_b[0] == 200 and from_b[1]["Content-Type"] == "image/jpeg", from_b[0]
    assert from_a[0] == 200 and from_b[2] == from_a[2]
    assert Image.open(io.BytesIO(from_b[2])).size == (400, 200)


def test_wrong_join_codes_count_on_both_servers_together(limits_reset):
    """Half the allowed wrong codes on A, half on B: the next one is refused by either."""
    cluster = limits_reset
    guesser = Browser()
    for attempt in range(JOIN_LIMIT):
        server = cluster["a"] if attempt % 2 == 0 else cluster["b"]
        status, _, _ = guesser.request(server, "GET", f"/j/WRONG{attempt}")
        assert status == 404, (server.name, attempt)
    assert guesser.request(cluster["a"], "GET", "/j/WRONGA")[0] == 429
    assert guesser.request(cluster["b"], "GET", "/j/WRONGB")[0] == 429


def test_wrong_passwords_count_on_both_servers_together(limits_reset):
    """Half the allowed wrong passwords on A, half on B: then even the right one is refused on both."""
    cluster = limits_reset
    guesser = Browser()
    for attempt in range(LOGIN_LIMIT):
        server = cluster["a"] if attempt % 2 == 0 else cluster["b"]
        status, _, _ = guesser.post_form(server, "/login", {"email": STAFF_EMAIL, "password": f"forkert{attempt}"})
        assert status == 400, (server.name, attempt)
    for server in (cluster["a"], cluster["b"]):
        status, _, _ = guesser.post_form(server, "/login", {"email": STAFF_EMAIL, "password": PASSWORD})
        assert status == 429, server.name


def test_a_logout_on_one_server_ends_the_session_on_the_other(limits_reset):
    """Logged in on A, working on B; logout on A: the old cookie no longer opens B's pages."""
    cluster = limits_reset
    staff = Browser()
    status, _, _ = staff.post_form(cluster["a"], "/login", {"email": STAFF_EMAIL, "password": PASSWORD})
    assert status == 302
    assert staff.request(cluster["b"], "GET", "/walks")[0] == 200
    copied = Browser()
    copied.cookies = dict(staff.cookies)
    status, headers, _ = staff.post_form(cluster["a"], "/logout", {})
    assert status == 302 and headers["Location"].endswith("/login")
    status, headers, _ = copied.request(cluster["b"], "GET", "/walks")
    assert status == 302 and "/login" in headers["Location"], status
    assert copied.request(cluster["a"], "GET", "/walks")[0] == 302
