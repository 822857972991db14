"""Sync throughput under gunicorn against a trivial endpoint, and one POST's time by walk size.

Throughput (the default): gunicorn, 3 sync workers per instance, on a throw-away SQLite file (or
a fresh database on the PostgreSQL server of `--postgres URL`). Every phone is a thread with its
own cookie jar: it joins the walk by its join code, fetches a CSRF token from GET /api/v1/csrf
and syncs its findings one after another, each as the outbox does it after a lost answer:
POST the finding, POST it again (the re-send, same id and body: 200), POST its photo (a real
640x480 JPEG made by Pillow, multipart). One *finding synced* = those three requests.
Reference, in the same run and with the same concurrency: as many GET /api/v1/csrf as there
were findings, each one request, from as many threads with their own cookie jars.
Printed: findings/s, p95 of a finding's three requests together, trivial requests/s, and
ratio = (findings/s) / (trivial req/s) (aim >= 0.5); afterwards the database must hold exactly
phones x per-phone findings and as many photos, and no request may have failed.
The join limit counts per IP and every phone is 127.0.0.1: the servers run with
WALKAPP_RATELIMIT_ENABLED=false.

    .venv/bin/python bench/bench_sync.py                      # SQLite, 30 phones x 20
    .venv/bin/python bench/bench_sync.py --postgres URL       # PostgreSQL (a database is created)
    .venv/bin/python bench/bench_sync.py --postgres URL --phones 100 --instances 2

`--breakdown` instead times each request of a synced finding in process, one at a time, with
the trivial request and the photo processing alone: the ceiling of the ratio.
`--walk-sizes 0,5000` instead times one finding POST (in process, Flask test client) into a walk
that already holds that many findings; `--index` first creates the composite index proposed
for the near-duplicate query. Not part of the tests.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.load_helpers import CATEGORIES, HttpClient, _multipart, sample_jpeg  # noqa: E402
from walkapp import create_app  # noqa: E402
from walkapp.extensions import db  # noqa: E402

EMAIL, PASSWORD = "bench@example.org", "bench password 123"
DEMO_ROUTE = {"type": "LineString", "coordinates": [[12.6035, 55.6660], [12.6054, 55.6664], [12.6072, 55.6668]]}
INDEX_SQL = "CREATE INDEX ix_findings_walk_id_category_id_lat ON findings (walk_id, category_id, lat)"
# A walk covers a housing area of about 1 km x 1 km.
AREA_LAT, AREA_LON = (55.6600, 55.6700), (12.6000, 12.6160)


@contextlib.contextmanager
def database(postgres: str | None, tmp: Path):
    """The URL of an empty database: a SQLite file in tmp, or a new database on the server."""
    if not postgres:
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    name = f"walkapp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(postgres).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, instance: Path, secret: str):
    return create_app({
        "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": url, "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024, "MAP_TILE_URL": "", "RATELIMIT_ENABLED": False,
    }, instance_path=instance)


def prepare(app, walk_sizes: tuple[int, ...] = (0,)) -> list[tuple[int, str]]:
    """Schema, reference data, a coordinator and one active walk per size holding that many
    findings spread over the area; [(walk id, join code)]."""
    from walkapp.auth.services import create_user
    from walkapp.findings.models import Category, Finding
    from walkapp.seed import organisation_named, seed_reference_data
    from walkapp.walks.models import Walk
    from walkapp.walks.services import new_join_code

    with app.app_context():
        db.create_all()
        seed_reference_data()
        user = create_user(EMAIL, PASSWORD, "coordinator", organisation_named("Helhedsplanen"))
        categories = db.session.execute(db.select(Category.id)).scalars().all()
        walks = []
        rng = random.Random(11)
        for size in walk_sizes:
            walk = Walk(kind="walk", title=f"Vandring {size}", status="active", route=DEMO_ROUTE,
                        join_code=new_join_code(), starts_at=datetime.now(UTC) - timedelta(hours=1),
                        meeting_point="Ved vaskeriet", created_by_id=user.id)
            db.session.add(walk)
            db.session.flush()
            rows = [{
                "id": uuid.uuid4(), "walk_id": walk.id, "user_id": user.id,
                "category_id": categories[i % len(categories)],
                "lat": rng.uniform(*AREA_LAT), "lon": rng.uniform(*AREA_LON), "location_source": "gps",
                "description": f"Fund {i}", "observed_at": datetime.now(UTC), "kind": "problem",
            } for i in range(size)]
            if rows:
                db.session.execute(insert(Finding), rows)
            walks.append((walk.id, walk.join_code))
        db.session.commit()
        db.engine.dispose()
    return walks


def finding_payload(n: int, rng: random.Random) -> dict:
    return {
        "id": str(uuid.uuid4()), "lat": rng.uniform(*AREA_LAT), "lon": rng.uniform(*AREA_LON),
        "accuracy_m": 8.0, "location_source": "gps", "category": CATEGORIES[n % len(CATEGORIES)],
        "rating": n % 4, "description": f"Fund {n}: mørk sti bag blok {n % 12}",
        "observed_at": datetime.now(UTC).isoformat(),
    }


# ---------------------------------------------------------------- one POST by walk size


def post_latency(url: str, instance: Path, sizes: tuple[int, ...], with_index: bool, posts: int) -> None:
    """Median and p95 of one finding POST (server side, test client) into walks of each size."""
    app = make_app(url, instance, uuid.uuid4().hex)
    walks = prepare(app, sizes)
    if with_index:
        with app.app_context():
            db.session.execute(text(INDEX_SQL))
            db.session.commit()
    rng = random.Random(5)
    results = {}
    for size, (walk_id, code) in zip(sizes, walks, strict=True):
        client = app.test_client()
        token = client.get("/api/v1/csrf").get_json()["csrf_token"]
        assert client.post(f"/j/{code}", data={"role": "resident", "csrf_token": token}).status_code == 302
        token = client.get("/api/v1/csrf").get_json()["csrf_token"]
        seconds = []
        for n in range(posts + 3):
            began = time.perf_counter()
            response = client.post(f"/api/v1/walks/{walk_id}/findings", json=finding_payload(n, rng),
                                   headers={"X-CSRFToken": token})
            assert response.status_code == 201, response.get_data(as_text=True)
            if n >= 3:  # the first posts warm caches up
                seconds.append(time.perf_counter() - began)
        seconds.sort()
        results[size] = (statistics.median(seconds), seconds[int(0.95 * (len(seconds) - 1))])
    print(f"{make_url(url).get_backend_name()}, composite index: {'yes' if with_index else 'no'}; "
          f"{posts} finding POSTs per walk")
    for size, (median, p95) in results.items():
        print(f"  walk of {size:6d} findings: median {median * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms")
    first, last = results[sizes[0]][0], results[sizes[-1]][0]
    print(f"  ratio {sizes[-1]} / {sizes[0]}: {last / first:.2f}")
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- where a finding's time goes


def breakdown(url: str, instance: Path, findings: int = 40) -> None:
    """Server time of each request of a synced finding, one at a time (Flask test client, no
    HTTP, no concurrency), against the trivial request and against processing the photo alone
    (decode, re-encode, thumbnails: what every upload must cost). Their ratio is the ceiling
    of the throughput ratio on any number of cores, whatever the server does with its queue."""
    from walkapp.findings.images import process_upload

    app = make_app(url, instance, uuid.uuid4().hex)
    [(walk_id, code)] = prepare(app)
    client = app.test_client()
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    assert client.post(f"/j/{code}", data={"role": "resident", "csrf_token": token}).status_code == 302
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    photo = sample_jpeg()
    rng = random.Random(3)
    seconds: dict[str, list[float]] = {"POST": [], "re-send": [], "photo": [], "trivial GET": [],
                                       "photo processing alone": []}

    def timed(what: str, call, expected: int | None = None) -> None:
        began = time.perf_counter()
        response = call()
        seconds[what].append(time.perf_counter() - began)
        if expected is not None:
            assert response.status_code == expected, response.get_data(as_text=True)[:200]

    headers = {"X-CSRFToken": token}
    for n in range(findings + 5):
        payload = finding_payload(n, rng)
        path = f"/api/v1/walks/{walk_id}/findings"
        timed("POST", lambda: client.post(path, json=payload, headers=headers), 201)
        timed("re-send", lambda: client.post(path, json=payload, headers=headers), 200)
        body, content_type = _multipart(photo, str(uuid.uuid4()))
        timed("photo", lambda: client.post(f"/api/v1/findings/{payload['id']}/photos", data=body,
                                           headers={**headers, "Content-Type": content_type}), 201)
        timed("trivial GET", lambda: client.get("/api/v1/csrf"), 200)
        timed("photo processing alone", lambda: process_upload(photo))
        if n < 5:  # warming up
            for values in seconds.values():
                values.clear()
    median = {what: statistics.median(values) for what, values in seconds.items()}
    per_finding = median["POST"] + median["re-send"] + median["photo"]
    print(f"{make_url(url).get_backend_name()}; server time per request, one at a time "
          f"(median of {findings}):")
    for what, value in median.items():
        print(f"  {what:24} {value * 1000:7.2f} ms")
    print(f"  one synced finding (3 requests): {per_finding * 1000:.1f} ms = "
          f"{per_finding / median['trivial GET']:.0f} trivial GETs; ceiling of the ratio: "
          f"{median['trivial GET'] / per_finding:.3f}; with the photo processing as the only cost: "
          f"{median['trivial GET'] / median['photo processing alone']:.3f}")
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- throughput under gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, instance: Path, secret: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "WALKAPP_INSTANCE_PATH": str(instance), "WALKAPP_MAP_TILE_URL": "",
           "WALKAPP_SQLALCHEMY_DATABASE_URI": url, "WALKAPP_SECRET_KEY": secret,
           "WALKAPP_RATELIMIT_ENABLED": "false",
           "WALKAPP_ARGON2_TIME_COST": "1", "WALKAPP_ARGON2_MEMORY_COST": "1024"}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:app"], cwd=ROOT, env=env,
    )
    probe = HttpClient(f"http://127.0.0.1:{port}", timeout=2)
    for _ in range(300):  # up to a minute
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if probe.request("GET", "/api/v1/csrf")[0] == 200:
                return process
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer within a minute")


class Tally:
    """What the phones saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: list[float] = []
        self.errors: list[str] = []

    def add(self, seconds: float) -> None:
        with self.lock:
            self.seconds.append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def _phone(client: HttpClient, walk_id: int, per_phone: int, photo: bytes, seed: int,
           start: threading.Barrier, tally: Tally) -> None:
    rng = random.Random(seed)
    token = client.csrf()
    json_headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}
    start.wait()
    for n in range(per_phone):
        payload = finding_payload(n, rng)
        body = json.dumps(payload).encode()
        began = time.perf_counter()
        for attempt, expected in (("first", 201), ("re-send", 200)):
            status, _, answer = client.request("POST", f"/api/v1/walks/{walk_id}/findings", body, json_headers)
            if status != expected:
                tally.error(f"finding {attempt}: HTTP {status} {answer[:120]!r}")
        multipart, content_type = _multipart(photo, str(uuid.uuid4()))
        status, _, answer = client.request("POST", f"/api/v1/findings/{payload['id']}/photos", multipart, {
            "Content-Type": content_type, "Accept": "application/json", "X-CSRFToken": token})
        if status != 201:
            tally.error(f"photo: HTTP {status} {answer[:120]!r}")
        tally.add(time.perf_counter() - began)


