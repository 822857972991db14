"""Accounts: login/logout, same answer for unknown email and wrong password, inactive users,
rate limits per IP and per account, password hashing, roles, login redirects, API tokens
and CSRF on cookie-authenticated API writes."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import walkapp.config as default_config
from tests.conftest import PASSWORD, csrf_token, login, post_form
from walkapp.auth.models import ApiToken, User
from walkapp.extensions import db

WALK_BODY = {
    "kind": "walk",
    "title": "Aftenvandring i Holmbladsgade",
    "starts_at": "2026-12-01T18:30:00+01:00",
    "meeting_point": "Ved vaskeriet",
    "route": {"type": "LineString", "coordinates": [[12.6035, 55.6660], [12.6054, 55.6664]]},
}

ERROR_RE = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def set_active(app, user_id: int, active: bool) -> None:
    with app.app_context():
        db.session.get(User, user_id).active = active
        db.session.commit()


# ---------------------------------------------------------------- login / logout


def test_login_lands_on_walks_and_logout_needs_post(client, coordinator):
    """Log in, see the walks; GET /logout does nothing, POST /logout (with CSRF) logs out."""
    assert is_login_redirect(client.get("/walks"))
    response = login(client, coordinator["email"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/walks"
    page = client.get("/walks")
    assert page.status_code == 200
    assert 'action="/logout"' in page.get_data(as_text=True)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token: a forged logout fails
    assert client.get("/walks").status_code == 200

    response = post_form(client, "/logout")
    assert is_login_redirect(response)
    assert is_login_redirect(client.get("/walks"))


def test_email_is_case_insensitive(client, coordinator):
    """Phones capitalise the first letter; the login still works."""
    assert login(client, "  Koordinator@Example.ORG ").status_code == 302


def login_error(response) -> str:
    errors = ERROR_RE.findall(response.get_data(as_text=True))
    assert len(errors) == 1, errors
    return errors[0].strip()


def test_unknown_email_and_wrong_password_get_the_same_answer(client, coordinator):
    """Nobody can find out which emails have accounts."""
    unknown = login(client, "nobody@example.org")
    wrong = login(client, coordinator["email"], "wrong password!")
    assert unknown.status_code == wrong.status_code == 400
    assert login_error(unknown) == login_error(wrong) != ""
    assert is_login_redirect(client.get("/walks"))


def test_inactive_user_cannot_log_in(app, client, make_user):
    """A deactivated account gets the usual refusal, even with the right password."""
    user = make_user("gammel@example.org", "staff")
    set_active(app, user["id"], False)
    response = login(client, user["email"])
    assert response.status_code == 400
    assert login_error(response) == login_error(login(app.test_client(), "nobody@example.org"))
    assert is_login_redirect(client.get("/walks"))


def test_deactivated_user_loses_an_open_session(app, client, make_user):
    """Deactivating an account locks out a phone that is still logged in."""
    user = make_user("sluttet@example.org", "staff")
    assert login(client, user["email"]).status_code == 302
    assert client.get("/walks").status_code == 200
    set_active(app, user["id"], False)
    assert is_login_redirect(client.get("/walks"))


# ---------------------------------------------------------------- rate limits


def test_eleventh_login_attempt_from_one_ip_is_refused(client, coordinator):
    """10 attempts per minute per IP; the 11th gets 429 and the error page, even if correct."""
    ip = {"REMOTE_ADDR": "198.51.100.7"}
    for attempt in range(10):
        response = login_from(client, f"guess{attempt}@example.org", "wrong", ip)
        assert response.status_code == 400, attempt
    response = login_from(client, coordinator["email"], PASSWORD, ip)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert '<p class="lead">' in html  # the error page with its message, not a bare text
    assert "For mange forsøg. Vent et minut, og prøv igen." in html
    assert "<form" not in html.split("<main", 1)[1]  # no login form on the refusal
    # Another IP is not affected.
    assert login_from(client, coordinator["email"], PASSWORD, {"REMOTE_ADDR": "198.51.100.8"}).status_code == 302


def test_one_account_is_limited_across_ips(client, coordinator, make_user):
    """Guessing one account's password from many addresses is limited too."""
    for attempt in range(10):
        response = login_from(client, coordinator["email"], "wrong", {"REMOTE_ADDR": f"203.0.113.{attempt + 1}"})
        assert response.status_code == 400, attempt
    blocked = login_from(client, coordinator["email"], PASSWORD, {"REMOTE_ADDR": "203.0.113.99"})
    assert blocked.status_code == 429
    # The limit is per account: a colleague still logs in from a fresh address.
    colleague = make_user("kollega@example.org", "staff")
    assert login_from(client, colleague["email"], PASSWORD, {"REMOTE_ADDR": "203.0.113.100"}).status_code == 302


def test_account_limit_ignores_email_case(client, coordinator):
    """Changing the case of the email does not give an attacker fresh attempts."""
    for attempt in range(10):
        email = coordinator["email"].upper() if attempt % 2 else coordinator["email"]
        login_from(client, email, "wrong", {"REMOTE_ADDR": f"192.0.2.{attempt + 1}"})
    blocked = login_from(client, "KOORDINATOR@example.org", PASSWORD, {"REMOTE_ADDR": "192.0.2.200"})
    assert blocked.status_code == 429


def login_from(client, email: str, password: str, environ: dict):
    return post_form(client, "/login", {"email": email, "password": password}, environ_base=environ)


# ---------------------------------------------------------------- password storage


