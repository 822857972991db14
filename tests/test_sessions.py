"""Ending sessions: logout, a password change and deactivation end every session of the user,
including a copied session cookie and a cookie from before session nonces existed; API tokens
stop with deactivation."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, login, post_form
from walkapp.auth.models import User
from walkapp.extensions import db

NEW_PASSWORD = "et-helt-nyt-kodeord-7"


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def copy_of(app, client):
    """A second browser holding a copy of the client's session cookie (a stolen cookie)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value)
    return other


def assert_logged_out(client) -> None:
    """Pages send the browser to the login page and the API answers 401 JSON."""
    assert is_login_redirect(client.get("/walks"))
    response = client.get("/api/v1/walks")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def assert_logged_in(client) -> None:
    assert client.get("/walks").status_code == 200
    assert client.get("/api/v1/walks").status_code == 200


@pytest.fixture
def admin(app, make_user):
    """A test client logged in as an administrator."""
    make_user("admin@example.org", "admin")
    client = app.test_client()
    assert login(client, "admin@example.org").status_code == 302
    return client


def user_form(user: dict, **changes) -> dict:
    """The admin's user form for `user`, as the browser would send it unchanged, plus changes."""
    data = {"email": user["email"], "name": "", "role": user["role"],
            "organisation_id": str(user["organisation_id"]), "active": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------- logout


def test_logout_ends_a_copied_session_cookie(app, client, coordinator):
    """A cookie copied before logout gets the login page and 401 afterwards, not 30 more days."""
    assert login(client, coordinator["email"]).status_code == 302
    stolen = copy_of(app, client)
    assert_logged_in(stolen)

    assert is_login_redirect(post_form(client, "/logout"))

    assert_logged_out(client)
    assert_logged_out(stolen)
    # Logging in again opens a new session; the copied cookie stays dead.
    assert login(client, coordinator["email"]).status_code == 302
    assert_logged_in(client)
    assert_logged_out(stolen)


def test_logout_ends_the_sessions_on_the_users_other_devices(app, coordinator, make_user):
    """Logging out on the office PC also logs out the phone; a colleague stays logged in."""
    pc, phone, colleague_pc = app.test_client(), app.test_client(), app.test_client()
    colleague = make_user("kollega@example.org", "staff")
    for browser, email in ((pc, coordinator["email"]), (phone, coordinator["email"]),
                           (colleague_pc, colleague["email"])):
        assert login(browser, email).status_code == 302
        assert_logged_in(browser)

    post_form(pc, "/logout")

    assert_logged_out(pc)
    assert_logged_out(phone)
    assert_logged_in(colleague_pc)


def test_session_from_before_the_migration_ends(app, client, coordinator):
    """A cookie issued before session nonces existed (user id, no nonce) no longer logs anyone in."""
    with client.session_transaction() as session:
        session["_user_id"] = str(coordinator["id"])
        session["_fresh"] = True
    assert_logged_out(client)


def test_session_with_a_made_up_nonce_is_refused(app, client, coordinator):
    """Only the nonce the server handed out counts; a guessed one does not."""
    assert login(client, coordinator["email"]).status_code == 302
    with client.session_transaction() as session:
        assert session["_user_nonce"] != "A" * 32
        session["_user_nonce"] = "A" * 32
    assert_logged_out(client)


# ---------------------------------------------------------------- password change


def test_admin_changing_a_password_ends_the_users_sessions(app, admin, make_user):
    """After an admin sets a new password, the user's open sessions end; the new password works."""
    user = make_user("drift@example.org", "staff")
    phone = app.test_client()
    assert login(phone, user["email"]).status_code == 302
    stolen = copy_of(app, phone)

    response = post_form(admin, f"/admin/users/{user['id']}", user_form(user, password=NEW_PASSWORD))
    assert response.status_code == 302

    assert_logged_out(phone)
    assert_logged_out(stolen)
    assert login(app.test_client(), user["email"], PASSWORD).status_code == 400
    fresh = app.test_client()
    assert login(fresh, user["email"], NEW_PASSWORD).status_code == 302
    assert_logged_in(fresh)
    assert_logged_out(stolen)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_changing_your_own_password_keeps_you_logged_in_here_only(app, admin):
    """The device the password was changed on stays logged in; every other session ends."""
    with app.app_context():
        me = db.session.execute(db.select(User).where(User.email == "admin@example.org")).scalar_one()
        me_dict = {"id": me.id, "email": me.email, "role": me.role, "organisation_id": me.organisation_id}
    laptop = app.test_client()
    assert login(laptop, me_dict["email"]).status_code == 302
    stolen = copy_of(app, admin)

    response = post_form(admin, f"/admin/users/{me_dict['id']}", user_form(me_dict, password=NEW_PASSWORD))
    assert response.status_code == 302

    assert admin.get("/admin/users").status_code == 200
    assert_logged_in(admin)
    assert_logged_out(laptop)
    assert_logged_out(stolen)


def test_saving_a_user_without_a_new_password_keeps_their_sessions(app, admin, make_user):
    """Renaming someone or changing their role does not log them out."""
    user = make_user("drift@example.org", "staff")
    phone = app.test_client()
    assert login(phone, user["email"]).status_code == 302

    response = post_form(admin, f"/admin/users/{user['id']}",
                         user_form(user, name="Ejendomsmester", role="coordinator", password=""))
    assert response.status_code == 302

    assert_logged_in(phone)
    with app.app_context():
        assert db.session.get(User, user["id"]).role == "coordinator"


# ---------------------------------------------------------------- deactivation


def test_deactivation_ends_sessions_even_after_reactivation(app, admin, make_user):
    """A deactivated user's cookie stays dead when the account is switched on again."""
    user = make_user("vikar@example.org", "staff")
    phone = app.test_client()
    assert login(phone, user["email"]).status_code == 302

    assert post_form(admin, f"/admin/users/{user['id']}", user_form(user, active=None)).status_code == 302
    assert_logged_out(phone)
    assert login(app.test_client(), user["email"]).status_code == 400

    assert post_form(admin, f"/admin/users/{user['id']}", user_form(user)).status_code == 302
    assert_logged_out(phone)
    assert login(phone, user["email"]).status_code == 302
    assert_logged_in(phone)


def test_deactivation_stops_api_tokens_for_good(app, admin, coordinator, api_token):
    """The user's bearer token is refused once deactivated, and stays refused after reactivation."""
    bearer = {"Authorization": f"Bearer {api_token}"}
    tokened = app.test_client()
    assert tokened.get("/api/v1/walks", headers=bearer).status_code == 200

    assert post_form(admin, f"/admin/users/{coordinator['id']}",
                     user_form(coordinator, active=None)).status_code == 302
    response = tokened.get("/api/v1/walks", headers=bearer)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"

    assert post_form(admin, f"/admin/users/{coordinator['id']}", user_form(coordinator)).status_code == 302
    response = tokened.get("/api/v1/walks", headers=bearer)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_a_password_change_keeps_api_tokens(app, admin, coordinator, api_token):
    """Tokens are credentials of their own (scripts, the Open311 client): a new password keeps them."""
    assert post_form(admin, f"/admin/users/{coordinator['id']}",
                     user_form(coordinator, password=NEW_PASSWORD)).status_code == 302
    response = app.test_client().get("/api/v1/walks", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
