"""Walk form data, stored walks as plain values, and GPX routes of a given size."""
from __future__ import annotations

import json

from walkapp.extensions import db

ROUTE = {"type": "LineString", "coordinates": [[12.6035, 55.666], [12.6054, 55.6664], [12.6072, 55.6668]]}


def walk_row(app, walk_id: int) -> dict | None:
    """The stored walk as plain values (None when it does not exist)."""
    from walkapp.walks.models import Walk

    with app.app_context():
        walk = db.session.get(Walk, walk_id)
        if walk is None:
            return None
        return {
            "kind": walk.kind, "title": walk.title, "starts_at": walk.starts_at,
            "meeting_point": walk.meeting_point, "meeting_lat": walk.meeting_lat,
            "meeting_lon": walk.meeting_lon, "route": walk.route, "status": walk.status,
            "join_code": walk.join_code, "follow_up_on": walk.follow_up_on, "notes": walk.notes,
            "estates": [e.name for e in walk.estates], "created_by_id": walk.created_by_id,
        }


def walk_count(app) -> int:
    from walkapp.walks.models import Walk

    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Walk)).scalar_one()


def form_data(**overrides) -> dict:
    data = {
        "kind": "walk",
        "title": "Aftenvandring i Holmbladsgade",
        "starts_at": "2030-11-26T18:30",
        "meeting_point": "Ved vaskeriet",
        "meeting_lat": "55.666",
        "meeting_lon": "12.6035",
        "follow_up_on": "2031-05-20",
        "notes": "Husk lygter.",
        "route": json.dumps(ROUTE),
    }
    data.update(overrides)
    return data


def gpx_with_points(count: int) -> bytes:
    """A GPX track with `count` valid points around Amagerbro."""
    points = "".join(
        f'<trkpt lat="{55.66 + i * 1e-6:.7f}" lon="{12.60 + i * 1e-6:.7f}"/>' for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()
