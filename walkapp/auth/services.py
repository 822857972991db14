"""Account services: create users, authenticate, issue API tokens."""
from __future__ import annotations

from walkapp.auth.models import ApiToken, User, new_session_nonce
from walkapp.auth.security import (
    hash_password,
    hash_token,
    new_token,
    verify_dummy_password,
    verify_password,
)
from walkapp.db import now_utc
from walkapp.extensions import db
from walkapp.orgs.models import Organisation


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def create_user(
    email: str, password: str, role: str, organisation: Organisation, name: str = ""
) -> User:
    """Add a user with an argon2id password hash."""
    user = User(
        email=normalise_email(email),
        name=name,
        password_hash=hash_password(password),
        role=role,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """End every session of the user (on every device) by replacing the nonce they carry."""
    user.session_nonce = new_session_nonce()
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """A new password hash; sessions opened with the old password end."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate a user; deactivation ends sessions and API tokens for good."""
    if user.active and not active:
        # Reactivating an account (a colleague back from leave) must not revive a copied
        # cookie or a token left in some script: they log in again / get a new token.
        end_sessions(user)
        user.tokens.clear()
    user.active = active
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = find_user_by_email(email)
    if user is None:
        verify_dummy_password(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now_utc()
    db.session.flush()
    return user


def issue_token(user: User) -> str:
    """Create an API token for the user; the plain token is returned once, only its hash kept."""
    token = new_token()
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    db.session.flush()
    return token
