"""Database behaviour both databases must show: SQLite connection settings, foreign keys,
check and unique constraints, and time zones that survive a round trip."""
from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from tests.conftest import make_test_config
from walkapp import create_app
from walkapp.extensions import db
from walkapp.findings.models import Finding, Photo
from walkapp.walks.models import Participant, Walk

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


# ---------------------------------------------------------------- SQLite pragmas


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file, whichever database the rest of the run uses."""
    application = create_app(
        make_test_config(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}"), instance_path=tmp_path / "i"
    )
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def read_pragmas(dbapi_connection: sqlite3.Connection) -> tuple[str, int, int]:
    cursor = dbapi_connection.cursor()
    try:
        journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        foreign_keys = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
        busy = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    finally:
        cursor.close()
    return journal, foreign_keys, busy


def assert_pragmas(values: tuple[str, int, int]) -> None:
    journal, foreign_keys, busy = values
    assert journal.lower() == "wal"
    assert foreign_keys == 1
    assert busy >= 5000


def test_every_pooled_sqlite_connection_has_the_pragmas(sqlite_app):
    """Several connections open at once from the pool all run WAL, FKs on, busy_timeout."""
    with sqlite_app.app_context():
        raw = [db.engine.raw_connection() for _ in range(4)]
        try:
            # Four distinct DBAPI connections, each set up on connect.
            assert len({id(c.driver_connection) for c in raw}) == 4
            for connection in raw:
                assert_pragmas(read_pragmas(connection.driver_connection))
        finally:
            for connection in raw:
                connection.close()


def test_session_connection_has_the_pragmas(sqlite_app):
    """The connection the app's session uses for requests reads back the same settings."""
    with sqlite_app.app_context():
        journal = db.session.execute(text("PRAGMA journal_mode")).scalar_one()
        foreign_keys = db.session.execute(text("PRAGMA foreign_keys")).scalar_one()
        busy = db.session.execute(text("PRAGMA busy_timeout")).scalar_one()
        db.session.rollback()
    assert_pragmas((journal, foreign_keys, busy))


def test_new_engine_connections_have_the_pragmas(sqlite_app):
    """An engine made outside the app (e.g. by a script or Alembic) gets them too."""
    engine = create_engine(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        for _ in range(2):
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert_pragmas(read_pragmas(raw))
            engine.dispose()  # the next loop opens a brand-new connection
    finally:
        engine.dispose()


# ---------------------------------------------------------------- foreign keys


def test_foreign_key_is_enforced(app, ctx):
    """A participant on a walk that does not exist is refused by the database."""
    db.session.add(Participant(walk_id=987654, display_name="Spøgelse", role="resident"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Participant)).scalar_one() == 0


def test_deleting_a_walk_cascades_in_the_database(app, make_walk):
    """ON DELETE CASCADE works at database level (SQLite only does this with FKs on)."""
    walk = make_walk()
    with app.app_context():
        db.session.add(Participant(walk_id=walk["id"], display_name="Aase", role="resident"))
        db.session.commit()
        # A Core delete bypasses the ORM cascade: only the database can remove the participant.
        db.session.execute(delete(Walk).where(Walk.id == walk["id"]))
        db.session.commit()
        assert db.session.execute(select(func.count()).select_from(Participant)).scalar_one() == 0


# ---------------------------------------------------------------- check constraints


@pytest.mark.parametrize(
    "fields",
    [
        {"rating": 4},
        {"rating": -1},
        {"lat": 91.0},
        {"lat": -90.5},
        {"lon": 180.5},
        {"accuracy_m": -3.0},
        {"location_source": "guess"},
        {"state": "lost"},
    ],
    ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items()),
)
def test_finding_check_constraints(app, make_walk, make_finding, fields):
    """Impossible ratings, coordinates and states never reach the table."""
    walk = make_walk()
    with pytest.raises(IntegrityError):
        make_finding(walk["id"], **fields)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Finding)).scalar_one() == 0


def test_finding_valid_edges_are_accepted(app, make_walk, make_finding):
    """The boundaries themselves (rating 0 and 3, lat ±90, lon ±180) are valid."""
    walk = make_walk()
    make_finding(walk["id"], rating=0, lat=90.0, lon=180.0)
    make_finding(walk["id"], rating=3, lat=-90.0, lon=-180.0)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Finding)).scalar_one() == 2


def test_walk_meeting_point_check_constraint(app, make_walk):
    """A meeting point latitude of 91 is refused."""
    with pytest.raises(IntegrityError):
        make_walk(meeting_lat=91.0, meeting_lon=12.6)


def test_finding_needs_a_reporter(app, make_walk, make_finding):
    """A finding with neither participant nor user is refused."""
    walk = make_walk()
    with pytest.raises(IntegrityError):
        make_finding(walk["id"], user_id=None)


# ---------------------------------------------------------------- unique constraints


def test_same_photo_twice_on_one_finding_is_refused(app, make_walk, make_finding):
    """UNIQUE(finding_id, sha256): the same upload is stored once per finding."""
    walk = make_walk()
    first, second = make_finding(walk["id"]), make_finding(walk["id"])
    digest = "a" * 64
    with app.app_context():
        db.session.add(Photo(finding_id=first, storage_key="k1", sha256=digest, width=10, height=10))
        # The same bytes on another finding are fine.
        db.session.add(Photo(finding_id=second, storage_key="k2", sha256=digest, width=10, height=10))
        db.session.commit()
        db.session.add(Photo(finding_id=first, storage_key="k3", sha256=digest, width=10, height=10))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(Photo)).scalar_one() == 2


def test_finding_id_is_unique(app, make_walk, make_finding):
    """A finding id from the phone can only be stored once."""
    walk = make_walk()
    finding_id = uuid.uuid4()
    make_finding(walk["id"], id=finding_id)
    with pytest.raises(IntegrityError):
        make_finding(walk["id"], id=finding_id)


# ---------------------------------------------------------------- time zones


def test_datetimes_come_back_aware_utc(app, make_walk):
    """19:30 Copenhagen time is stored and read back as the same instant, in UTC."""
    evening = datetime(2026, 11, 29, 19, 30, tzinfo=COPENHAGEN)
    walk = make_walk(starts_at=evening)
    with app.app_context():
        loaded = db.session.get(Walk, walk["id"])
        assert loaded.starts_at.tzinfo is not None
        assert loaded.starts_at.utcoffset().total_seconds() == 0
        assert loaded.starts_at == evening
        assert loaded.starts_at == datetime(2026, 11, 29, 18, 30, tzinfo=UTC)
        # Column defaults are aware too.
        assert loaded.created_at.tzinfo is not None


def test_naive_datetime_is_refused(app, make_walk):
    """A naive datetime (unknown zone) is an error, not silently stored as local time."""
    with pytest.raises(StatementError, match="naive"):
        make_walk(starts_at=datetime(2026, 11, 29, 19, 30))
