"""Page time of the triage list /findings at 500 and at 5,000 findings, and their ratio.

Findings (a third with a photo, some with measures) are inserted in bulk with SQLAlchemy core
into two throw-away SQLite databases (500 and 5,000); the page is fetched through the Flask test client, logged
in as a coordinator. Printed: median milliseconds per page for the first page (newest first),
a filtered and sorted deep page, and the map view (its page, its map answer: every point at
500, the server's clusters at 5,000 (above TRIAGE_MAP_POINTS_SINGLE), and both together as a
browser fetches them, with the answer's bytes and mode), each at 500 and 5,000 findings,
with the ratio 5,000 / 500 (aim ≤ 1.5 for the list pages and the map view). Not part of the
tests.

    .venv/bin/python bench/bench_triage.py [--runs 15]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from walkapp import create_app  # noqa: E402
from walkapp.extensions import db  # noqa: E402

PASSWORD = "bench horse battery staple"
PAGES = {
    "list, first page": "/findings",
    "list, photo filter, rating sort, page 5": "/findings?photo=yes&sort=rating&page=5",
    "list, text search (full page)": "/findings?q=nummer%201",
    "map view: page": "/findings?view=map",
    "map view: points or clusters (JSON)": "/findings/map-points",
}
# What a browser fetches for the map view: the page, then its points.
MAP_PARTS = ("map view: page", "map view: points or clusters (JSON)")


def make_app(instance: Path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite3'}",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "MAP_TILE_URL": "",
        "RATELIMIT_ENABLED": False,
    }, instance_path=instance)
    with app.app_context():
        from walkapp.auth.services import create_user
        from walkapp.seed import organisation_named, seed_reference_data

        db.create_all()
        seed_reference_data()
        create_user("bench@example.org", PASSWORD, "coordinator", organisation_named("Helhedsplanen"))
        db.session.commit()
    return app


def insert_findings(app, count: int, start: int) -> None:
    """`count` findings spread over walks of 250, categories round-robin; every 3rd has a photo,
    every 10th a measure."""
    from walkapp.findings.models import Category, Finding, Photo
    from walkapp.measures.models import Measure, measure_findings
    from walkapp.walks.models import Walk

    with app.app_context():
        cats = db.session.execute(db.select(Category.id)).scalars().all()
        user_id = db.session.execute(db.text("SELECT id FROM users LIMIT 1")).scalar_one()
        base = datetime(2025, 10, 1, 18, 0, tzinfo=UTC)
        findings, photos, links = [], [], []
        walk_id = None
        for i in range(start, start + count):
            if i % 250 == 0 or walk_id is None:
                walk = Walk(title=f"Vandring {i // 250}", kind="walk", status="closed",
                            starts_at=base + timedelta(days=i // 250), join_code=uuid.uuid4().hex)
                db.session.add(walk)
                db.session.flush()
                walk_id = walk.id
            fid = uuid.uuid4()
            findings.append({
                "id": fid, "walk_id": walk_id, "user_id": user_id, "category_id": cats[i % len(cats)],
                "lat": 55.66 + (i % 100) * 1e-5, "lon": 12.60 + (i // 100) * 1e-5,
                "location_source": "gps", "rating": i % 4, "description": f"Fund nummer {i}",
                "observed_at": base + timedelta(minutes=i), "created_at": base + timedelta(minutes=i),
                "updated_at": base, "state": "new", "dismiss_reason": "",
            })
            if i % 3 == 0:
                photos.append({"id": uuid.uuid4(), "finding_id": fid, "storage_key": uuid.uuid4().hex,
                               "sha256": "0" * 64, "width": 10, "height": 10, "size_bytes": 1,
                               "hidden": False, "created_at": base})
        db.session.execute(insert(Finding), findings)
        db.session.execute(insert(Photo), photos)
        for n, row in enumerate(findings[::10]):
            measure = Measure(title=f"Tiltag {start + n}", status="proposed")
            db.session.add(measure)
            db.session.flush()
            links.append({"measure_id": measure.id, "finding_id": row["id"]})
        db.session.execute(insert(measure_findings), links)
        db.session.commit()


def login(app):
    """A test client logged in as the bench coordinator."""
    client = app.test_client()
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client


def time_pages(clients: dict[str, object], url: str, runs: int) -> dict[str, float]:
    """Median milliseconds per database size; requests alternate between the databases so a
    busy machine slows both alike."""
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():
        assert client.get(url).status_code == 200, url  # warm-up
    for _ in range(runs):
        for name, client in clients.items():
            t0 = time.perf_counter()
            response = client.get(url)
            samples[name].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = {}
        for size in (500, 5000):
            folder = Path(tmp) / str(size)
            folder.mkdir()
            apps[size] = make_app(folder)
            insert_findings(apps[size], size, 0)
        clients = {size: login(app) for size, app in apps.items()}
        results = {name: time_pages(clients, url, args.runs) for name, url in PAGES.items()}
        answers = {size: client.get(PAGES[MAP_PARTS[1]]) for size, client in clients.items()}
        for app in apps.values():
            with app.app_context():
                db.engine.dispose()
    print(f"{'page':44} {'500 (ms)':>10} {'5000 (ms)':>10} {'ratio':>7}")
    for name, times in results.items():
        print(f"{name:44} {times[500]:10.1f} {times[5000]:10.1f} {times[5000] / times[500]:7.2f}")
    both = {size: sum(results[name][size] for name in MAP_PARTS) for size in (500, 5000)}
    print(f"{'map view: page + points':44} {both[500]:10.1f} {both[5000]:10.1f} {both[5000] / both[500]:7.2f}")
    sizes = {size: f"{len(r.get_data())} ({r.get_json()['mode']})" for size, r in answers.items()}
    print(f"map answer bytes: {sizes[500]} at 500, {sizes[5000]} at 5000")
    ratio = results["list, first page"][5000] / results["list, first page"][500]
    print(f"triage list ratio 5000/500: {ratio:.2f} (aim <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
