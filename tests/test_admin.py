"""Admin pages: organisations, estates with boundaries, categories, users, and access rules."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.conftest import csrf_token, login, post_form
from walkapp.auth.models import User
from walkapp.extensions import db
from walkapp.findings.models import Category, Finding
from walkapp.orgs.boundaries import BoundaryError, parse_boundary
from walkapp.orgs.models import Estate, Organisation
from walkapp.seed import CATEGORIES

# walkapp/auth/forms.py (ROLE_CHOICES) and auth/views.py (organisation choices) still pass
# tuples, which WTForms 3.3 deprecates; reported to the lead. Remove this once they use SelectChoice.

RESOURCES = Path(__file__).parent / "resources" / "estates"

SQUARE = [[12.6030, 55.6650], [12.6090, 55.6650], [12.6090, 55.6690], [12.6030, 55.6690]]
CLOSED_SQUARE = {"type": "Polygon", "coordinates": [SQUARE + [SQUARE[0]]]}


@pytest.fixture
def admin(client, make_user):
    """A client logged in as an administrator."""
    make_user("admin@x.org", "admin")
    assert login(client, "admin@x.org").status_code == 302
    return client


def _org_id(app, name: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(Organisation.id).where(Organisation.name == name)).scalar_one()


def _estate(app, estate_id: int) -> tuple[str, dict | None]:
    with app.app_context():
        estate = db.session.get(Estate, estate_id)
        return estate.name, estate.boundary


@pytest.fixture
def estate_id(make_estate):
    """An estate of DAB with the square boundary (committed)."""
    return make_estate("Afdeling 12", "DAB", boundary=CLOSED_SQUARE)


# ---------------------------------------------------------------- organisations


def test_admin_creates_and_renames_an_organisation(admin, app):
    response = post_form(admin, "/admin/organisations/new", {"name": "AAB", "type": "housing"})
    assert response.status_code == 302
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "AAB" in page

    org_id = _org_id(app, "AAB")
    response = post_form(admin, f"/admin/organisations/{org_id}", {"name": "AAB Amager", "type": "other"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert (org.name, org.type) == ("AAB Amager", "other")


def test_duplicate_organisation_name_is_refused(admin, app):
    response = post_form(admin, "/admin/organisations/new", {"name": "vibo ", "type": "housing"})
    assert response.status_code == 400
    assert 'id="name-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Organisation.id)).where(
            db.func.lower(Organisation.name) == "vibo")).scalar_one() == 1


def test_unknown_organisation_type_is_refused(admin, app):
    response = post_form(admin, "/admin/organisations/new", {"name": "Ny", "type": "church"})
    assert response.status_code == 400
    assert 'id="type-error"' in response.get_data(as_text=True)


def test_organisation_list_counts_estates_and_users(admin, app, estate_id):
    page = admin.get("/admin/organisations").get_data(as_text=True)
    dab_row = page[page.index(">DAB<"):].split("</tr>")[0]
    assert '<a href="/admin/estates?organisation=' in dab_row  # 1 estate, linked
    helhedsplan_row = page[page.index(">Helhedsplanen<"):].split("</tr>")[0]
    assert ">1</td>" in helhedsplan_row  # the admin user


# ---------------------------------------------------------------- estates


def test_estate_with_uploaded_feature_collection(admin, app):
    dab = _org_id(app, "DAB")
    response = post_form(admin, "/admin/estates/new", {
        "name": "Afdeling 12", "organisation_id": str(dab),
        "boundary_file": (io.BytesIO((RESOURCES / "boundary.geojson").read_bytes()), "afd12.geojson"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    page = admin.get(f"/admin/estates?organisation={dab}").get_data(as_text=True)
    assert "Afdeling 12" in page
    with app.app_context():
        estate = db.session.execute(db.select(Estate).where(Estate.name == "Afdeling 12")).scalar_one()
        assert estate.organisation_id == dab
        assert estate.boundary == CLOSED_SQUARE


def test_estate_with_drawn_polygon_gets_a_closed_ring(admin, app):
    dab = _org_id(app, "DAB")
    drawn = json.dumps({"type": "Polygon", "coordinates": [SQUARE]})  # as drawn: not closed
    response = post_form(admin, "/admin/estates/new", {
        "name": "Tegnet", "organisation_id": str(dab), "boundary_geojson": drawn,
    })
    assert response.status_code == 302
    with app.app_context():
        estate = db.session.execute(db.select(Estate).where(Estate.name == "Tegnet")).scalar_one()
        assert estate.boundary == CLOSED_SQUARE
    # The edit page hands the stored polygon to the map editor.
    page = admin.get(f"/admin/estates/{estate.id}").get_data(as_text=True)
    assert "polygon-editor.js" in page
    assert "12.609" in page


@pytest.mark.parametrize("filename", [
    "not-json.geojson", "point.geojson", "out-of-range.geojson", "two-points.geojson",
])
def test_bad_boundary_file_is_refused_and_estate_unchanged(admin, app, estate_id, filename):
    before = _estate(app, estate_id)
    response = post_form(admin, f"/admin/estates/{estate_id}", {
        "name": "Nyt navn", "organisation_id": str(_org_id(app, "DAB")),
        "boundary_geojson": json.dumps(CLOSED_SQUARE),
        "boundary_file": (io.BytesIO((RESOURCES / filename).read_bytes()), filename),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'id="boundary_file-error"' in response.get_data(as_text=True)
    assert _estate(app, estate_id) == before


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client spools big uploads to a temporary file
    it never closes, which filterwarnings=error turns into a failure."""
    boundary = "----walkapp-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="boundary_file"; filename="{filename}"\r\n'
        f"Content-Type: application/geo+json\r\n\r\n".encode() + content + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_oversized_boundary_file_is_refused(admin, app, estate_id):
    before = _estate(app, estate_id)
    padding = " " * (5 * 1024 * 1024)
    big = json.dumps(CLOSED_SQUARE)[:-1] + padding + "}"  # valid GeoJSON, just too big
    body, content_type = _multipart(
        {"csrf_token": csrf_token(admin), "name": "Afdeling 12", "organisation_id": str(_org_id(app, "DAB"))},
        "big.geojson", big.encode(),
    )
    response = admin.post(f"/admin/estates/{estate_id}", data=body, content_type=content_type)
    assert response.status_code == 400
    assert 'id="boundary_file-error"' in response.get_data(as_text=True)
    assert _estate(app, estate_id) == before


