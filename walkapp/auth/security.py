"""Password hashing, API tokens, the login manager and the access-check decorators."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from walkapp.auth.models import ApiToken, User
from walkapp.auth.session_cookie import SessionCookieInterface
from walkapp.db import now_utc
from walkapp.errors import ApiError, wants_json
from walkapp.extensions import csrf, db
from walkapp.orgs.area_scope import forget_scope, unscoped

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Paths where an API bearer token stands in for a login: the API, the Open311 feed, and the
# photos that the feed's media_url points at.
TOKEN_PATHS = ("/api/", "/open311/", "/photos/")
# Session key holding the user's session nonce as it was at login (see User.session_nonce).
SESSION_NONCE_KEY = "_user_nonce"


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A valid-looking hash to verify against when the email is unknown, so that an unknown
# account and a wrong password take the same time and give the same answer.
_DUMMY_HASH_CACHE: dict[tuple[int, int], str] = {}


def verify_dummy_password(password: str) -> None:
    """Spend the same time as a real verification, for unknown accounts."""
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[key] = hash_password(secrets.token_urlsafe(16))
    verify_password(_DUMMY_HASH_CACHE[key], password)


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "wk_" + secrets.token_urlsafe(32)


def user_for_token(token: str):
    """The active user owning this bearer token, or None."""
    api_token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if api_token is None or not api_token.user.active:
        return None
    api_token.last_used_at = now_utc()
    return api_token.user


def bind_session(user) -> None:
    """Tie the current session to the user's present nonce, so that rotating it ends the session."""
    session[SESSION_NONCE_KEY] = user.session_nonce
    forget_scope()


def _session_is_current(user) -> bool:
    # A cookie from before the nonce existed carries none and so no longer counts as logged in.
    nonce = session.get(SESSION_NONCE_KEY)
    return isinstance(nonce, str) and hmac.compare_digest(nonce, user.session_nonce)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def init_auth(app: Flask, login_manager: LoginManager) -> None:
    """Bind Flask-Login; authenticate bearer tokens and enforce CSRF for cookie writes."""
    app.session_interface = SessionCookieInterface()  # no Set-Cookie on static files (see there)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        """The session's user, unless logout, a password change or deactivation ended it."""
        # Unscoped: who is asking is how the request's area scope is worked out.
        with unscoped():
            user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and _session_is_current(user) else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            raise ApiError(401, "unauthorized", str(_l("You must log in.")))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def authenticate_bearer_or_check_csrf():
        g.via_token = False
        token = _bearer_token() if request.path.startswith(TOKEN_PATHS) else None
        if token is not None:
            with unscoped():  # who is asking, before any scope exists
                user = user_for_token(token)
            if user is None:
                raise ApiError(401, "invalid_token", str(_l("The API token is not valid.")))
            # A bearer header cannot be sent cross-site without CORS, so no CSRF token is needed.
            login_manager._update_request_context_with_user(user)
            g.via_token = True
            forget_scope()  # a scope worked out earlier in this request knew no user
            return None
        if request.method in UNSAFE_METHODS:
            csrf.protect()
        return None


def staff_required(view: Callable) -> Callable:
    """Logged-in staff only (any role); others go to the login page, or get 401 JSON."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable:
    """Logged-in staff with one of these roles; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                raise ApiError(403, "forbidden", str(_l("You do not have access to this.")))
            return view(*args, **kwargs)

        return wrapped

    return decorator


planner_required = roles_required("admin", "coordinator")
admin_required = roles_required("admin")
