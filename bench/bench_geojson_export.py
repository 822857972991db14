"""GeoJSON export of 10,000 findings: time and SQL statements, against 100 findings.

The reference is the same export of 100 findings in the same run: the statement count must
be the same (eager loading by walk, not per finding) and time should grow about linearly.
Run: .venv/bin/python bench/bench_geojson_export.py   (SQLite in a temporary folder)
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from walkapp import create_app  # noqa: E402
from walkapp.exports.geojson_export import feature_collection  # noqa: E402
from walkapp.exports.queries import load_export_findings  # noqa: E402
from walkapp.extensions import db  # noqa: E402
from walkapp.findings.models import Category, Finding, Photo  # noqa: E402
from walkapp.measures.models import Measure  # noqa: E402
from walkapp.walks.models import Walk  # noqa: E402

ROUTE = {"type": "LineString", "coordinates": [[12.6035, 55.6660], [12.6054, 55.6664], [12.6072, 55.6668]]}


def make_walk(count: int) -> int:
    """A walk with `count` findings, a measure on every 4th and a photo on every 5th."""
    categories = db.session.execute(db.select(Category)).scalars().all()
    walk = Walk(title=f"Bench {count}", starts_at=datetime.now(UTC), route=ROUTE, join_code=uuid.uuid4().hex)
    db.session.add(walk)
    db.session.flush()
    findings = []
    for n in range(count):
        finding = Finding(id=uuid.uuid4(), walk_id=walk.id, category_id=categories[n % len(categories)].id,
                          lat=55.66 + (n % 100) * 1e-4, lon=12.60 + (n // 100) * 1e-4, user_id=None,
                          participant_id=None, description=f"Fund {n}", rating=n % 4)
        findings.append(finding)
    # The reporter check needs a user or participant; a participant row is cheapest.
    from walkapp.walks.models import Participant

    participant = Participant(walk_id=walk.id, display_name="Bench")
    db.session.add(participant)
    db.session.flush()
    for n, finding in enumerate(findings):
        finding.participant_id = participant.id
        db.session.add(finding)
        if n % 5 == 0:
            db.session.add(Photo(finding_id=finding.id, storage_key=uuid.uuid4().hex, sha256="0" * 64,
                                 width=10, height=10))
    db.session.flush()
    for n in range(0, count, 4):
        db.session.add(Measure(title=f"Tiltag {n}", findings=[findings[n]]))
    db.session.commit()
    return walk.id


def export(walk_id: int) -> tuple[float, int, int]:
    """Seconds, SQL statements and bytes for one export (as the view does it)."""
    statements = 0

    def count(*_args, **_kwargs):
        nonlocal statements
        statements += 1

    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    walk = db.session.get(Walk, walk_id)
    items = load_export_findings(Finding.walk_id == walk_id)
    body = json.dumps(feature_collection(items, walk, "da", lambda p: f"/photos/{p.id}.jpg"),
                      ensure_ascii=False, separators=(",", ":"))
    elapsed = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    return elapsed, statements, len(body.encode())


def main(profile: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"}, instance_path=tmp)
        with app.app_context():
            db.create_all()
            from walkapp.seed import seed_reference_data

            seed_reference_data()
            db.session.commit()
            small, large = make_walk(100), make_walk(10_000)
            export(small)  # warm-up
            t_small, q_small, b_small = export(small)
            t_large, q_large, b_large = export(large)
            print(f"100 findings:    {t_small * 1000:8.1f} ms  {q_small} SQL statements  {b_small / 1024:8.0f} KiB")
            print(f"10,000 findings: {t_large * 1000:8.1f} ms  {q_large} SQL statements  {b_large / 1024:8.0f} KiB")
            print(f"time ratio 10,000 / 100: {t_large / t_small:.1f} (100x the findings); "
                  f"statements: {'constant' if q_small == q_large else 'NOT constant'}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