def test_bad_drawn_polygon_is_refused_next_to_the_map(admin, app, estate_id):
    before = _estate(app, estate_id)
    two_points = json.dumps({"type": "Polygon", "coordinates": [[[12.6, 55.66], [12.61, 55.66]]]})
    response = post_form(admin, f"/admin/estates/{estate_id}", {
        "name": "Nyt navn", "organisation_id": str(_org_id(app, "DAB")), "boundary_geojson": two_points,
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error" role="alert"' in page.split('id="boundary-map"')[1].split("</fieldset>")[0]
    assert _estate(app, estate_id) == before


def test_boundary_can_be_removed_and_is_kept_when_not_sent(admin, app, estate_id):
    dab = str(_org_id(app, "DAB"))
    # A client that does not send the drawing field keeps the stored boundary.
    assert post_form(admin, f"/admin/estates/{estate_id}", {"name": "Omdøbt", "organisation_id": dab}).status_code == 302
    assert _estate(app, estate_id) == ("Omdøbt", CLOSED_SQUARE)
    response = post_form(admin, f"/admin/estates/{estate_id}", {
        "name": "Omdøbt", "organisation_id": dab, "boundary_geojson": json.dumps(CLOSED_SQUARE),
        "remove_boundary": "y",
    })
    assert response.status_code == 302
    assert _estate(app, estate_id) == ("Omdøbt", None)
    assert "Omdøbt" in admin.get("/admin/estates").get_data(as_text=True)


def test_duplicate_estate_name_in_same_organisation_is_refused(admin, app, estate_id):
    response = post_form(admin, "/admin/estates/new", {
        "name": "afdeling 12", "organisation_id": str(_org_id(app, "DAB")),
    })
    assert response.status_code == 400
    assert 'id="name-error"' in response.get_data(as_text=True)
    # Another organisation may use the same name.
    response = post_form(admin, "/admin/estates/new", {
        "name": "Afdeling 12", "organisation_id": str(_org_id(app, "fsb")),
    })
    assert response.status_code == 302


# ---------------------------------------------------------------- boundary parsing (pure)


def test_parse_boundary_accepts_feature_and_multipolygon_and_drops_altitude():
    feature = {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [
        [[p + [12.0] for p in SQUARE]], [[[0, 0], [1, 0], [1, 1], [0, 0]]],
    ]}}
    assert parse_boundary(json.dumps(feature)) == CLOSED_SQUARE


@pytest.mark.parametrize(("text", "code"), [
    ("", "not_json"),
    ('{"type": "Polygon", "coordinates": [[[NaN, 55], [12, 55], [12, 56], [NaN, 55]]]}', "not_json"),
    ('{"type": "LineString", "coordinates": [[12, 55], [13, 56]]}', "no_polygon"),
    ('{"type": "FeatureCollection", "features": []}', "no_polygon"),
    ('{"type": "Polygon", "coordinates": [[[12, "55"], [12, 56], [13, 56]]]}', "bad_coordinates"),
    ('{"type": "Polygon", "coordinates": [[[200, 55], [12, 56], [13, 56]]]}', "out_of_range"),
    ('{"type": "Polygon", "coordinates": [[[12, 55], [12, 55], [13, 56], [12, 55]]]}', "too_few_points"),
])
def test_parse_boundary_refuses_bad_input(text, code):
    with pytest.raises(BoundaryError) as caught:
        parse_boundary(text)
    assert caught.value.code == code


def test_parse_boundary_limits_points_and_bytes():
    ring = [[12 + i * 1e-5, 55 + (i % 2) * 1e-5] for i in range(5001)]
    with pytest.raises(BoundaryError) as caught:
        parse_boundary(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    assert caught.value.code == "too_many_points"
    with pytest.raises(BoundaryError) as caught:
        parse_boundary(json.dumps(CLOSED_SQUARE), max_bytes=50)
    assert caught.value.code == "too_large"


# ---------------------------------------------------------------- categories


def _category(app, code: str) -> Category | None:
    with app.app_context():
        category = db.session.execute(db.select(Category).where(Category.code == code)).scalar_one_or_none()
        if category is not None:
            db.session.expunge(category)
        return category


CATEGORY = {"code": "broken_bench", "name_da": "Ødelagt bænk", "name_en": "Broken bench",
            "icon": "vandalism", "sort_order": "5", "active": "y"}


def test_categories_are_listed_in_sort_order(admin):
    page = admin.get("/admin/categories").get_data(as_text=True)
    positions = [page.index(name) for name in ("Belysning", "Graffiti", "Hærværk", "Andet")]
    assert positions == sorted(positions)
    assert "icons/categories/lighting.svg" in page


def test_admin_creates_edits_and_deactivates_a_category(admin, app):
    response = post_form(admin, "/admin/categories/new", CATEGORY)
    assert response.status_code == 302
    page = admin.get("/admin/categories").get_data(as_text=True)
    assert page.index("Adgang/kælder") < page.index("Ødelagt bænk") < page.index("Affald")  # order 5
    category = _category(app, "broken_bench")
    assert (category.name_en, category.icon, category.sort_order, category.active) == (
        "Broken bench", "vandalism", 5, True)

    response = post_form(admin, f"/admin/categories/{category.id}", {
        "name_da": "Ødelagt bænk/bord", "name_en": "Broken bench or table", "icon": "other",
        "sort_order": "200",  # "active" left out: the checkbox is unticked
    })
    assert response.status_code == 302
    category = _category(app, "broken_bench")
    assert (category.name_da, category.icon, category.sort_order, category.active) == (
        "Ødelagt bænk/bord", "other", 200, False)
    assert "Ødelagt bænk/bord" in admin.get("/admin/categories").get_data(as_text=True)


def test_deactivated_category_stays_on_old_findings(admin, app, make_walk, make_finding):
    walk = make_walk()
    finding_id = make_finding(walk["id"], category="graffiti")
    graffiti = _category(app, "graffiti")
    response = post_form(admin, f"/admin/categories/{graffiti.id}", {
        "name_da": "Graffiti", "name_en": "Graffiti", "icon": "graffiti", "sort_order": "1",
    })
    assert response.status_code == 302
    assert _category(app, "graffiti").active is False
    with app.app_context():
        assert db.session.get(Finding, finding_id).category.code == "graffiti"


def test_category_code_cannot_be_changed(admin, app, make_walk, make_finding):
    make_finding(make_walk()["id"], category="lighting")
    lighting = _category(app, "lighting")
    page = admin.get(f"/admin/categories/{lighting.id}").get_data(as_text=True)
    assert 'name="code"' not in page  # shown, not editable
    response = post_form(admin, f"/admin/categories/{lighting.id}", {
        "code": "light", "name_da": "Lys", "name_en": "Light", "icon": "lighting",
        "sort_order": "0", "active": "y",
    })
    assert response.status_code == 302
    assert _category(app, "lighting").name_da == "Lys"
    assert _category(app, "light") is None


@pytest.mark.parametrize(("field", "value"), [
    ("code", "Broken-Bench"), ("code", "lighting"), ("code", ""), ("icon", "../../secret"),
    ("name_da", ""), ("sort_order", "many"),
])
def test_bad_category_input_is_refused(admin, app, field, value):
    response = post_form(admin, "/admin/categories/new", {**CATEGORY, field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert _category(app, "broken_bench") is None
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Category.id))).scalar_one() == len(CATEGORIES)


# ---------------------------------------------------------------- users


def test_admin_creates_a_user_who_can_log_in(admin, app):
    dab = _org_id(app, "DAB")
    response = post_form(admin, "/admin/users/new", {
        "email": "Drift@DAB.dk", "name": "Ejendomsmester", "role": "staff",
        "organisation_id": str(dab), "password": "langt-kodeord-42", "active": "y",
    })
    assert response.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "drift@dab.dk" in page and "Ejendomsmester" in page
    other = app.test_client()
    assert login(other, "drift@dab.dk", "langt-kodeord-42").status_code == 302


def test_duplicate_user_email_is_refused(admin, app, make_user):
    make_user("drift@dab.dk", "staff")
    response = post_form(admin, "/admin/users/new", {
        "email": "DRIFT@dab.dk", "role": "staff", "organisation_id": str(_org_id(app, "DAB")),
        "password": "langt-kodeord-42", "active": "y",
    })
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 2


def test_admin_cannot_demote_themself(admin, app):
    with app.app_context():
        me = db.session.execute(db.select(User).where(User.email == "admin@x.org")).scalar_one()
        me_id, org_id = me.id, me.organisation_id
    response = post_form(admin, f"/admin/users/{me_id}", {
        "email": "admin@x.org", "role": "coordinator", "organisation_id": str(org_id), "active": "y",
    })
    assert response.status_code == 400
    assert 'id="role-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, me_id).role == "admin"
    assert admin.get("/admin/users").status_code == 200


def test_user_list_shows_last_login_in_copenhagen_time(admin, app):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "admin@x.org" in page
    with app.app_context():
        me = db.session.execute(db.select(User).where(User.email == "admin@x.org")).scalar_one()
        from walkapp.i18n import show_datetime
        with app.test_request_context():
            shown = show_datetime(me.last_login_at)
    assert shown and shown in page


# ---------------------------------------------------------------- access


ADMIN_PAGES = [
    "/admin/users", "/admin/users/new", "/admin/organisations", "/admin/organisations/new",
    "/admin/estates", "/admin/estates/new", "/admin/categories", "/admin/categories/new",
]


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_non_admins_get_403_on_every_admin_page(client, app, make_user, role):
    make_user(f"{role}@x.org", role)
    assert login(client, f"{role}@x.org").status_code == 302
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    response = post_form(client, "/admin/organisations/new", {"name": "Indbrud", "type": "other"})
    assert response.status_code == 403
    response = post_form(client, "/admin/categories/new", CATEGORY)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.execute(
            db.select(Organisation).where(Organisation.name == "Indbrud")).scalar_one_or_none() is None


def test_anonymous_visitors_are_sent_to_login(client):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    response = client.post("/admin/organisations/new", data={
        "csrf_token": csrf_token(client), "name": "Anonym", "type": "other"})
    assert response.status_code == 302


def test_admin_pages_render_for_admin(admin, app, estate_id):
    for url in ADMIN_PAGES + [f"/admin/estates/{estate_id}", f"/admin/organisations/{_org_id(app, 'DAB')}"]:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert 'class="admin-nav' in response.get_data(as_text=True), url

