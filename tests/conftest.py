"""Shared fixtures: a fresh app and database per test (SQLite, or PostgreSQL when
WALKAPP_TEST_DATABASE=postgres), factories, shared scenes, and login/CSRF/join helpers.

Every fixture used by more than one test module lives here (or in tests/browser/conftest.py);
plain helper functions live in tests/*_helpers.py. No test module imports another.

WALKAPP_TEST_STRICT=1 (set by .ci/run) turns every "needs Chromium/PostgreSQL" skip into a
failure, so CI cannot pass by silently skipping the browser or database tests."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from walkapp import create_app
from walkapp.extensions import db as _db
from walkapp.orgs.area_scope import unscoped

STRICT = os.environ.get("WALKAPP_TEST_STRICT") == "1"
POSTGRES_URL = os.environ.get("WALKAPP_TEST_POSTGRES_URL", "")
USE_POSTGRES = os.environ.get("WALKAPP_TEST_DATABASE", "sqlite") == "postgres"
PASSWORD = "correct horse battery"


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason on a laptop; fail under WALKAPP_TEST_STRICT=1 (CI)."""
    if STRICT:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------- databases


def _admin_engine():
    url = make_url(POSTGRES_URL)
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template():
    """A PostgreSQL database holding the schema, copied for each test (fast CREATE … TEMPLATE)."""
    if not USE_POSTGRES:
        yield None
        return
    if not POSTGRES_URL:
        pytest.fail("WALKAPP_TEST_DATABASE=postgres needs WALKAPP_TEST_POSTGRES_URL", pytrace=False)
    name = f"walkapp_tmpl_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(POSTGRES_URL).set(database=name))
    from walkapp import models  # noqa: F401

    _db.Model.metadata.create_all(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path, postgres_template):
    """URL of an empty-schema database of its own for this test."""
    if postgres_template is None:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    name = f"walkapp_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_test_config(database_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "tests-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Fast hashes in tests; production defaults are checked in test_auth.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "MAP_TILE_URL": "",
    }
    config.update(extra)
    return config


@pytest.fixture
def app_config(database_url):
    """Extra config for the app fixture; override in a test module to change settings."""
    return {}


@pytest.fixture
def app(tmp_path, database_url, app_config):
    """A fresh app with its own instance folder and an empty schema, plus reference data."""
    application = create_app(make_test_config(database_url, **app_config), instance_path=tmp_path / "instance")
    with application.app_context():
        if database_url.startswith("sqlite"):
            _db.create_all()
        from walkapp.seed import seed_reference_data

        seed_reference_data()
        _db.session.commit()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield
        _db.session.rollback()


# ---------------------------------------------------------------- helpers


def csrf_token(client) -> str:
    """A CSRF token bound to the client's session (as the outbox fetches it)."""
    return client.get("/api/v1/csrf").get_json()["csrf_token"]


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token, like a browser submitting our page."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client)
    return client.post(url, data=payload, **kwargs)


def count_statements(app, client, url: str, method: str = "get", **kwargs):
    """(number of SQL statements the request (a GET unless `method`) to `url` sends to the
    database, the response)."""
    from sqlalchemy import event

    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.open(url, method=method.upper(), **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements), response


def statements_for(client, app, url: str) -> int:
    """SQL statements one successful GET of `url` runs."""
    count, response = count_statements(app, client, url)
    assert response.status_code == 200, (url, response.status_code)
    return count


def login(client, email: str, password: str = PASSWORD):
    return post_form(client, "/login", {"email": email, "password": password})


def join_walk(client, join_code: str, role: str = "resident") -> None:
    """Join a walk by code in this client (participant session cookie)."""
    response = post_form(client, f"/j/{join_code}", {"role": role})
    assert response.status_code == 302, response.get_data(as_text=True)


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_org(app):
    """Create an organisation (committed), a member of the default area unless area=False."""
    from walkapp.orgs.models import Organisation

    def factory(name: str | None = None, type: str = "housing", area: bool = True) -> Organisation:
        """area=False: an organisation of no area (the default area otherwise)."""
        from walkapp.seed import default_area

        with app.app_context():
            org = Organisation(name=name or f"Org {uuid.uuid4().hex[:6]}", type=type)
            _db.session.add(org)
            if area:
                org.areas.append(default_area())
            _db.session.commit()
            _db.session.refresh(org)
            _db.session.expunge(org)
            return org

    return factory