def _trivial(client: HttpClient, count: int, start: threading.Barrier, tally: Tally) -> None:
    client.csrf()  # the session cookie exists, as it does for a phone
    start.wait()
    for _ in range(count):
        began = time.perf_counter()
        status, _, _ = client.request("GET", "/api/v1/csrf", headers={"Accept": "application/json"})
        if status != 200:
            tally.error(f"trivial: HTTP {status}")
        tally.add(time.perf_counter() - began)


def run_threads(targets: list[tuple], barrier: threading.Barrier) -> float:
    """Run the threads (each set up, then waits on the barrier, as this one does); seconds from
    the barrier until the last one ends."""
    threads = [threading.Thread(target=t[0], args=t[1:], daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=1200)
    return time.perf_counter() - began


def p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def throughput(url: str, instance: Path, phones: int, per_phone: int, instances: int) -> int:
    """Run the sync and the reference; print the figures; 1 when a check fails."""
    from walkapp.findings.models import Finding, Photo

    secret = uuid.uuid4().hex
    app = make_app(url, instance, secret)
    [(walk_id, code)] = prepare(app)
    servers, bases = [], []
    try:
        for _ in range(instances):
            port = free_port()
            servers.append(start_gunicorn(url, instance, secret, port))
            bases.append(f"http://127.0.0.1:{port}")
        photo = sample_jpeg()
        clients = [HttpClient(bases[i % instances]) for i in range(phones)]
        for client in clients:
            assert client.post_form(f"/j/{code}", {"role": "resident"}) == 200
        sync = Tally()
        barrier = threading.Barrier(phones + 1)
        targets = [(_phone, c, walk_id, per_phone, photo, i, barrier, sync) for i, c in enumerate(clients)]
        sync_seconds = run_threads(targets, barrier)
        reference = Tally()
        barrier = threading.Barrier(phones + 1)
        refs = [HttpClient(bases[i % instances]) for i in range(phones)]
        trivial_seconds = run_threads([(_trivial, c, per_phone, barrier, reference) for c in refs], barrier)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    with app.app_context():
        findings = db.session.execute(db.select(db.func.count()).select_from(Finding)
                                      .where(Finding.walk_id == walk_id)).scalar_one()
        photos = db.session.execute(db.select(db.func.count()).select_from(Photo).join(Finding)
                                    .where(Finding.walk_id == walk_id)).scalar_one()
        distinct = db.session.execute(db.select(db.func.count(db.distinct(Photo.finding_id)))).scalar_one()
        db.engine.dispose()
    total = phones * per_phone
    findings_per_s = total / sync_seconds
    trivial_per_s = total / trivial_seconds
    print(f"{make_url(url).get_backend_name()}; {instances} gunicorn instance(s) x 3 workers; "
          f"{phones} phones x {per_phone} findings (each POSTed twice + a photo)")
    print(f"  sync:    {findings_per_s:7.1f} findings/s  p95 {p95(sync.seconds) * 1000:7.1f} ms per finding "
          f"(3 requests)  {3 * total / sync_seconds:7.1f} requests/s")
    print(f"  trivial: {trivial_per_s:7.1f} req/s (GET /api/v1/csrf x {total})  "
          f"p95 {p95(reference.seconds) * 1000:7.1f} ms")
    print(f"  ratio (findings/s) / (trivial req/s): {findings_per_s / trivial_per_s:.3f}  "
          f"(requests/s of the sync / trivial req/s: {3 * findings_per_s / trivial_per_s:.3f})")
    duplicates = photos - distinct
    print(f"  rows: {findings} findings (expected {total}), {photos} photos (expected {total}), "
          f"{duplicates} duplicate photos; errors: {len(sync.errors) + len(reference.errors)}")
    for error in (sync.errors + reference.errors)[:5]:
        print("  error:", error)
    ok = findings == total and photos == total and not sync.errors and not reference.errors
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (a database is created)")
    parser.add_argument("--phones", type=int, default=30)
    parser.add_argument("--per-phone", type=int, default=20)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--walk-sizes", help="e.g. 0,5000: time one POST by walk size instead")
    parser.add_argument("--index", action="store_true", help="with --walk-sizes: create " + INDEX_SQL)
    parser.add_argument("--posts", type=int, default=40, help="with --walk-sizes: POSTs per walk")
    parser.add_argument("--breakdown", action="store_true",
                        help="time each request of a synced finding in process instead")
    args = parser.parse_args()
    if args.instances > 1 and not args.postgres:
        parser.error("several instances need --postgres")
    with tempfile.TemporaryDirectory() as tmp, database(args.postgres, Path(tmp)) as url:
        instance = Path(tmp) / "instance"
        if args.breakdown:
            breakdown(url, instance)
            return 0
        if args.walk_sizes:
            sizes = tuple(int(s) for s in args.walk_sizes.split(","))
            post_latency(url, instance, sizes, args.index, args.posts)
            return 0
        return throughput(url, instance, args.phones, args.per_phone, args.instances)


if __name__ == "__main__":
    sys.exit(main())
