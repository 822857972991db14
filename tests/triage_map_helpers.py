"""Helpers of the triage map tests: the map view's JSON block, and many findings inserted fast."""
from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from walkapp.extensions import db

HOSTILE = '<img src=x onerror=alert(1)> "><script>alert(2)</script> Mørk sti'


def page_data(client, query: str = "") -> dict:
    """The map view's JSON block (what triage-map.js reads)."""
    html = client.get(f"/findings?view=map{query}").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="triage-map-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def insert_findings(app, walk_id: int, count: int, start: int = 0) -> list[uuid.UUID]:
    """`count` findings with SQLAlchemy core (fast), categories and ratings round-robin, the
    i-th observed i minutes after the first (from `start`); their ids."""
    from walkapp.findings.models import Category, Finding

    with app.app_context():
        cats = db.session.execute(db.select(Category.id)).scalars().all()
        user_id = db.session.execute(db.text("SELECT id FROM users ORDER BY id LIMIT 1")).scalar_one()
        base = datetime(2025, 10, 1, 18, 0, tzinfo=UTC)
        ids = [uuid.uuid4() for _ in range(count)]
        db.session.execute(insert(Finding), [
            {"id": ids[i - start], "walk_id": walk_id, "user_id": user_id, "category_id": cats[i % len(cats)],
             "lat": 55.666 + (i % 100) * 1e-5, "lon": 12.606 + (i // 100) * 1e-5, "location_source": "gps",
             "rating": i % 4, "description": f"Fund nummer {i} {HOSTILE}", "observed_at": base + timedelta(minutes=i),
             "created_at": base + timedelta(minutes=i), "updated_at": base, "state": "new", "dismiss_reason": ""}
            for i in range(start, start + count)
        ])
        db.session.commit()
    return ids
