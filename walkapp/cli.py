"""Flask CLI commands: users, tokens, demo data."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from walkapp.auth.models import ROLES
from walkapp.extensions import db


def register(app: Flask) -> None:
    users = AppGroup("users", help="Manage staff accounts and API tokens.")

    @users.command("create")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--organisation", default="Helhedsplanen", show_default=True,
                  help="Exact name of the user's organisation.")
    @click.option("--name", default="", help="Display name.")
    def create_user_command(email: str, role: str, password: str, organisation: str, name: str):
        """Create a staff user."""
        from walkapp.auth.services import create_user, find_user_by_email
        from walkapp.seed import organisation_named, seed_reference_data

        if len(password) < 10:
            raise click.ClickException("The password must be at least 10 characters.")
        if find_user_by_email(email) is not None:
            raise click.ClickException(f"A user with email {email} already exists.")
        seed_reference_data()
        org = organisation_named(organisation)
        if org is None:
            raise click.ClickException(f"Unknown organisation: {organisation}")
        user = create_user(email, password, role, org, name=name)
        db.session.commit()
        click.echo(f"Created {user.email} ({user.role}, {org.name}).")

    @users.command("token")
    @click.argument("email")
    def token_command(email: str):
        """Issue a new API token; it is printed once, alone on the last line."""
        from walkapp.auth.services import find_user_by_email, issue_token

        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No user with email {email}.")
        token = issue_token(user)
        db.session.commit()
        click.echo(f"New API token for {user.email} (shown only now):")
        click.echo(token)

    app.cli.add_command(users)

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create organisations, categories, a coordinator and the demo walk (idempotent)."""
        from walkapp.seed import seed_demo

        email, password, created = seed_demo()
        db.session.commit()
        click.echo("Demo data is ready." if created else "Demo data was already there.")
        click.echo(f"Demo login: {email}  password: {password}")

    @app.cli.command("demo-login")
    def demo_login_command():
        """Print the demo login made by seed-demo, if this installation has one."""
        from walkapp.seed import DEMO_EMAIL, demo_password

        password = demo_password()
        if password:
            click.echo(f"Demo login: {DEMO_EMAIL}  password: {password}")

    @app.cli.command("seed-reference")
    def seed_reference_command():
        """Create the standard organisations and categories (idempotent)."""
        from walkapp.seed import seed_reference_data

        seed_reference_data()
        db.session.commit()
        click.echo("Organisations and categories are in place.")

    @app.cli.command("is-empty")
    def is_empty_command():
        """Exit 0 when the database has no users yet (used by `make run` to seed once)."""
        from walkapp.auth.models import User

        count = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
        raise SystemExit(0 if count == 0 else 1)
