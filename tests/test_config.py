"""Configuration: precedence of the four layers, the instance folder, and the secret key
(generated and persisted when missing; well-known values refused; forged cookies rejected)."""
from __future__ import annotations

import stat

import pytest
from flask import Flask, render_template_string
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import PASSWORD, USE_POSTGRES
from walkapp import WELL_KNOWN_SECRETS, create_app
from walkapp.extensions import db

KEY_FILE = "secret_key"


@pytest.fixture
def apps():
    """Collects the apps a test builds and disposes their engines (no leaked connections)."""
    built: list[Flask] = []
    yield built
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def clean_env(monkeypatch):
    """No WALKAPP_* setting from the shell leaks into these tests (the test-run ones excepted)."""
    import os

    for name in list(os.environ):
        if name.startswith("WALKAPP_") and not name.startswith("WALKAPP_TEST_"):
            monkeypatch.delenv(name)
    return monkeypatch


def build(apps, test_config=None, instance_path=None) -> Flask:
    application = create_app(test_config, instance_path=instance_path)
    apps.append(application)
    return application


# ---------------------------------------------------------------- precedence


def test_each_layer_overrides_the_one_below(tmp_path, apps, clean_env):
    """defaults < <instance>/config.py < WALKAPP_* environment < test_config."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "ROUTE_MAX_POINTS = 4000\n"
        "JOIN_RATE_LIMIT = '5 per minute'\n"
        "LOGIN_RATE_LIMIT = '3 per minute'\n"
        "MAP_TILE_URL = 'https://tiles.instance.example/{z}/{x}/{y}.png'\n"
    )
    clean_env.setenv("WALKAPP_LOGIN_RATE_LIMIT", "7 per minute")
    clean_env.setenv("WALKAPP_MAP_TILE_URL", "https://tiles.env.example/{z}/{x}/{y}.png")
    # Values are parsed as JSON where possible, so numbers and booleans keep their type.
    clean_env.setenv("WALKAPP_ROUTE_MAX_BYTES", "1000")
    clean_env.setenv("WALKAPP_OPEN311_PUBLIC", "true")

    application = build(
        apps, {"SECRET_KEY": "x" * 40, "MAP_TILE_URL": "https://tiles.test.example/{z}/{x}/{y}.png"},
        instance_path=instance,
    )
    config = application.config
    # Only the default sets it.
    assert config["PHOTO_MAX_PIXELS"] == 40_000_000
    # Instance file beats default.
    assert config["ROUTE_MAX_POINTS"] == 4000
    assert config["JOIN_RATE_LIMIT"] == "5 per minute"
    # Environment beats instance file.
    assert config["LOGIN_RATE_LIMIT"] == "7 per minute"
    assert config["ROUTE_MAX_BYTES"] == 1000
    assert config["OPEN311_PUBLIC"] is True
    # test_config beats everything.
    assert config["MAP_TILE_URL"] == "https://tiles.test.example/{z}/{x}/{y}.png"


def test_environment_tile_url_reaches_the_page(tmp_path, apps, clean_env):
    """A tile server set in the environment is what the map on the page uses."""
    clean_env.setenv("WALKAPP_MAP_TILE_URL", "https://tiles.env.example/{z}/{x}/{y}.png")
    application = build(apps, {"SECRET_KEY": "y" * 40}, instance_path=tmp_path / "i")
    # Only pages with a map carry the map settings (base.html with `uses_map`), not /login.
    with application.test_request_context("/"):
        html = render_template_string('{% extends "base.html" %}{% set uses_map = true %}')
    assert "https://tiles.env.example/{z}/{x}/{y}.png" in html


def test_instance_path_from_environment(tmp_path, apps, clean_env):
    """WALKAPP_INSTANCE_PATH puts the database, secret key and config.py outside the code."""
    instance = tmp_path / "data" / "walkapp"
    instance.mkdir(parents=True)
    (instance / "config.py").write_text("ROUTE_MAX_POINTS = 1234\n")
    clean_env.setenv("WALKAPP_INSTANCE_PATH", str(instance))

    application = build(apps)
    assert application.instance_path == str(instance.resolve())
    assert application.config["ROUTE_MAX_POINTS"] == 1234
    assert application.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance.resolve() / 'walkapp.sqlite3'}"
    with application.app_context():
        db.create_all()
    assert (instance / "walkapp.sqlite3").is_file()
    assert (instance / KEY_FILE).is_file()


def test_instance_path_argument_beats_environment(tmp_path, apps, clean_env):
    """An explicit instance_path wins over WALKAPP_INSTANCE_PATH."""
    clean_env.setenv("WALKAPP_INSTANCE_PATH", str(tmp_path / "from-env"))
    application = build(apps, instance_path=tmp_path / "from-arg")
    assert application.instance_path == str((tmp_path / "from-arg").resolve())
    assert (tmp_path / "from-arg" / KEY_FILE).is_file()
    assert not (tmp_path / "from-env" / KEY_FILE).exists()


# ---------------------------------------------------------------- secret key


def test_missing_secret_key_is_generated_persisted_and_reused(tmp_path, apps, clean_env):
    """Without SECRET_KEY a long random key is kept in <instance>/secret_key (0600) and reused."""
    instance = tmp_path / "instance"
    first = build(apps, instance_path=instance)
    key_file = instance / KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first.config["SECRET_KEY"]
    assert key == key_file.read_text().strip()
    assert len(key) >= 32
    assert key.lower() not in WELL_KNOWN_SECRETS

    second = build(apps, instance_path=instance)
    assert second.config["SECRET_KEY"] == key

    other = build(apps, instance_path=tmp_path / "other")
    assert other.config["SECRET_KEY"] != key


def test_session_survives_restart_with_generated_key(tmp_path, apps, clean_env):
    """A cookie from one process still works after a restart: users stay logged in."""
    instance = tmp_path / "instance"
    first = build(apps, {"SECRET_KEY": None}, instance_path=instance)
    serializer = SecureCookieSessionInterface().get_signing_serializer(first)
    cookie = serializer.dumps({"lang": "en"})
    second = build(apps, instance_path=instance)
    assert SecureCookieSessionInterface().get_signing_serializer(second).loads(cookie) == {"lang": "en"}


WELL_KNOWN_SAMPLES = ["dev", "changeme", "secret", "Dev", " changeme ", "development", "secret-key"]


@pytest.mark.parametrize("secret", WELL_KNOWN_SAMPLES)
def test_well_known_secret_stops_production_app(tmp_path, apps, clean_env, secret):
    """A tutorial secret outside debug/testing stops the app with a clear message."""
    with pytest.raises(RuntimeError, match="SECRET_KEY") as excinfo:
        build(apps, {"SECRET_KEY": secret}, instance_path=tmp_path / "i")
    assert "well-known" in str(excinfo.value)


def test_well_known_secret_from_environment_stops_app(tmp_path, apps, clean_env):
    """The same check applies to WALKAPP_SECRET_KEY, as set on a real server."""
    clean_env.setenv("WALKAPP_SECRET_KEY", "changeme")
    with pytest.raises(RuntimeError, match="WALKAPP_SECRET_KEY"):
        build(apps, instance_path=tmp_path / "i")


def test_well_known_secret_from_instance_config_stops_app(tmp_path, apps, clean_env):
    """…and to a copied-from-a-tutorial instance/config.py."""
    instance = tmp_path / "i"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'dev'\n")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        build(apps, instance_path=instance)


# ---------------------------------------------------------------- forged cookies


@pytest.fixture
def production_app(tmp_path, database_url, apps, clean_env):
    """An app configured like production (no TESTING, no SECRET_KEY) with one coordinator."""
    from walkapp.auth.services import create_user
    from walkapp.seed import organisation_named, seed_reference_data

    application = build(
        apps,
        {"SQLALCHEMY_DATABASE_URI": database_url, "ARGON2_TIME_COST": 1,
         "ARGON2_MEMORY_COST": 1024, "MAP_TILE_URL": ""},
        instance_path=tmp_path / "prod-instance",
    )
    assert not application.testing
    with application.app_context():
        if not USE_POSTGRES:
            db.create_all()
        seed_reference_data()
        user = create_user("chef@example.org", PASSWORD, "admin", organisation_named("VIBO"))
        db.session.commit()
        application.config["_test_user_id"] = user.id
        application.config["_test_user_nonce"] = user.session_nonce
    return application


def forged_session_cookie(secret: str, payload: dict) -> str:
    """A Flask session cookie signed with `secret`, as an attacker would make it."""
    forger = Flask("forger")
    forger.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)


def session_payload(app: Flask) -> dict:
    """A logged-in session of the app's user, right down to its current session nonce."""
    return {"_user_id": str(app.config["_test_user_id"]), "_user_nonce": app.config["_test_user_nonce"],
            "_fresh": True, "_id": "x"}


def test_cookie_signed_with_real_key_logs_in(production_app):
    """Control: the forging method is right — a cookie signed with the app's own key works."""
    client = production_app.test_client()
    cookie = forged_session_cookie(
        production_app.config["SECRET_KEY"], session_payload(production_app)
    )
    client.set_cookie(production_app.config["SESSION_COOKIE_NAME"], cookie)
    response = client.get("/walks")
    assert response.status_code == 200


@pytest.mark.parametrize("secret", sorted(WELL_KNOWN_SECRETS | {"tests", "walkapp", "CHANGEME", "secret123"}))
def test_cookie_signed_with_well_known_secret_does_not_log_in(production_app, secret):
    """A session cookie signed with any well-known default secret is ignored."""
    client = production_app.test_client()
    cookie = forged_session_cookie(secret, session_payload(production_app))
    client.set_cookie(production_app.config["SESSION_COOKIE_NAME"], cookie)
    response = client.get("/walks")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/admin/users").status_code == 302
