"""The flask commands an operator types: users create, users token, seed-demo."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.conftest import login
from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.orgs.models import Estate, Organisation
from walkapp.seed import DEMO_ROUTE_FILE
from walkapp.walks.models import Walk

PW = "a long enough password"


def run(app, *args: str):
    """Invoke a flask command as `flask --app app …` would."""
    # The real `flask` entry point (FlaskGroup) pushes an app context for every command;
    # the test runner invokes app.cli directly, so do the same here.
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def user_row(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def org_name(app, org_id: int) -> str:
    with app.app_context():
        return db.session.get(Organisation, org_id).name


def test_users_create_in_organisation(app, client):
    """`users create` makes a user in the named organisation who can then log in."""
    result = run(app, "users", "create", "drift@vibo.example", "--role", "coordinator",
                 "--password", PW, "--organisation", "VIBO")
    assert result.exit_code == 0, result.output
    user = user_row(app, "drift@vibo.example")
    assert user is not None
    assert user.role == "coordinator"
    assert org_name(app, user.organisation_id) == "VIBO"
    assert user.password_hash.startswith("$argon2id$")
    assert login(client, "drift@vibo.example", PW).status_code == 302


def test_users_create_unknown_organisation_fails(app):
    """A misspelt organisation is an error and creates nobody."""
    result = run(app, "users", "create", "x@example.org", "--role", "staff",
                 "--password", PW, "--organisation", "VIBBO")
    assert result.exit_code != 0
    assert "VIBBO" in result.output
    assert user_row(app, "x@example.org") is None


def test_users_create_refuses_duplicates_and_short_passwords(app, coordinator):
    """An existing email or a short password is refused with a message."""
    duplicate = run(app, "users", "create", coordinator["email"], "--password", PW)
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    short = run(app, "users", "create", "kort@example.org", "--password", "short")
    assert short.exit_code != 0
    assert user_row(app, "kort@example.org") is None


def test_users_create_unknown_role_fails(app):
    """Only the three roles exist."""
    result = run(app, "users", "create", "boss@example.org", "--role", "superuser", "--password", PW)
    assert result.exit_code != 0
    assert user_row(app, "boss@example.org") is None


def test_users_token_prints_token_on_last_line(app, client, coordinator):
    """The last line of `users token` is exactly a token that authenticates the API."""
    result = run(app, "users", "token", coordinator["email"])
    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert token == token.strip() and " " not in token and len(token) >= 32
    response = client.get("/api/v1/walks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # A second token is different, and both work.
    second = run(app, "users", "token", coordinator["email"]).output.rstrip("\n").splitlines()[-1]
    assert second != token
    assert client.get("/api/v1/walks", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    assert client.get("/api/v1/walks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_users_token_unknown_email_fails(app):
    """No token for an account that does not exist."""
    result = run(app, "users", "token", "nobody@example.org")
    assert result.exit_code != 0
    assert "nobody@example.org" in result.output


COUNTED = {"users": User, "walks": Walk, "findings": Finding, "estates": Estate,
           "organisations": Organisation, "categories": Category}


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {name: db.session.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in COUNTED.items()}


def demo_login(output: str) -> tuple[str, str]:
    line = next(line for line in output.splitlines() if line.startswith("Demo login:"))
    email, password = line.removeprefix("Demo login:").split("password:")
    return email.strip(), password.strip()


def test_seed_demo_twice_changes_nothing(app, client):
    """seed-demo is idempotent and prints a working login both times."""
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    second = run(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert counts(app) == after_first
    assert after_first["users"] == 1 and after_first["walks"] == 1 and after_first["findings"] == 6

    email, password = demo_login(first.output)
    assert demo_login(second.output) == (email, password)
    assert len(password) >= 10
    assert login(client, email, password).status_code == 302
    assert client.get("/walks").status_code == 200


def test_seed_demo_walk_has_route_and_findings(app):
    """The demo walk carries the Amagerbro route (18 points) and its 6 example findings."""
    assert run(app, "seed-demo").exit_code == 0
    features = json.loads(DEMO_ROUTE_FILE.read_text(encoding="utf-8"))["features"]
    route = next(f["geometry"] for f in features if f["properties"]["kind"] == "route")
    with app.app_context():
        walk = db.session.execute(select(Walk)).scalar_one()
        assert walk.route["type"] == "LineString"
        assert len(walk.route["coordinates"]) == 18
        assert walk.route["coordinates"] == route["coordinates"]
        findings = db.session.execute(select(Finding).where(Finding.walk_id == walk.id)).scalars().all()
        assert len(findings) == 6
        assert all(0 <= f.rating <= 3 for f in findings)
        # Every finding lies in the demo estate, Copenhagen (lat ≈ 55.66, lon ≈ 12.6).
        assert all(55.6 < f.lat < 55.7 and 12.5 < f.lon < 12.7 for f in findings)
        assert {e.name for e in walk.estates} == {"Holmbladsgade (demo)"}
