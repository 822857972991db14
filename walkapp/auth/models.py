"""User and ApiToken tables."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from walkapp.db import UTCDateTime, now_utc
from walkapp.extensions import db
from walkapp.orgs.models import Organisation

# An operator runs the national service (areas and their member organisations) and sees the
# findings of no area their own organisation is not a member of.
ROLES = ("admin", "coordinator", "staff", "operator")


def new_session_nonce() -> str:
    """A fresh random value that invalidates the sessions carrying the old one."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator', 'staff', 'operator')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so login is case-insensitive on both databases.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Stored in the session cookie at login and compared on every request: logout, a password
    # change and deactivation replace it, which ends every session of the user at once.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)

    organisation: Mapped[Organisation] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def can_plan(self) -> bool:
        """Coordinators and admins plan walks."""
        return self.role in ("admin", "coordinator")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")
