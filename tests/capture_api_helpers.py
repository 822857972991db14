"""Capture API calls as a phone makes them: join, CSRF-headed writes, finding payloads, reads."""
from __future__ import annotations

import io
import uuid

from tests.conftest import csrf_token
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.walks.models import Walk

NEAR_LAT, NEAR_LON = 55.6665, 12.6060


def send(client, method: str, url: str, json=None, **kwargs):
    """A cookie-authenticated API write with the CSRF header, as the outbox sends it."""
    headers = {"X-CSRFToken": csrf_token(client), **kwargs.pop("headers", {})}
    return client.open(url, method=method, json=json, headers=headers, **kwargs)


def upload(client, finding_id: str, data: bytes, filename: str = "IMG_0001.jpg", photo_id: str | None = None, **kwargs):
    """Send a photo as capture.js does (multipart, CSRF header unless bearer)."""
    form = {"photo": (io.BytesIO(data), filename)}
    if photo_id:
        form["id"] = photo_id
    headers = kwargs.pop("headers", None)
    if headers is None:
        return send(client, "POST", f"/api/v1/findings/{finding_id}/photos", data=form,
                    content_type="multipart/form-data", **kwargs)
    return client.post(f"/api/v1/findings/{finding_id}/photos", data=form, headers=headers,
                       content_type="multipart/form-data", **kwargs)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def finding_payload(**overrides) -> dict:
    """A finding as capture.js sends it."""
    payload = {
        "id": str(uuid.uuid4()),
        "lat": NEAR_LAT,
        "lon": NEAR_LON,
        "accuracy_m": 8.5,
        "location_source": "gps",
        "category": "lighting",
        "rating": 1,
        "description": "Mørk sti bag blok 3",
        "observed_at": "2026-11-24T19:42:10.123+01:00",
    }
    payload.update(overrides)
    return payload


def findings_url(walk_id: int) -> str:
    return f"/api/v1/walks/{walk_id}/findings"


def stored_findings(app, walk_id: int | None = None) -> list[Finding]:
    """Findings in the database (optionally of one walk)."""
    with app.app_context():
        query = db.select(Finding)
        if walk_id is not None:
            query = query.where(Finding.walk_id == walk_id)
        return list(db.session.execute(query).scalars())


def stored(app, finding_id) -> Finding | None:
    with app.app_context():
        return db.session.get(Finding, uuid.UUID(str(finding_id)))


def close_walk(app, walk_id: int) -> None:
    with app.app_context():
        db.session.get(Walk, walk_id).status = "closed"
        db.session.commit()
