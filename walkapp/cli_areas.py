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


@areas.command("add-organisation")
@click.argument("area")
@click.argument("organisation")
def add_organisation_command(area: str, organisation: str):
    """Make ORGANISATION a member of AREA: its staff then see and change AREA's walks."""
    target, member = _area(area), _organisation(organisation)
    added = add_member(target, member)
    db.session.commit()
    click.echo(f"{member.name} is {'now' if added else 'already'} a member of {target.name}.")


@areas.command("remove-organisation")
@click.argument("area")
@click.argument("organisation")
def remove_organisation_command(area: str, organisation: str):
    """End ORGANISATION's membership of AREA (its staff lose access at their next request)."""
    target, member = _area(area), _organisation(organisation)
    removed = remove_member(target, member)
    db.session.commit()
    click.echo(f"{member.name} was {'' if removed else 'not '}a member of {target.name}.")


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
