"""Finding posts on SQLite under gunicorn, with and without a staff member exporting maps.

10 phones post 50 findings each (a photo on every tenth) against gunicorn with 2 workers of
4 threads on a SQLite file; once alone, once while staff download the walk's map.html and
export.geojson back to back. Prints p50/p95/max post latency of both runs, the ratio (with
exporter / alone) and how many posts got 503 and were sent again.
Run: .venv/bin/python bench/bench_sqlite_mixed_load.py
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load_helpers import LoadResult, run_mixed_load  # noqa: E402
from walkapp import create_app  # noqa: E402
from walkapp.extensions import db  # noqa: E402

PHONES, PER_PHONE = 10, 50
EMAIL, PASSWORD = "bench@example.org", "bench password 123"
DEMO_ROUTE = {"type": "LineString", "coordinates": [[12.6035, 55.6660], [12.6054, 55.6664], [12.6072, 55.6668]]}


def prepare(instance: Path) -> tuple[int, str]:
    """Schema, reference data, a coordinator and an open walk; (walk id, join code)."""
    from walkapp.auth.services import create_user
    from walkapp.seed import organisation_named, seed_reference_data
    from walkapp.walks.models import Walk
    from walkapp.walks.services import new_join_code

    app = create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024}, instance_path=instance)
    with app.app_context():
        db.create_all()
        seed_reference_data()
        user = create_user(EMAIL, PASSWORD, "coordinator", organisation_named("Helhedsplanen"))
        walks = []
        for title in ("Alene", "Med eksport"):
            walk = Walk(kind="walk", title=title, status="active", route=DEMO_ROUTE, join_code=new_join_code(),
                        starts_at=datetime.now(UTC) + timedelta(days=1), meeting_point="Ved vaskeriet",
                        created_by_id=user.id)
            db.session.add(walk)
            walks.append(walk)
        db.session.commit()
        found = [(w.id, w.join_code) for w in walks]
        db.engine.dispose()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(instance: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "WALKAPP_INSTANCE_PATH": str(instance), "WALKAPP_MAP_TILE_URL": "",
           "WALKAPP_ARGON2_TIME_COST": "1", "WALKAPP_ARGON2_MEMORY_COST": "1024"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:app"], cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/csrf", timeout=2).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def line(label: str, result: LoadResult) -> str:
    return (f"{label:<22} p50 {result.median * 1000:7.1f} ms  p95 {result.percentile(0.95) * 1000:7.1f} ms  "
            f"max {max(result.post_seconds) * 1000:7.1f} ms  503s {result.busy_answers:3d}  errors {len(result.errors)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        (alone_walk, alone_code), (busy_walk, busy_code) = prepare(instance)
        port = free_port()
        server = start_gunicorn(instance, port)
        base = f"http://127.0.0.1:{port}"
        try:
            alone = run_mixed_load(base, alone_walk, alone_code, None, phones=PHONES, per_phone=PER_PHONE)
            busy = run_mixed_load(base, busy_walk, busy_code, (EMAIL, PASSWORD), phones=PHONES, per_phone=PER_PHONE)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"SQLite, gunicorn 2 workers x 4 threads; {PHONES} phones x {PER_PHONE} findings, a photo on every 10th")
    print(line("posts alone:", alone))
    print(line("posts while exporting:", busy))
    exports = sum(busy.export_statuses.values())
    print(f"exports during the second run: {exports} ({dict(busy.export_statuses)}), "
          f"median {sorted(busy.export_seconds)[len(busy.export_seconds) // 2] * 1000:.0f} ms")
    print(f"ratio with exporter / alone: p50 {busy.median / alone.median:.2f}  "
          f"p95 {busy.percentile(0.95) / alone.percentile(0.95):.2f}")
    for error in (alone.errors + busy.errors)[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