def test_passwords_are_stored_as_argon2id(app, coordinator):
    """No plain password in the database, only an argon2id hash."""
    with app.app_context():
        stored = db.session.get(User, coordinator["id"]).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_production_hash_parameters(app):
    """The shipped defaults are strong (argon2id, 64 MiB); the suite only lowers them for speed."""
    assert default_config.ARGON2_MEMORY_COST >= 65536
    assert default_config.ARGON2_TIME_COST >= 2
    from walkapp.auth.security import hash_password, verify_password

    with app.app_context():
        app.config["ARGON2_MEMORY_COST"] = default_config.ARGON2_MEMORY_COST
        app.config["ARGON2_TIME_COST"] = default_config.ARGON2_TIME_COST
        hashed = hash_password(PASSWORD)
        assert hashed.startswith("$argon2id$")
        assert f"m={default_config.ARGON2_MEMORY_COST}," in hashed
        assert verify_password(hashed, PASSWORD)
        assert not verify_password(hashed, PASSWORD + "x")


# ---------------------------------------------------------------- roles and redirects


@pytest.mark.parametrize("role, admin_status", [("staff", 403), ("coordinator", 403), ("admin", 200)])
def test_roles(client, make_user, role, admin_status):
    """Every staff role sees the walks; only admins manage users."""
    user = make_user(f"{role}@example.org", role)
    login(client, user["email"])
    assert client.get("/walks").status_code == 200
    response = client.get("/admin/users")
    assert response.status_code == admin_status
    if admin_status == 403:
        assert response.mimetype == "text/html"


def test_anonymous_is_sent_to_login_and_back(client, coordinator):
    """An anonymous visitor is asked to log in and then lands on the page they wanted."""
    response = client.get("/walks?kind=inspection")
    assert is_login_redirect(response)
    target = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert target == "/walks?kind=inspection"
    response = post_form(client, "/login?next=" + quote(target, safe=""),
                         {"email": coordinator["email"], "password": PASSWORD})
    assert response.headers["Location"] == "/walks?kind=inspection"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\t/evil.example/", "http:/evil.example",
     "javascript:alert(1)", "evil.example"],
)
def test_open_redirect_in_next_is_ignored(client, coordinator, target):
    """After login we never send the user to another site."""
    response = post_form(client, "/login?next=" + quote(target, safe=""),
                         {"email": coordinator["email"], "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/walks"


def test_participant_session_does_not_open_staff_pages(app, client, make_walk):
    """A joined participant (session cookie with participant_id) is not staff."""
    from walkapp.walks.models import Participant

    walk = make_walk()
    with app.app_context():
        participant = Participant(walk_id=walk["id"], display_name="Aase", role="resident")
        db.session.add(participant)
        db.session.commit()
        participant_id = participant.id
    with client.session_transaction() as session:
        session["participant_id"] = participant_id
        session["walk_id"] = walk["id"]
    assert is_login_redirect(client.get("/walks"))
    assert is_login_redirect(client.get("/admin/users"))
    response = client.get("/api/v1/walks")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


# ---------------------------------------------------------------- API authentication


def test_anonymous_api_gets_401_json(client):
    """API clients get JSON, not a login page."""
    response = client.get("/api/v1/walks")
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert body["message"]


def test_bearer_token_works_without_csrf(client, api_token):
    """A staff token reads and writes the API with no session and no CSRF token."""
    assert client.get("/api/v1/walks", headers=bearer(api_token)).status_code == 200
    response = client.post("/api/v1/walks", json=WALK_BODY, headers=bearer(api_token))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["join_code"]
    # The token does not turn into a browser login.
    assert "Set-Cookie" not in response.headers or "remember_token" not in response.headers["Set-Cookie"]
    assert is_login_redirect(client.get("/walks"))


def test_bearer_token_does_not_open_html_pages(client, api_token):
    """Tokens are for /api/ only; a staff page still asks for a login."""
    assert is_login_redirect(client.get("/walks", headers=bearer(api_token)))


@pytest.mark.parametrize("token", ["wk_not-a-real-token", "", "x" * 500])
def test_invalid_token_gets_401(client, api_token, token):
    """A wrong token is refused with a stable code (an empty one is just anonymous)."""
    response = client.get("/api/v1/walks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["error"] == ("invalid_token" if token else "unauthorized")


def test_token_of_deactivated_user_is_refused(app, client, coordinator, api_token):
    """Deactivating a user also shuts off their API tokens."""
    set_active(app, coordinator["id"], False)
    response = client.get("/api/v1/walks", headers=bearer(api_token))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_token_is_stored_hashed(app, coordinator, api_token):
    """The database holds only a SHA-256 of the token; a leaked backup reveals no token."""
    with app.app_context():
        rows = db.session.execute(db.select(ApiToken)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert row.user_id == coordinator["id"]
        assert row.token_hash == hashlib.sha256(api_token.encode()).hexdigest()
        values = [str(getattr(row, column.key)) for column in ApiToken.__table__.columns]
        assert not any(api_token in value for value in values)
    assert len(api_token) >= 32


def test_cookie_api_write_without_csrf_header_is_refused(logged_in):
    """A logged-in browser's API write needs X-CSRFToken, so another site cannot forge it."""
    response = logged_in.post("/api/v1/walks", json=WALK_BODY)
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"
    listing = logged_in.get("/api/v1/walks").get_json()
    assert all(w["title"] != WALK_BODY["title"] for w in walks_of(listing))

    response = logged_in.post("/api/v1/walks", json=WALK_BODY, headers={"X-CSRFToken": csrf_token(logged_in)})
    assert response.status_code == 201


def walks_of(listing):
    """The list of walks, whether the API answers a bare list or {"walks": [...]}."""
    return listing["walks"] if isinstance(listing, dict) else listing