@pytest.fixture
def make_user(app):
    """Create a user (committed) with password PASSWORD; returns its id and email."""
    from walkapp.auth.services import create_user
    from walkapp.seed import organisation_named

    def factory(email: str | None = None, role: str = "coordinator", organisation: str = "Helhedsplanen"):
        with app.app_context():
            user = create_user(
                email or f"user-{uuid.uuid4().hex[:6]}@example.org", PASSWORD, role,
                organisation_named(organisation),
            )
            _db.session.commit()
            return {"id": user.id, "email": user.email, "role": user.role,
                    "organisation_id": user.organisation_id}

    return factory


@pytest.fixture
def coordinator(make_user):
    return make_user("koordinator@example.org", "coordinator")


@pytest.fixture
def logged_in(client, coordinator):
    """A test client logged in as a coordinator."""
    response = login(client, coordinator["email"])
    assert response.status_code == 302
    return client


@pytest.fixture
def api_token(app, coordinator):
    """A bearer token for the coordinator."""
    from walkapp.auth.models import User
    from walkapp.auth.services import issue_token

    with app.app_context():
        token = issue_token(_db.session.get(User, coordinator["id"]))
        _db.session.commit()
    return token


DEMO_ROUTE = {
    "type": "LineString",
    "coordinates": [[12.6035, 55.6660], [12.6054, 55.6664], [12.6072, 55.6668]],
}


@pytest.fixture
def make_walk(app, coordinator):
    """Create a walk (committed); returns its id and join code."""
    from walkapp.walks.models import Walk
    from walkapp.walks.services import new_join_code

    def factory(status: str = "active", kind: str = "walk", title: str = "Aftenvandring", route=DEMO_ROUTE, **fields):
        from walkapp.seed import default_area

        with app.app_context():
            # The default area unless the test names another (tests with several areas do).
            fields.setdefault("area_id", default_area().id)
            walk = Walk(
                kind=kind, title=title, status=status, route=route, join_code=new_join_code(),
                starts_at=fields.pop("starts_at", datetime.now(UTC) + timedelta(days=1)),
                meeting_point=fields.pop("meeting_point", "Ved vaskeriet"),
                created_by_id=coordinator["id"], **fields,
            )
            _db.session.add(walk)
            _db.session.commit()
            return {"id": walk.id, "join_code": walk.join_code}

    return factory


@pytest.fixture
def make_finding(app, coordinator):
    """Create a finding on a walk (committed); returns its id."""
    from walkapp.findings.models import Category, Finding

    def factory(walk_id: int, category: str = "lighting", lat: float = 55.6665, lon: float = 12.606, **fields):
        with app.app_context():
            cat = _db.session.execute(_db.select(Category).where(Category.code == category)).scalar_one()
            finding = Finding(
                id=fields.pop("id", uuid.uuid4()), walk_id=walk_id, category_id=cat.id, lat=lat,
                lon=lon, user_id=fields.pop("user_id", coordinator["id"]),
                description=fields.pop("description", "Mørk sti"), **fields,
            )
            _db.session.add(finding)
            _db.session.commit()
            return finding.id

    return factory


# ---------------------------------------------------------------- shared scenes


@pytest.fixture
def walk(make_walk):
    """An active walk."""
    return make_walk(status="active")


@pytest.fixture
def participant(app, walk):
    """A test client joined to `walk` as a resident."""
    client = app.test_client()
    join_walk(client, walk["join_code"])
    return client


@pytest.fixture
def make_estate(app):
    """Create an estate of a seeded organisation (committed); returns its id."""
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named

    def factory(name: str = "Holmbladsgade", organisation: str = "VIBO", **fields) -> int:
        from walkapp.seed import default_area

        with app.app_context():
            fields.setdefault("area_id", default_area().id)
            estate = Estate(name=name, organisation=organisation_named(organisation), **fields)
            _db.session.add(estate)
            _db.session.commit()
            return estate.id

    return factory


@pytest.fixture
def estate_id(make_estate):
    """An estate of VIBO (committed)."""
    return make_estate("Holmbladsgade", "VIBO")


