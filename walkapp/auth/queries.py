"""Staff-facing questions that count users: here, above orgs, because orgs knows no users."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.models import Estate, Organisation


@dataclass(frozen=True)
class OrganisationRow:
    """One line of the organisation list."""

    organisation: Organisation
    estate_count: int
    user_count: int


def list_organisations_with_counts() -> list[OrganisationRow]:
    """Every organisation by name, with its number of estates and users (three queries)."""
    organisations = db.session.execute(
        db.select(Organisation).where(organisation_in_scope()).order_by(func.lower(Organisation.name))
    ).scalars().all()
    estates = dict(
        db.session.execute(
            db.select(Estate.organisation_id, func.count(Estate.id))
            .group_by(Estate.organisation_id)
        ).all()
    )
    users = dict(
        db.session.execute(
            db.select(User.organisation_id, func.count(User.id)).group_by(User.organisation_id)
        ).all()
    )
    return [OrganisationRow(o, estates.get(o.id, 0), users.get(o.id, 0)) for o in organisations]


def user_names(user_ids: set[int | None]) -> dict[int, str]:
    """Display name (or e-mail) of each user id, for history lists; None ids are skipped."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    users = db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()
    return {u.id: u.name or u.email for u in users}
