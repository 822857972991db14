"""Reference data (organisations, categories) and the demo walk; every function is idempotent."""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import current_app

from walkapp.auth.models import User
from walkapp.auth.services import create_user, find_user_by_email
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.geo import from_geojson_position
from walkapp.orgs.models import Area, Estate, Organisation
from walkapp.walks.models import Walk
from walkapp.walks.services import new_join_code

DEMO_ROUTE_FILE = Path(__file__).resolve().parent / "data" / "amagerbro-demo-route.geojson"
# The area a new installation starts with (the migration's name for existing data too).
DEFAULT_AREA = "Standardområde"
DEMO_EMAIL = "koordinator@demo.tryghedsvandring.dk"
DEMO_WALK_TITLE = "Tryghedsvandring Holmbladsgadekvarteret (demo)"
# Fixed namespace: demo finding ids are derived from it, so seeding twice adds nothing.
DEMO_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4c52-9a57-0d6f3c2b9e10")

ORGANISATIONS = [
    ("VIBO", "housing"),
    ("fsb", "housing"),
    ("DAB", "housing"),
    ("DOMEA", "housing"),
    ("Københavns Kommune – TMF", "municipality"),
    ("Københavns Kommune – ØKF/Sikker By", "municipality"),
    ("Københavns Kommune – SOF", "municipality"),
    ("Københavns Politi", "police"),
    ("Helhedsplanen", "helhedsplan"),
]

# (code, Danish name, English name, icon): codes never change once used (Open311 service_code).
CATEGORIES = [
    ("lighting", "Belysning", "Lighting", "lighting"),
    ("graffiti", "Graffiti", "Graffiti", "graffiti"),
    ("vandalism", "Hærværk", "Vandalism", "vandalism"),
    ("vegetation", "Beplantning", "Vegetation", "vegetation"),
    ("hidden_corner", "Skjulte steder/udsyn", "Hidden corners / sight lines", "hidden_corner"),
    ("access", "Adgang/kælder", "Access / basement", "access"),
    ("litter", "Affald", "Litter", "litter"),
    ("traffic", "Trafik", "Traffic", "traffic"),
    ("other", "Andet", "Other", "other"),
    # The safety walk checklist's themes. After "other", so the sort order of an installation
    # seeded before them stays as it was (seed-reference adds only what is missing).
    ("entrance", "Opgange og indgange", "Stairwells and entrances", "entrance"),
    ("wayfinding", "Skiltning og orientering", "Signs and wayfinding", "wayfinding"),
    ("path", "Stier, belægning og fremkommelighed", "Paths, paving and getting through", "path"),
    ("parking", "Parkering", "Parking", "parking"),
    ("transit", "Stoppesteder", "Bus and train stops", "transit"),
    ("life", "Liv og øjne på gaden", "Life and eyes on the street", "life"),
]


def seed_reference_data() -> None:
    """Create the standard organisations and finding categories that are missing, and on a new
    installation the default area with those organisations as its members (one helhedsplan:
    the embedded default). An installation with areas gets no new memberships from here."""
    new_area = None
    if db.session.execute(db.select(Area.id).limit(1)).first() is None:
        new_area = Area(name=DEFAULT_AREA)
        db.session.add(new_area)
    existing_orgs = set(db.session.execute(db.select(Organisation.name)).scalars())
    for name, org_type in ORGANISATIONS:
        if name not in existing_orgs:
            organisation = Organisation(name=name, type=org_type)
            db.session.add(organisation)
            if new_area is not None:
                new_area.organisations.append(organisation)
    existing_codes = set(db.session.execute(db.select(Category.code)).scalars())
    for order, (code, name_da, name_en, icon) in enumerate(CATEGORIES):
        if code not in existing_codes:
            db.session.add(
                Category(code=code, name_da=name_da, name_en=name_en, icon=icon, sort_order=order)
            )
    db.session.flush()


def default_area() -> Area:
    """The area the demo (and a one-helhedsplan installation) lives in: the first one."""
    return db.session.execute(db.select(Area).order_by(Area.id).limit(1)).scalar_one()


def organisation_named(name: str) -> Organisation | None:
    return db.session.execute(
        db.select(Organisation).where(Organisation.name == name)
    ).scalar_one_or_none()


def _demo_password_file() -> Path:
    return Path(current_app.instance_path) / "demo-login.txt"