@pytest.fixture
def make_measure(app, coordinator, make_walk, make_finding):
    """Create a proposed measure on a new finding via the service (committed); returns its id."""
    from walkapp.auth.models import User
    from walkapp.findings.models import Finding
    from walkapp.measures.services import create_measure
    from walkapp.seed import organisation_named

    def factory(title: str = "Ny belysning ved port", org: str | None = "VIBO", walk_id=None,
                finding_ids=None, **fields) -> int:
        if finding_ids is None:
            walk_id = walk_id or make_walk()["id"]
            finding_ids = [make_finding(walk_id)]
        with app.app_context(), app.test_request_context(), unscoped():
            measure = create_measure(
                title=title, findings=[_db.session.get(Finding, f) for f in finding_ids],
                by_user=_db.session.get(User, coordinator["id"]),
                responsible_org=organisation_named(org) if org else None, **fields,
            )
            _db.session.commit()
            return measure.id

    return factory


@pytest.fixture
def walk_with_measures(app, make_walk, make_finding):
    """A walk with participants, findings in two categories, measures and a plan item."""
    from walkapp.findings.models import Finding, Photo
    from walkapp.measures.models import Measure, PlanItem
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named
    from walkapp.walks.models import Participant

    walk = make_walk(status="closed", title="Holmbladsgade aften")
    lamp = make_finding(walk["id"], description="Mørk passage ved nr. 12")
    tags = make_finding(walk["id"], category="graffiti", description="Tags på garagen")
    gone = make_finding(walk["id"], category="litter", description="Afvist skrald", state="dismissed")
    with app.app_context():
        estate = Estate(name="Holmbladsgade", organisation=organisation_named("VIBO"))
        _db.session.add(estate)
        _db.session.add_all([Participant(walk_id=walk["id"], role="resident") for _ in range(3)])
        _db.session.add(Participant(walk_id=walk["id"], role="police"))
        _db.session.add(Photo(finding_id=lamp, storage_key=uuid.uuid4().hex, sha256="a" * 64, width=4, height=4))
        _db.session.add(Photo(finding_id=tags, storage_key=uuid.uuid4().hex, sha256="b" * 64, width=4,
                             height=4, hidden=True))
        f = {x.id: x for x in _db.session.execute(_db.select(Finding)).scalars()}
        agreed = Measure(title="Opsæt LED-lamper", status="agreed", due_on=date(2026, 3, 1),
                         responsible_org=organisation_named("VIBO"), findings=[f[lamp]])
        proposed = Measure(title="Fjern graffiti på garagen", status="proposed", findings=[f[tags]],
                           responsible_org=organisation_named("Københavns Kommune – TMF"))
        planned = Measure(title="Nye låse i kælderen", status="in_plan", findings=[f[lamp]])
        _db.session.add_all([agreed, proposed, planned])
        _db.session.flush()
        _db.session.add(PlanItem(measure_id=planned.id, estate=estate, plan_year=2027, amount_dkk=125000))
        _db.session.commit()
    return {"walk": walk["id"], "lamp": lamp, "tags": tags, "gone": gone}


# ---------------------------------------------------------------- browser


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


# ---------------------------------------------------------------- S3 photo storage

S3_URL = os.environ.get("WALKAPP_TEST_S3_URL", "")


class S3Bucket:
    """A bucket on the test S3 server, read and written directly with boto3 (as an operator
    would look into it), never through the app's store."""

    def __init__(self, client, name: str, prefix: str) -> None:
        self.client, self.name, self.prefix = client, name, prefix

    def keys(self) -> set[str]:
        """Every object key in the bucket, prefix included."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)


@pytest.fixture
def s3_bucket(monkeypatch):
    """A fresh, empty bucket on the S3 server of WALKAPP_TEST_S3_URL (moto's in CI), with dummy
    credentials in the environment as boto3 reads them; emptied and removed afterwards."""
    if not S3_URL:
        skip_or_fail("needs an S3 server (WALKAPP_TEST_S3_URL)")
    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.session.Session().client("s3", endpoint_url=S3_URL)
    bucket = S3Bucket(client, f"walkapp-test-{uuid.uuid4().hex[:16]}", "walkapp/")
    client.create_bucket(Bucket=bucket.name)
    yield bucket
    keys = sorted(bucket.keys())
    for start in range(0, len(keys), 1000):
        client.delete_objects(Bucket=bucket.name, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]]})
    client.delete_bucket(Bucket=bucket.name)


@pytest.fixture
def s3_config(s3_bucket) -> dict:
    """App settings storing photos in `s3_bucket` under its prefix; a test module returns it
    from its `app_config` fixture to run the `app` fixture (and all factories) on S3."""
    return {"PHOTO_STORAGE": "s3", "S3_BUCKET": s3_bucket.name, "S3_PREFIX": s3_bucket.prefix,
            "S3_ENDPOINT_URL": S3_URL}
