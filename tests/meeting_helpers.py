"""Meeting-mode helpers: named staff, findings spread along the demo route, stored decisions."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from walkapp.extensions import db

# Along tests/conftest.py DEMO_ROUTE (12.6035 → 12.6072 E at about 55.666 N).
ROUTE_START_LON, ROUTE_END_LON = 12.6036, 12.6071


def name_user(app, user_id: int, name: str) -> None:
    """Give a staff user a display name (the name the meeting shows as decider)."""
    from walkapp.auth.models import User

    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def spread_findings(app, walk_id: int, count: int, user_id: int, categories=("lighting", "graffiti")) -> list:
    """`count` findings evenly along the route, stored in REVERSE route order and seen in
    reverse too, so only the route can put them in order; returns ids in route order."""
    from walkapp.findings.models import Category, Finding

    with app.app_context():
        cats = [db.session.execute(db.select(Category).where(Category.code == c)).scalar_one()
                for c in categories]
        ids = [uuid.uuid4() for _ in range(count)]
        start = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
        rows = []
        for index in reversed(range(count)):
            share = index / max(count - 1, 1)
            lon = ROUTE_START_LON + (ROUTE_END_LON - ROUTE_START_LON) * share
            lat = 55.6660 + (55.6668 - 55.6660) * (lon - 12.6035) / (12.6072 - 12.6035)
            rows.append(Finding(
                id=ids[index], walk_id=walk_id, category_id=cats[index % len(cats)].id,
                lat=lat, lon=lon, user_id=user_id, description=f"Sted {index + 1}", rating=index % 4,
                observed_at=start + timedelta(minutes=count - index),
            ))
        db.session.add_all(rows)
        db.session.commit()
        return ids


def finding_row(app, finding_id) -> dict:
    """A stored finding's state, duplicate link, reason and measure ids as plain values."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import measure_findings

    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        measures = db.session.execute(
            db.select(measure_findings.c.measure_id).where(measure_findings.c.finding_id == finding_id)
        ).scalars().all()
        return {"state": finding.state, "duplicate_of": finding.duplicate_of_id,
                "reason": finding.dismiss_reason, "measures": sorted(measures)}


def state_history(app, finding_id) -> list[tuple]:
    """(old, new, by_user_id) of each state change of a finding, oldest first."""
    from walkapp.findings.models import FindingChange

    with app.app_context():
        rows = db.session.execute(
            db.select(FindingChange).where(FindingChange.finding_id == finding_id,
                                           FindingChange.field == "state")
            .order_by(FindingChange.at, FindingChange.id)
        ).scalars()
        return [(r.old_value, r.new_value, r.by_user_id) for r in rows]


def measure_count(app) -> int:
    """How many measures are stored."""
    from walkapp.measures.models import Measure

    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Measure)).scalar_one()
