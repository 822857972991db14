"""Flask CLI commands: users, tokens, demo data, photo file checks, retention."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from walkapp.auth.models import ROLES, User
from walkapp.auth.services import create_user, find_user_by_email, issue_token
from walkapp.cli_areas import COMMANDS as area_commands
from walkapp.extensions import db
from walkapp.findings.models import Audio, Photo
from walkapp.findings.object_store import (
    LocalStore,
    PhotoStore,
    StorageUnavailable,
    current_store,
    delete_stored,
    s3_store,
)
from walkapp.findings.storage import (
    PhotoCheck,
    StoredFile,
    audio_name,
    check_photo_files,
    map_name,
    photo_name,
    photos_root,
)
from walkapp.followup.models import CheckPhoto
from walkapp.privacy.retention import (
    WalkRetention,
    apply_walk_retention,
    checkpoint_sqlite,
    retention_plan,
)
from walkapp.seed import (
    DEMO_EMAIL,
    demo_password,
    organisation_named,
    seed_demo,
    seed_reference_data,
)

photos = AppGroup("photos", help="Check the photo files against the database, move them to S3.")


def _list(heading: str, lines: list[str]) -> None:
    click.echo(f"{heading}: {len(lines)}")
    for line in lines:
        click.echo(f"  {line}")


def _report(check: PhotoCheck, store: PhotoStore) -> None:
    click.echo(f"{store.describe()}: {check.rows} photo rows, {check.audio_rows} voice note rows, "
               f"{check.files} files.")
    _list("Rows without files", [
        f"photo {photo_id} of finding {finding_id}: missing {' and '.join(missing)} ({key})"
        for photo_id, finding_id, key, missing in check.rows_without_files
    ])
    _list("Files without rows", [f.relative for f in check.orphans])
    _list("Temporary leftovers older than an hour", [f.relative for f in check.leftovers])
    if check.recent:
        click.echo(f"Left alone, younger than an hour (an upload may be under way): {len(check.recent)}")
    if check.unknown:
        _list("Left alone, not named like a photo file", [f.relative for f in check.unknown])


@photos.command("check")
@click.option("--repair", is_flag=True,
              help="Remove the files without rows and the old temporary leftovers.")
def photos_check_command(repair: bool):
    """Compare photo rows and files: rows without files, files without rows, old leftovers.

    Exit status 0 when everything matches (after --repair), 1 when something is left: without
    --repair any problem; with it, rows without files, which are never changed (a human restores
    the files from the backup, or deletes the photo)."""
    store = current_store()
    # Files first, then rows: a photo's files are written before its row is committed.
    try:
        files = store.list()
    except StorageUnavailable as exc:
        raise click.ClickException(f"{store.describe()} could not be listed: {exc}") from None
    rows, audio_rows = _stored_rows()
    check = check_photo_files(rows, files, audio_rows=audio_rows)
    _report(check, store)
    removed: list[StoredFile] = []
    if repair and check.removable:
        removed = store.remove(check.removable)
        _list("Removed", [f.relative for f in removed])
    if check.rows_without_files:
        click.echo("Rows without files are not changed: restore the photos folder from the backup "
                   "taken with the database.")
    left = check.rows_without_files or (check.removable and not repair)
    if not left:
        click.echo("OK: every photo row has its files and no stray file is left.")
    elif check.removable and not repair:
        click.echo("Run again with --repair to remove the files without rows and the leftovers.")
    raise SystemExit(1 if left else 0)


def _stored_rows() -> tuple[list[tuple], list[tuple]]:
    """(photo rows, voice-note rows) as (id, owner id, storage key); the transaction is ended."""
    rows = [tuple(row) for row in db.session.execute(
        db.select(Photo.id, Photo.finding_id, Photo.storage_key).order_by(Photo.id)
    )]
    # The follow-up walk's check photos live in the same store: their files are not orphans.
    rows += [tuple(row) for row in db.session.execute(
        db.select(CheckPhoto.id, CheckPhoto.check_id, CheckPhoto.storage_key).order_by(CheckPhoto.id)
    )]
    # Voice notes are kept in the same store as well.
    audio_rows = [tuple(row) for row in db.session.execute(
        db.select(Audio.id, Audio.finding_id, Audio.storage_key).order_by(Audio.id)
    )]
    db.session.rollback()
    return rows, audio_rows


@photos.command("migrate")
@click.option("--to", "target", type=click.Choice(["s3"]), required=True,
              help="Where to copy the photos: the bucket of S3_BUCKET, S3_PREFIX, S3_ENDPOINT_URL.")
def photos_migrate_command(target: str):
    """Copy every photo, thumbnail, check photo and voice note of the database from the photos
    folder to the bucket. Re-running is safe: an object already there with the same size is
    skipped. The local files are kept; set PHOTO_STORAGE = "s3" afterwards.

    Exit status 0 when every row's files are in the bucket, 1 when some were missing locally."""
    source = LocalStore(photos_root(current_app.instance_path))
    try:
        destination = s3_store(current_app.config)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    rows, audio_rows = _stored_rows()
    names = [photo_name(key, thumb) for _id, _owner, key in rows for thumb in (False, True)]
    names += [audio_name(key) for _id, _owner, key in audio_rows]
    # Map images are optional (photos stored before them have none; the map export makes them).
    optional = {map_name(key) for _id, _owner, key in rows}
    names += sorted(optional)
    copied = skipped = 0
    missing: list[str] = []
    try:
        for name in names:
            size = source.size(name)
            if size is None:
                if name not in optional:
                    missing.append(name)
            elif destination.size(name) == size:
                skipped += 1
            else:
                data = source.read(name)
                if data is None:  # removed while we ran
                    missing.append(name)
                    continue
                destination.put(name, data)
                copied += 1
    except StorageUnavailable as exc:
        raise click.ClickException(f"{destination.describe()}: {exc} (copied {copied} before)") from None
    click.echo(f"{source.describe()} → {destination.describe()}: {len(names)} files of "
               f"{len(rows)} photo rows and {len(audio_rows)} voice note rows.")
    click.echo(f"Copied: {copied}")
    click.echo(f"Already in the bucket (same size): {skipped}")
    _list("Missing in the photos folder (not copied)", missing)
    click.echo("The local files are kept. Set PHOTO_STORAGE = \"s3\", restart, and check with "
               "`flask --app app photos check` before removing the photos folder.")
    raise SystemExit(1 if missing else 0)


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

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    token = issue_token(user)
    db.session.commit()
    click.echo(f"New API token for {user.email} (shown only now):")
    click.echo(token)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create organisations, categories, a coordinator and the demo walk (idempotent)."""

    email, password, created = seed_demo()
    db.session.commit()
    click.echo("Demo data is ready." if created else "Demo data was already there.")
    click.echo(f"Demo login: {email}  password: {password}")


@click.command("demo-login")
@with_appcontext
def demo_login_command():
    """Print the demo login made by seed-demo, if this installation has one."""

    password = demo_password()
    if password:
        click.echo(f"Demo login: {DEMO_EMAIL}  password: {password}")


@click.command("seed-reference")
@with_appcontext
def seed_reference_command():
    """Create the standard organisations and categories (idempotent)."""

    seed_reference_data()
    db.session.commit()
    click.echo("Organisations and categories are in place.")


@click.command("is-empty")
@with_appcontext
def is_empty_command():
    """Exit 0 when the database has no users yet (used by `make run` to seed once)."""

    count = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    raise SystemExit(0 if count == 0 else 1)


def _retention_line(item: WalkRetention) -> str:
    source = "status history" if item.closed_from == "history" else "no status history: last change"
    return (f"Walk {item.walk_id} {item.title!r}, closed {item.closed_at:%Y-%m-%d} ({source}): "
            f"{len(item.photos)} photos, {len(item.check_photos)} check photos, {item.names} names, "
            f"{item.texts} texts, {item.notes} check notes, {len(item.audio)} voice notes")


@click.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Delete; without it, only list what would go.")
@with_appcontext
def retention_command(apply_: bool):
    """Remove photos, names and typed text of walks closed longer than RETENTION_MONTHS ago.

    Without --apply a dry run: lists per walk what would be deleted and changes nothing.
    Category, place, rating, measures, plan items and the dashboard's figures are kept."""
    months = int(current_app.config["RETENTION_MONTHS"])
    plan = retention_plan(months)
    if not plan:
        db.session.rollback()
        click.echo(f"Nothing to do: no walk closed more than {months} months ago holds personal data.")
        return
    click.echo(("Deleting" if apply_ else "Dry run, nothing is changed. Would delete")
               + f" (walks closed more than {months} months ago):")
    store = current_store()
    for item in plan:
        if apply_:
            # One walk per transaction, files after its commit: an interrupted run leaves every
            # walk either done or untouched, and a second run finishes the rest.
            apply_walk_retention(item)
            db.session.commit()
            for key in item.storage_keys:
                delete_stored(store, key)
        click.echo("  " + _retention_line(item))
    db.session.rollback()
    click.echo(f"Total: {len(plan)} walks, {sum(len(i.photos) for i in plan)} photos, "
               f"{sum(len(i.check_photos) for i in plan)} check photos, {sum(i.names for i in plan)} "
               f"names, {sum(i.texts for i in plan)} texts, {sum(i.notes for i in plan)} check notes.")
    click.echo(f"Voice notes: {sum(len(i.audio) for i in plan)}.")
    if apply_:
        checkpoint_sqlite()
    else:
        click.echo("Run again with --apply to delete.")


COMMANDS = (*area_commands, users, photos, seed_demo_command, demo_login_command, seed_reference_command,
            is_empty_command, retention_command)


def register(app: Flask) -> None:
    """Add every command of this module to the app's `flask` CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