def demo_password() -> str | None:
    """The demo coordinator's password, as kept by seed_demo in the instance folder."""
    password_file = _demo_password_file()
    return password_file.read_text().strip() if password_file.exists() else None


def seed_demo() -> tuple[str, str, bool]:
    """Reference data, a coordinator and the demo walk with its findings.

    Returns (email, password, created). The password is random per installation and kept in
    the instance folder, so the demo never ships a known login."""
    seed_reference_data()
    user, created = _demo_coordinator()
    password = demo_password() or "(ukendt)"
    features = json.loads(DEMO_ROUTE_FILE.read_text(encoding="utf-8"))["features"]
    estate = _demo_estate()
    walk = _demo_walk(features, user, estate)
    _demo_findings(features, walk, user, estate)
    db.session.flush()
    return DEMO_EMAIL, password, created


def _demo_coordinator() -> tuple[User, bool]:
    """The demo coordinator, created with a random password (kept in the instance folder) if missing."""

    user = find_user_by_email(DEMO_EMAIL)
    if user is not None:
        return user, False
    password = secrets.token_urlsafe(9)
    user = create_user(DEMO_EMAIL, password, "coordinator", organisation_named("Helhedsplanen"),
                       name="Demo-koordinator")
    password_file = _demo_password_file()
    password_file.write_text(password)
    password_file.chmod(0o600)
    return user, True


def _feature_of_kind(features: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(f for f in features if f["properties"]["kind"] == kind)


def _demo_estate() -> Estate:
    """The demo estate, added if missing."""
    estate = db.session.execute(
        db.select(Estate).where(Estate.name == "Holmbladsgade (demo)")
    ).scalar_one_or_none()
    if estate is None:
        estate = Estate(
            name="Holmbladsgade (demo)",
            organisation=organisation_named("DAB"),
            area=default_area(),
            boundary={
                "type": "Polygon",
                "coordinates": [[
                    [12.6025, 55.6645], [12.6170, 55.6645], [12.6170, 55.6705],
                    [12.6025, 55.6705], [12.6025, 55.6645],
                ]],
            },
        )
        db.session.add(estate)
    return estate


def _demo_walk(features: list[dict[str, Any]], user: User, estate: Estate) -> Walk:
    """The demo walk on the route and meeting point of the demo file, added if missing."""

    walk = db.session.execute(
        db.select(Walk).where(Walk.title == DEMO_WALK_TITLE)
    ).scalar_one_or_none()
    if walk is not None:
        return walk
    route = _feature_of_kind(features, "route")
    meeting = _feature_of_kind(features, "meeting_point")
    lat, lon = from_geojson_position(meeting["geometry"]["coordinates"])
    walk = Walk(
        area=default_area(),
        kind="walk",
        title=DEMO_WALK_TITLE,
        starts_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC),  # 18:30 in Copenhagen
        meeting_point=meeting["properties"]["title"].removeprefix("Mødested: "),
        meeting_lat=lat,
        meeting_lon=lon,
        route=route["geometry"],
        notes=route["properties"]["note"],
        status="active",
        join_code=new_join_code(),
        follow_up_on=date(2027, 5, 25),
        created_by_id=user.id,
        estates=[estate],
    )
    db.session.add(walk)
    db.session.flush()
    return walk


def _demo_findings(features: list[dict[str, Any]], walk: Walk, user: User, estate: Estate) -> None:
    """The demo file's findings on the demo walk; those already there are left alone."""
    categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
    for number, feature in enumerate(f for f in features if f["properties"]["kind"] == "finding"):
        finding_id = uuid.uuid5(DEMO_NAMESPACE, f"demo-finding-{number}")
        if db.session.get(Finding, finding_id) is not None:
            continue
        lat, lon = from_geojson_position(feature["geometry"]["coordinates"])
        props = feature["properties"]
        db.session.add(
            Finding(
                id=finding_id,
                walk_id=walk.id,
                user_id=user.id,
                category_id=categories[props["category"]].id,
                lat=lat,
                lon=lon,
                accuracy_m=8.0,
                location_source="map",
                rating=props["rating"],
                description=props["description"],
                observed_at=datetime(2026, 11, 24, 17, 45 + number, tzinfo=UTC),
                estate_id=estate.id,
            )
        )
