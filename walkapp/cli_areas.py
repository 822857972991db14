"""Flask CLI commands of the national operator: areas (tenants) and organisations."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from walkapp.extensions import db
from walkapp.orgs.areas import (
    add_member,
    area_name_taken,
    create_area,
    find_area,
    remove_member,
    visible_areas,
)
from walkapp.orgs.lookups import find_organisation
from walkapp.orgs.models import ORGANISATION_TYPES
from walkapp.orgs.services import create_organisation, organisation_name_taken

areas = AppGroup("areas", help="Areas (boligområder / helhedsplaner) and their organisations.")
organisations = AppGroup("organisations", help="Organisations (housing, municipality, police …).")


def _area(name: str):
    area = find_area(name)
    if area is None:
        raise click.ClickException(f"Unknown area: {name}")
    return area


def _organisation(name: str):
    organisation = find_organisation(name)
    if organisation is None:
        raise click.ClickException(f"Unknown organisation: {name}")
    return organisation


@areas.command("create")
@click.argument("name")
def create_area_command(name: str):
    """Create an area."""
    # Checked here as well as in the service: its messages need a request's language.
    if not name.strip():
        raise click.ClickException("Give the area a name.")
    if area_name_taken(name):
        raise click.ClickException(f"An area named {name.strip()} already exists.")
    area = create_area(name)
    db.session.commit()
    click.echo(f"Created area {area.name} (id {area.id}).")


def _membership_command(name: str, change, done: str, unchanged: str, doc: str):
    """`areas NAME AREA ORGANISATION`: start or end a membership and say which it was."""

    @areas.command(name, help=doc)
    @click.argument("area")
    @click.argument("organisation")
    def command(area: str, organisation: str):
        target, member = _area(area), _organisation(organisation)
        changed = change(target, member)
        db.session.commit()
        click.echo(f"{member.name} {done if changed else unchanged} {target.name}.")

    return command


add_organisation_command = _membership_command(
    "add-organisation", add_member, "is now a member of", "is already a member of",
    "Make ORGANISATION a member of AREA: its staff then see and change AREA's walks.")
remove_organisation_command = _membership_command(
    "remove-organisation", remove_member, "is no longer a member of", "was not a member of",
    "End ORGANISATION's membership of AREA (its staff lose access at their next request).")


@areas.command("list")
def list_areas_command():
    """Every area with its member organisations."""
    for area in visible_areas():
        members = ", ".join(o.name for o in area.organisations) or "(no organisations)"
        click.echo(f"{area.id}\t{area.name}\t{members}")


@organisations.command("create")
@click.argument("name")
@click.option("--type", "org_type", type=click.Choice(ORGANISATION_TYPES), required=True)
@click.option("--area", "area_names", multiple=True,
              help="Exact name (or id) of an area it is a member of; may be repeated.")
def create_organisation_command(name: str, org_type: str, area_names: tuple[str, ...]):
    """Create an organisation (a member of no area unless --area is given)."""
    if organisation_name_taken(name):
        raise click.ClickException(f"An organisation named {name} already exists.")
    member_of = [_area(area_name) for area_name in area_names]
    organisation = create_organisation(name, org_type)
    for area in member_of:
        add_member(area, organisation)
    db.session.commit()
    where = ", ".join(area.name for area in member_of) or "no area yet"
    click.echo(f"Created organisation {organisation.name} ({org_type}; {where}).")


COMMANDS = (areas, organisations)
