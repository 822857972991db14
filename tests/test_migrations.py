"""The committed Alembic migration builds the whole schema on an empty SQLite file and on a
fresh PostgreSQL database, agrees with the models, and downgrades cleanly."""
from __future__ import annotations

import logging
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, USE_POSTGRES, make_test_config, skip_or_fail
from walkapp import create_app
from walkapp.extensions import db

VERSION_TABLE = "alembic_version"


@pytest.fixture(autouse=True)
def keep_logging_config():
    """migrations/env.py runs logging.fileConfig(), which disables every existing logger and
    binds a handler to this test's captured stderr; undo that for the tests that follow."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, logger in logging.root.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        if name in saved:
            logger.disabled, level, handlers, logger.propagate = saved[name]
            logger.setLevel(level)
            logger.handlers[:] = handlers
        else:
            logger.disabled = False
            logger.handlers.clear()


def _postgres_admin():
    return create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    """URL of a database with no tables at all: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    if not POSTGRES_URL:
        if USE_POSTGRES:
            skip_or_fail("WALKAPP_TEST_POSTGRES_URL is not set")
        # The SQLite pass of CI has no server; the PostgreSQL pass runs this test.
        pytest.skip("PostgreSQL migration runs when WALKAPP_TEST_POSTGRES_URL is set")
    name = f"walkapp_mig_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def migrate_app(tmp_path, empty_database):
    """An app pointed at the empty database (no create_all: only migrations build tables)."""
    application = create_app(make_test_config(empty_database), instance_path=tmp_path / "instance")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def flask_db(application, *args: str):
    """Run `flask db …` as a user would and insist that it succeeds."""
    result = application.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def table_names(application) -> set[str]:
    with application.app_context():
        return set(inspect(db.engine).get_table_names())


def test_upgrade_builds_every_table(migrate_app):
    """`flask db upgrade` on an empty database creates every table the models declare."""
    assert table_names(migrate_app) == set()
    flask_db(migrate_app, "upgrade")
    expected = set(db.metadata.tables)
    assert {"users", "walks", "findings", "photos", "measures"} <= expected
    assert table_names(migrate_app) == expected | {VERSION_TABLE}


def test_upgraded_schema_matches_the_models(migrate_app):
    """Autogenerate finds nothing to change: the committed migration and the models agree."""
    flask_db(migrate_app, "upgrade")
    with migrate_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgraded_database_is_usable(migrate_app):
    """After the migration the app can seed its reference data and log a user in."""
    from tests.conftest import PASSWORD, login
    from walkapp.auth.services import create_user
    from walkapp.seed import organisation_named, seed_reference_data

    flask_db(migrate_app, "upgrade")
    with migrate_app.app_context():
        seed_reference_data()
        create_user("drift@example.org", PASSWORD, "staff", organisation_named("VIBO"))
        db.session.commit()
    client = migrate_app.test_client()
    assert login(client, "drift@example.org").status_code == 302
    assert client.get("/walks").status_code == 200


def test_downgrade_to_base_removes_every_table(migrate_app):
    """`flask db downgrade base` leaves only Alembic's own bookkeeping table, empty."""
    flask_db(migrate_app, "upgrade")
    flask_db(migrate_app, "downgrade", "base")
    assert table_names(migrate_app) - {VERSION_TABLE} == set()
    with migrate_app.app_context(), db.engine.connect() as conn:
        if VERSION_TABLE in inspect(conn).get_table_names():
            assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 0
    # …and it can be built again.
    flask_db(migrate_app, "upgrade")
    assert table_names(migrate_app) == set(db.metadata.tables) | {VERSION_TABLE}


def test_existing_data_lands_in_one_default_area(migrate_app):
    """Upgrading an installation from before areas puts its walks, estates, measures and every
    organisation into "Standardområde", so its staff see exactly what they saw before."""
    from tests.conftest import PASSWORD, login
    from walkapp.auth.services import create_user

    flask_db(migrate_app, "upgrade", "f617d5094fe8")
    with migrate_app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, type, created_at) VALUES "
                          "('Gammelt Boligselskab', 'housing', CURRENT_TIMESTAMP)"))
        org_id = conn.execute(text("SELECT id FROM organisations")).scalar_one()
        conn.execute(text("INSERT INTO estates (name, organisation_id, created_at) VALUES "
                          "('Gammel afdeling', :org, CURRENT_TIMESTAMP)"), {"org": org_id})
        conn.execute(text(
            "INSERT INTO walks (kind, title, starts_at, meeting_point, notes, status, join_code, "
            "created_at, updated_at) VALUES ('walk', 'Vandring fra før områderne', "
            "CURRENT_TIMESTAMP, '', '', 'closed', 'OLDCODE1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO measures (title, description, status, version, public_note, created_at, "
            "updated_at) VALUES ('Gammelt tiltag', '', 'proposed', 1, '', CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"))
    flask_db(migrate_app, "upgrade")
    with migrate_app.app_context(), db.engine.connect() as conn:
        areas = conn.execute(text("SELECT id, name FROM areas")).all()
        assert [name for _id, name in areas] == ["Standardområde"]
        area_id = areas[0][0]
        for table in ("walks", "estates", "measures"):
            assert conn.execute(text(f"SELECT DISTINCT area_id FROM {table}")).scalars().all() == [area_id]
        assert conn.execute(text("SELECT organisation_id FROM area_memberships")).scalars().all() == [org_id]
    with migrate_app.app_context():
        from walkapp.orgs.models import Organisation

        create_user("drift@example.org", PASSWORD, "coordinator", db.session.get(Organisation, org_id))
        db.session.commit()
    client = migrate_app.test_client()
    assert login(client, "drift@example.org").status_code == 302
    assert "Vandring fra før områderne" in client.get("/walks").get_data(as_text=True)
    assert "Gammelt tiltag" in client.get("/measures").get_data(as_text=True)


def test_a_new_installation_gets_no_area_until_it_is_seeded(migrate_app):
    """An empty database stays empty: the first area comes from seed-demo or `areas create`."""
    flask_db(migrate_app, "upgrade")
    with migrate_app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM areas")).scalar_one() == 0
