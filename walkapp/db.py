"""Declarative base, UTC datetime type and SQLite connection settings."""
import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How long a writer waits for SQLite's write lock before the request is answered 503
# (walkapp.errors). Writes are short, so a wait this long means the database is swamped and the
# phone's outbox is better off trying again later than a request hanging on.
SQLITE_BUSY_TIMEOUT_MS = 5000
# Requests with these methods only read (a GET that writes is a bug), so their transactions
# begin deferred and never hold the write lock: an export rendering for seconds blocks no phone.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def now_utc() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite drops the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL lets readers work while one phone writes; foreign keys are off by default in SQLite."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    busy_ms = SQLITE_BUSY_TIMEOUT_MS
    if has_app_context():
        busy_ms = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", busy_ms))
    cursor = dbapi_connection.cursor()
    # Before journal_mode: switching a fresh file to WAL needs a lock another worker may hold.
    connection_record.info["sqlite_busy_ms"] = busy_ms
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows and replaced text are overwritten with zeros, not left in free space in the
    # file: retention and staff edits remove personal data, and it must really be gone.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def sqlite_begin_statement() -> str:
    """BEGIN for reading requests, BEGIN IMMEDIATE for everything that may write.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer holds the lock or committed since its first read; SQLite does not wait
    (busy_timeout) for that upgrade. So writing requests and work outside a request (commands,
    scripts) take the write lock at BEGIN and queue behind each other. Reads don't: in WAL mode
    they see a consistent snapshot while one writer goes on."""
    if has_request_context() and (request.method in READ_ONLY_METHODS or g.get("_reads_only")):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


@contextlib.contextmanager
def reads_only(session) -> Iterator[None]:
    """In a writing request, run a block that only reads (an access check before slow work, the
    answer built after the commit) in its own deferred transaction, ended with the block, so it
    does not hold SQLite's write lock. Any transaction still open is committed first."""
    session.commit()
    g._reads_only = True
    try:
        yield
        session.commit()
    finally:
        g._reads_only = False


# One lock per database file for the writers of this process. SQLite's busy handler polls with
# growing sleeps (up to 100 ms), so under load a writer that has waited long keeps losing the
# lock to newcomers and runs into the busy timeout while the lock is free most of the time. A
# thread lock wakes the next waiter the moment the lock is released; SQLite's own lock still
# decides between processes (gunicorn workers), with one contender per process.
_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()
_HELD = "walkapp_writer_lock"


def _writer_lock(database: str) -> threading.Lock:
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(database, threading.Lock())


def _take_writer_lock(conn) -> None:
    database = conn.engine.url.database
    if not database or database == ":memory:" or _HELD in conn.info:
        return
    lock = _writer_lock(database)
    if not lock.acquire(timeout=conn.info.get("sqlite_busy_ms", SQLITE_BUSY_TIMEOUT_MS) / 1000):
        raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
    conn.info[_HELD] = lock


def _release_writer_lock(info: dict) -> None:
    lock = info.pop(_HELD, None)
    if lock is not None:
        lock.release()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """pysqlite runs in autocommit (isolation_level=None above), so BEGIN is issued here."""
    if conn.dialect.name != "sqlite":
        return
    statement = sqlite_begin_statement()
    if statement == "BEGIN IMMEDIATE":
        _take_writer_lock(conn)
    try:
        conn.exec_driver_sql(statement)
    except BaseException:
        _release_writer_lock(conn.info)
        raise


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    """The transaction ends: the next writer of this process may begin."""
    _release_writer_lock(conn.info)


@event.listens_for(Pool, "checkin")
@event.listens_for(Pool, "invalidate")
@event.listens_for(Pool, "close")
def _sqlite_connection_released(dbapi_connection, connection_record, *args):
    """A connection given back or dropped without commit/rollback never keeps the lock."""
    if connection_record is not None:
        _release_writer_lock(connection_record.info)
