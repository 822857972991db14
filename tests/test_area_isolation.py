"""Areas (tenants) tested the way an attacker would (issue 11 §1): area B holds a full scene
made through the API (walk, follow-up walk, findings with photo and voice note, a check with
its photo, measures with history, a plan item, a published feedback page); area A's users,
token and participant send every URL rule of the app, every method, with B's ids, and no
answer may show anything of B, nor may anything of B change.

The scene is built once per module (the attack is read-mostly and B must stay unchanged
anyway); the tests that write do so only in A or as B's own users, after the attack."""
from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.routing import AnyConverter
from werkzeug.wrappers import Response

from tests.audio_helpers import post_audio, webm_opus
from tests.capture_api_helpers import bearer, finding_payload, send, upload
from tests.conftest import (
    DEMO_ROUTE,
    PASSWORD,
    POSTGRES_URL,
    csrf_token,
    join_walk,
    login,
    make_test_config,
)
from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp import create_app
from walkapp.extensions import db

MARK = "AREA-B-SECRET"
# Names of B's organisation and users: not area data (users and organisations are not filtered
# by the area mechanism), checked separately with the pages that still list them.
PEOPLE = "AREA-B-PEOPLE"
A_MARK = "AREA-A-OWN"
B_AMOUNT = 987_654
A_AMOUNT = 12_345
BOUNDARY = {"type": "Polygon", "coordinates": [[[12.60, 55.66], [12.61, 55.66], [12.61, 55.67],
                                                [12.60, 55.67], [12.60, 55.66]]]}
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
# TODO(lead, walkapp/auth/views.py and walkapp/orgs/views.py): the user admin and the
# organisations admin still show (and let A's admin edit) every organisation's users and
# organisations; so do the organisation choices of the dashboard (walkapp/dashboard/views.py),
# the triage filter (walkapp/triage/forms.py), the measures list (walkapp/measures/views.py)
# and the meeting page (walkapp/followup/meeting_views.py). Until they are filtered by area,
# B's organisation and user names (PEOPLE) and these pages make the attack test xfail with the
# list; area data (MARK) and B's ids elsewhere are asserted strictly.
# The estates admin offers every organisation in its choice of organisation.
PEOPLE_STILL_LISTED = ("/admin/users", "/admin/organisations", "/admin/estates")


# ---------------------------------------------------------------- the scene


@pytest.fixture(scope="module")
def scene_app(tmp_path_factory, postgres_template):
    """One app and database for the module (SQLite, or a copy of the PostgreSQL template)."""
    tmp = tmp_path_factory.mktemp("areas")
    name = None
    if postgres_template is None:
        url = f"sqlite:///{tmp / 'test.sqlite3'}"
    else:
        name = f"walkapp_t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    # The attack sends hundreds of logins and joins from one address: the limits are not the
    # subject here (tests/test_auth.py and tests/test_join.py test them).
    application = create_app(make_test_config(url, RATELIMIT_ENABLED=False), instance_path=tmp / "instance")
    with application.app_context():
        if name is None:
            db.create_all()
        from walkapp.seed import seed_reference_data

        seed_reference_data()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if name is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _org_and_users(area, org_name: str, org_type: str, prefix: str, name_mark: str) -> dict:
    """An organisation in `area` with a coordinator, an admin and a staff user, and a token."""
    from walkapp.auth.services import create_user, issue_token
    from walkapp.orgs.areas import add_member
    from walkapp.orgs.models import Organisation

    org = Organisation(name=org_name, type=org_type)
    db.session.add(org)
    add_member(area, org)
    users = {role: create_user(f"{prefix}-{role}@example.org", PASSWORD, role, org,
                               name=f"{name_mark} {prefix} {role}")
             for role in ("coordinator", "admin", "staff")}
    db.session.flush()
    token = issue_token(users["coordinator"])
    return {"org": org.id, "token": token, **{role: {"id": u.id, "email": u.email} for role, u in users.items()},
            "users": [u.id for u in users.values()]}


def _logged_in(app, email: str):
    """A test client with a staff session."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _walk_with_findings(app, token: str, mark: str, estate_name: str, good: bool = True,
                        close: bool = True) -> dict:
    """A walk made through the API, made active, joined by a participant who reports a problem
    with a photo and a voice note (and a good place), then closed unless `close` is false."""
    from walkapp.walks.models import Walk

    api = app.test_client()
    made = api.post("/api/v1/walks", headers=bearer(token), json={
        "kind": "walk", "title": f"{mark}-walk Aftenvandring", "starts_at": "2026-11-26T18:30:00+01:00",
        "meeting_point": f"{mark}-meeting ved porten", "notes": f"{mark}-notes", "route": DEMO_ROUTE,
        "estates": [estate_name]})
    assert made.status_code == 201, made.get_json()
    walk = made.get_json()
    with app.app_context():
        db.session.get(Walk, walk["id"]).status = "active"
        db.session.commit()
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    problem = finding_payload(description=f"{mark}-problem Mørk sti", location_text=f"{mark}-place")
    assert send(phone, "POST", f"/api/v1/walks/{walk['id']}/findings", problem).status_code == 201
    photo = upload(phone, problem["id"], jpeg_bytes(marked_landscape(640, 320), quality=90))
    assert photo.status_code == 201, photo.get_json()
    audio = post_audio(phone, problem["id"], webm_opus())
    assert audio.status_code == 201, audio.get_json()
    findings = [problem["id"]]
    if good:
        nice = finding_payload(kind="good", rating=None, description=f"{mark}-good Fin legeplads")
        assert send(phone, "POST", f"/api/v1/walks/{walk['id']}/findings", nice).status_code == 201
        findings.append(nice["id"])
    if close:
        with app.app_context():
            db.session.get(Walk, walk["id"]).status = "closed"
            db.session.commit()
    return {"id": walk["id"], "join_code": walk["join_code"], "findings": findings,
            "photo": photo.get_json()["id"], "audio": audio.get_json()["id"], "phone": phone}


@pytest.fixture(scope="module")
def scene(scene_app):
    """Area B with everything a helhedsplan has, area A (the default) with a smaller scene and
    the attackers: A's coordinator, admin and staff user, A's token and a participant of A."""
    app = scene_app
    from walkapp.findings.models import Finding, FindingChange
    from walkapp.orgs.areas import create_area
    from walkapp.orgs.models import Estate
    from walkapp.seed import default_area
    from walkapp.walks.models import Walk, WalkStatusChange

    with app.app_context():
        area_a = default_area()
        area_b = create_area(f"{MARK}-area Nordhavn Helhedsplan")
        b = _org_and_users(area_b, f"{PEOPLE}-org Nordbo", "housing", "nord", PEOPLE)
        a = _org_and_users(area_a, "Angriber Bolig", "housing", "syd", "Angriber")
        b_estate = Estate(name=f"{MARK}-estate Nordbo", organisation_id=b["org"], area_id=area_b.id,
                          boundary=BOUNDARY)
        a_estate = Estate(name=f"{A_MARK}-estate Sydbo", organisation_id=a["org"], area_id=area_a.id,
                          boundary=BOUNDARY)
        db.session.add_all([b_estate, a_estate])
        db.session.commit()
        b.update(area=area_b.id, estate=b_estate.id, estate_name=b_estate.name)
        a.update(area=area_a.id, estate=a_estate.id, estate_name=a_estate.name)

    b["walk"] = _walk_with_findings(app, b["token"], MARK, b["estate_name"])
    a["walk"] = _walk_with_findings(app, a["token"], A_MARK, a["estate_name"], good=False, close=False)
    api = app.test_client()

    # B's follow-up walk, a participant's check on it with a photo.
    made = api.post(f"/api/v1/walks/{b['walk']['id']}/follow-up-walk", headers=bearer(b["token"]),
                    json={"starts_at": "2027-05-20T19:00:00+02:00", "title": f"{MARK}-followup Igen"})
    assert made.status_code == 201, made.get_json()
    b["follow_up"] = made.get_json()
    with app.app_context():
        db.session.get(Walk, b["follow_up"]["id"]).status = "active"
        db.session.commit()
    # Made by B's coordinator: a follow-up walk's participant cannot see the previous walk's
    # findings since the areas commit (tests/test_follow_up_walk_api.py fails the same way).
    check = api.post(f"/api/v1/walks/{b['follow_up']['id']}/checks", headers=bearer(b["token"]), json={
        "id": str(uuid.uuid4()), "finding_id": b["walk"]["findings"][0], "verdict": "still",
        "note": f"{MARK}-check stadig mørkt", "observed_at": "2027-05-20T19:20:00.000+02:00"})
    assert check.status_code == 201, check.get_json()
    b["check"] = check.get_json()["id"]
    check_photo = api.post(f"/api/v1/checks/{b['check']}/photos", headers=bearer(b["token"]),
                       data={"photo": (io.BytesIO(jpeg_bytes(marked_landscape(500, 250))), "c.jpg")},
                       content_type="multipart/form-data")
    assert check_photo.status_code == 201, check_photo.get_json()
    b["check_photo"] = check_photo.get_json()["id"]

    # Measures in several statuses with history, one in the plan with an amount.
    def measures(side: dict, mark: str, amount: int, steps: list[list[dict]]) -> list[int]:
        ids = []
        for n, path in enumerate(steps):
            made = api.post("/api/v1/measures", headers=bearer(side["token"]), json={
                "title": f"{mark}-measure {n}", "description": f"{mark}-measure-text {n}",
                "finding_ids": [side["walk"]["findings"][0]], "responsible_org": side["org"],
                "due_on": "2031-01-15", "cost_estimate_dkk": amount + n})
            assert made.status_code == 201, made.get_json()
            ids.append(made.get_json()["id"])
            for version, step in enumerate(path, start=1):
                moved = api.post(f"/api/v1/measures/{ids[-1]}/transitions", headers=bearer(side["token"]),
                                 json={"version": version, "note": f"{mark}-history {n}", **step})
                assert moved.status_code == 200, moved.get_json()
        return ids

    in_plan = {"to": "in_plan", "plan_year": 2028, "estate": None}
    b["measures"] = measures(b, MARK, B_AMOUNT, [
        [], [{"to": "agreed"}], [{**in_plan, "estate": b["estate"], "amount_dkk": B_AMOUNT}],
        [{"to": "rejected", "public_note": f"{MARK}-public"}]])
    a["measures"] = measures(a, A_MARK, A_AMOUNT, [
        [{**in_plan, "estate": a["estate"], "amount_dkk": A_AMOUNT}]])

    published = api.post(f"/api/v1/walks/{b['walk']['id']}/feedback", headers=bearer(b["token"]),
                         json={"published": True})
    assert published.status_code == 201, published.get_json()
    b["feedback_code"] = re.search(r"/f/([^/?#]+)", published.get_json()["url"]).group(1)

    with app.app_context():
        finding = db.session.get(Finding, uuid.UUID(b["walk"]["findings"][0]))
        db.session.add(FindingChange(finding_id=finding.id, by_user_id=b["coordinator"]["id"],
                                     field="description", old_value=f"{MARK}-old", new_value=finding.description))
        db.session.add(WalkStatusChange(walk_id=b["walk"]["id"], from_status="active", to_status="closed",
                                        by_user_id=b["coordinator"]["id"], reason=f"{MARK}-reason"))
        db.session.commit()
        a.update(finding_count=1, problems=1, good=0)
        b.update(finding_count=2, problems=1, good=1)

    participant_a = app.test_client()
    join_walk(participant_a, a["walk"]["join_code"])
    return {"a": a, "b": b, "participant_a": participant_a}


# ---------------------------------------------------------------- what B has


def _b_ids(app, b: dict) -> dict[str, set]:
    """B's ids by kind, read without any scope (the test must not trust the mechanism)."""
    from walkapp.findings.models import Finding, Photo
    from walkapp.followup.models import FindingCheck
    from walkapp.measures.models import Measure
    from walkapp.walks.models import Walk

    with app.app_context():
        walks = set(db.session.execute(select(Walk.id).where(Walk.area_id == b["area"])).scalars())
        findings = set(db.session.execute(select(Finding.id).where(Finding.walk_id.in_(walks))).scalars())
        return {
            "walks": walks, "findings": findings,
            "photos": set(db.session.execute(select(Photo.id).where(Photo.finding_id.in_(findings))).scalars()),
            "checks": set(db.session.execute(select(FindingCheck.id).where(FindingCheck.walk_id.in_(walks))).scalars()),
            "measures": set(db.session.execute(select(Measure.id).where(Measure.area_id == b["area"])).scalars()),
        }


# Which column of a table ties its row to B, by the kind of id it holds.
OWNERS = {"walk_id": "walks", "previous_walk_id": "walks", "finding_id": "findings", "duplicate_of_id": "findings",
          "measure_id": "measures", "check_id": "checks", "estate_id": "estates", "area_id": "areas",
          "organisation_id": "orgs", "responsible_org_id": "orgs", "user_id": "users"}
OWN_ID = {"walks": "walks", "findings": "findings", "measures": "measures", "finding_checks": "checks",
          "estates": "estates", "areas": "areas", "organisations": "orgs", "users": "users"}


def _snapshot(app, b: dict) -> dict:
    """Every row of every table that belongs to B (all columns), and every stored file."""
    ids = _b_ids(app, b)
    ids.update(estates={b["estate"]}, areas={b["area"]}, orgs={b["org"]}, users=set(b["users"]))
    rows = {}
    with app.app_context():
        for table in db.Model.metadata.sorted_tables:
            owned = [(c.name, OWN_ID[table.name] if c.name == "id" else OWNERS[c.name]) for c in table.columns
                     if (c.name == "id" and table.name in OWN_ID) or c.name in OWNERS]
            if not owned:
                continue
            found = db.session.execute(select(table)).mappings().all()
            rows[table.name] = sorted(
                (tuple(sorted((k, str(v)) for k, v in row.items())) for row in found
                 if any(row[col] in ids[kind] for col, kind in owned)),
            )
    files = {str(p.relative_to(app.instance_path)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in Path(app.instance_path).rglob("*") if p.is_file() and p.suffix != ".sqlite3"}
    return {"rows": rows, "files": files}


def _secret_bytes(app, b: dict) -> list[bytes]:
    """Pieces of B's stored photo, thumbnail, check photo and voice note files."""
    from walkapp.findings.models import Audio, Photo
    from walkapp.followup.models import CheckPhoto

    with app.app_context():
        keys = [db.session.get(Photo, uuid.UUID(b["walk"]["photo"])).storage_key,
                db.session.get(CheckPhoto, uuid.UUID(b["check_photo"])).storage_key,
                db.session.get(Audio, uuid.UUID(b["walk"]["audio"])).storage_key]
    pieces = []
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file() and any(key in str(path) for key in keys):
            data = path.read_bytes()
            pieces.append(data[len(data) // 2:len(data) // 2 + 256])
    assert len(pieces) >= 4, pieces  # photo + thumbnail, check photo + thumbnail, audio
    return pieces


def _body_texts(response) -> str:
    """The answer as text; a ZIP (XLSX, photo archive) is read member by member."""
    data = response.get_data()
    parts = [data.decode("utf-8", "replace")]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return "\n".join(parts)


# ---------------------------------------------------------------- the attack


def _fill_values(rule, b: dict, a: dict, category_id: int) -> dict[str, list[str]]:
    """B's objects for each URL argument of a rule, by the argument's name."""
    photo = [b["check_photo"]] if rule.rule.startswith("/check-photos") else [b["walk"]["photo"]]
    code = {"/j/": [a["walk"]["join_code"], "no-such-code"], "/f/": ["no-such-feedback-code"],
            "/lang/": ["da"]}
    values = {
        "walk_id": [b["walk"]["id"], b["follow_up"]["id"]],
        "finding_id": b["walk"]["findings"],
        "request_id": b["walk"]["findings"][:1],
        "photo_id": photo,
        "audio_id": [b["walk"]["audio"]],
        "measure_id": b["measures"],
        "estate_id": [b["estate"]],
        "check_id": [b["check"]],
        "org_id": [b["org"]],
        "user_id": [b["coordinator"]["id"], b["admin"]["id"]],
        # Categories are shared by every area (reference data), not B's: A's admin may edit them.
        "category_id": [category_id],
        # Capabilities, not ids: whoever holds B's join or feedback code may open it by design,
        # so the attacker tries their own and made-up codes (the answers must not show B).
        "code": next((v for prefix, v in code.items() if rule.rule.startswith(prefix)), None),
    }
    filled = {}
    for name in sorted(rule.arguments - set(rule.defaults or {})):
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            filled[name] = sorted(converter.items)
        elif name == "fmt":
            filled[name] = ["json", "xml"]
        elif values.get(name) is not None:
            filled[name] = [str(v) for v in values[name]]
        else:
            pytest.fail(f"{rule.rule}: no B object for the URL argument {name!r}; add it to the attack")
    return filled


def _urls(rule, values: dict[str, list[str]]) -> list[str]:
    combos = [{}]
    for name, options in values.items():
        combos = [{**c, name: o} for c in combos for o in options]
    return [rule.build({**(rule.defaults or {}), **c}, append_unknown=False)[1] for c in combos]


def _query_strings(b: dict) -> list[str]:
    """Filters carrying B's ids, as the list pages and feeds read them."""
    finding = b["walk"]["findings"][0]
    return ["", f"?walk={b['walk']['id']}&estate={b['estate']}&org={b['org']}&organisation={b['org']}",
            f"?view=map&walk={b['walk']['id']}&responsible_org={b['org']}&year=2028&status=in_plan",
            f"?service_request_id={finding}&jurisdiction_id={b['area']}&estate={b['estate']}"]


def _bodies(path: str, b: dict) -> list[dict]:
    """{} and realistic JSON and form bodies naming B's objects (and a file where one goes)."""
    findings = b["walk"]["findings"]
    realistic = {
        "id": str(uuid.uuid4()), "title": "Angreb", "description": "Angreb", "note": "Angreb",
        "to": "agreed", "version": 1, "published": True, "finding_ids": findings, "finding_id": findings[0],
        "verdict": "still", "observed_at": "2027-05-20T19:20:00+02:00", "lat": 55.6665, "lon": 12.606,
        "category": "lighting", "rating": 1, "kind": "walk", "starts_at": "2030-11-26T18:30:00+01:00",
        "meeting_point": "Angreb", "route": DEMO_ROUTE, "estates": [b["estate"]], "estate": b["estate"],
        "area": b["area"], "responsible_org": b["org"], "state": "dismissed", "dismiss_reason": "Angreb",
        "decision": "agreed", "plan_year": 2028, "amount_dkk": 1, "public_note": "Angreb",
        "rects": [[0, 0, 10, 10]], "duplicate_of": findings[1]}
    form = {"title": "Angreb", "description": "Angreb", "finding": findings, "action": "dismiss",
            "reason": "Angreb", "to": "agreed", "version": "1", "published": "1", "status": "closed",
            "estate": str(b["estate"]), "estates": str(b["estate"]), "area": str(b["area"]),
            "organisation_id": str(b["org"]), "responsible_org": str(b["org"]), "role": "coordinator",
            "email": "angriber@example.org", "name": "Angreb", "password": "angreb angreb angreb",
            "state": "dismissed", "starts_at": "2030-11-26T18:30", "kind": "walk", "verdict": "still"}
    bodies = [{"json": {}}, {"json": realistic}, {"form": form}]
    if path.endswith("/photos"):
        bodies.append({"files": {"photo": jpeg_bytes(marked_landscape(64, 32))}})
    if path.endswith("/audio"):
        bodies.append({"files": {"audio": webm_opus()}})
    return bodies


class Attacker:
    """One of A's users (cookie session or bearer token) or a participant, sending requests."""

    def __init__(self, app, name: str, email: str | None = None, token: str | None = None, client=None):
        self.app, self.name, self.email, self.token = app, name, email, token
        self.client = client or (_logged_in(app, email) if email else app.test_client())
        self.csrf = csrf_token(self.client)

    def send(self, method: str, url: str, body: dict | None = None):
        """One request; a cookie attacker always sends a valid CSRF token (header and form)."""
        headers = bearer(self.token) if self.token else {"X-CSRFToken": self.csrf}
        kwargs: dict = {}
        body = body or {}
        if "json" in body:
            kwargs["json"] = body["json"]
        elif "form" in body:
            kwargs["data"] = {**body["form"], "csrf_token": self.csrf}
        elif "files" in body:
            kwargs["data"] = {k: (io.BytesIO(v), "f.bin") for k, v in body["files"].items()}
            kwargs["data"]["id"] = str(uuid.uuid4())
            kwargs["content_type"] = "multipart/form-data"
        try:
            response = self.client.open(url, method=method, headers=headers, **kwargs)
        except Exception as error:  # TESTING propagates a view's exception: report it as a 500
            return Response(f"{type(error).__name__}: {error}", status=500)
        if method == "POST" and url in ("/logout", "/login") and self.email:
            # Logging out (or in again) is part of the attack; the next request is A's again.
            assert login(self.client, self.email).status_code == 302
            self.csrf = csrf_token(self.client)
        return response


def _attackers(app, scene) -> list[Attacker]:
    a = scene["a"]
    return [Attacker(app, "anonymous"), Attacker(app, "participant of A", client=scene["participant_a"]),
            Attacker(app, "A coordinator", a["coordinator"]["email"]),
            Attacker(app, "A admin", a["admin"]["email"]), Attacker(app, "A staff", a["staff"]["email"]),
            Attacker(app, "A token", token=a["token"])]


HONEST_REFUSALS = {400, 401, 403, 404, 405}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _requests(app, b: dict, a: dict, attackers: list[Attacker]) -> list[tuple]:
    """(attacker, method, url, body, carries a B id) for every rule but `static`; a rule with an
    argument the attack cannot fill fails here, so a new rule cannot slip by."""
    from walkapp.findings.models import Category

    with app.app_context():
        category_id = db.session.execute(select(Category.id).limit(1)).scalar_one()
    skipped, jobs = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            skipped.append(rule.rule)
            continue
        values = _fill_values(rule, b, a, category_id)
        carries_b_id = bool(set(values) - {"fmt", "action", "code", "category_id"})
        methods = sorted(rule.methods - {"OPTIONS", "HEAD"})
        api_like = rule.rule.startswith(("/api/", "/open311/"))
        for attacker in attackers:
            if attacker.token and not api_like:
                continue  # a bearer header counts only on the API; elsewhere it is anonymous
            for url in _urls(rule, values):
                for method in methods:
                    if method == "GET":
                        for query in [""] if carries_b_id else _query_strings(b):
                            jobs.append((attacker, "GET", url + query, None, carries_b_id))
                    else:
                        jobs.extend((attacker, method, url, body, carries_b_id) for body in _bodies(url, b))
    assert skipped == ["/static/<path:filename>"]
    return jobs


def _known_open(url: str) -> bool:
    return url.split("?")[0].startswith(PEOPLE_STILL_LISTED)


def _snapshot_changes(before: dict, after: dict) -> list[str]:
    changes = [f"B's rows in {table} changed" for table, rows in before["rows"].items()
               if after["rows"][table] != rows]
    changes += [f"stored file {name} changed or gone" for name, digest in before["files"].items()
                if after["files"].get(name) != digest]
    return changes


def test_no_url_of_the_app_shows_or_changes_anything_of_area_b(scene_app, scene):
    """Every rule, every method, every attacker of A, with B's ids and B's ids in the filters:
    no B text, join or feedback code or file bytes in any answer, B's ids answer 404 (or
    another honest refusal), and B's rows and files are unchanged afterwards."""
    app, a, b = scene_app, scene["a"], scene["b"]
    secrets = [MARK, b["walk"]["join_code"], b["follow_up"]["join_code"], b["feedback_code"]]
    # B's finding ids as compact answers write them (the map's points: 32 hex digits, no dashes;
    # the dashed form is in the attackers' own URLs, which some answers repeat).
    secrets += [uuid.UUID(str(fid)).hex for fid in b["walk"]["findings"]]
    secret_bytes = _secret_bytes(app, b)
    jobs = _requests(app, b, a, _attackers(app, scene))

    known: list[str] = []

    def attack(batch: list[tuple]) -> list[str]:
        failures = []
        for attacker, method, url, body, carries_b_id in batch:
            response = attacker.send(method, url, body)
            text_of = _body_texts(response)
            response.close()
            where = f"{attacker.name} {method} {url} → {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where}: server error {response.get_data(as_text=True)[:200]}")
            failures += [f"{where}: shows {secret!r}" for secret in secrets if secret in text_of]
            if PEOPLE in text_of:
                known.append(f"{where}: shows B's organisation or users ({PEOPLE!r})")
            if any(piece in response.get_data() for piece in secret_bytes):
                failures.append(f"{where}: sends B's file bytes")
            if carries_b_id and response.status_code not in HONEST_REFUSALS and not _is_login_redirect(response):
                failures.append(f"{where}: not refused")
        return failures

    # The pages still open to A (TODO above) go last: their writes change B's users, and the
    # snapshot must first prove that nothing else did.
    strict = [job for job in jobs if not _known_open(job[2])]
    before = _snapshot(app, b)
    # The snapshot holds B's whole scene, so a change anywhere in it is seen.
    assert all(before["rows"][t] for t in ("walks", "findings", "photos", "audio", "finding_changes",
                                           "finding_checks", "check_photos", "feedback_pages", "measures",
                                           "status_changes", "plan_items", "participants", "walk_status_changes",
                                           "estates", "walk_estates", "measure_findings", "users"))
    failures = attack(strict)
    failures += _snapshot_changes(before, _snapshot(app, b))
    assert len(jobs) > 1500
    assert not failures, f"{len(failures)} of {len(strict)} answers leak or accept B:\n" + "\n".join(failures[:300])
    known += attack([job for job in jobs if _known_open(job[2])])
    if known:
        pytest.xfail(f"TODO(lead): {len(known)} answers still show or change B's users and organisations "
                     f"(the pages under {PEOPLE_STILL_LISTED} and the organisation choices):\n"
                     + "\n".join(known[:60]))


# ---------------------------------------------------------------- counts


def test_the_dashboard_plan_and_exports_of_a_count_only_a(scene_app, scene):
    """A's dashboard counts A's findings and measures, the plan totals only A's amounts and
    A's exports list only A's rows."""
    app, a = scene_app, scene["a"]
    coordinator = _logged_in(app, a["coordinator"]["email"])
    dashboard = coordinator.get("/api/v1/dashboard")
    assert dashboard.status_code == 200
    numbers = dashboard.get_json()
    text_of = str(numbers)
    assert MARK not in text_of
    assert _counts(numbers) == _counts_of(a), numbers
    plan = coordinator.get("/plan")
    assert plan.status_code == 200
    page = plan.get_data(as_text=True)
    assert _kroner(A_AMOUNT) in page and _kroner(B_AMOUNT) not in page and _kroner(A_AMOUNT + B_AMOUNT) not in page
    plan_xlsx = _body_texts(coordinator.get("/plan.xlsx"))
    assert str(A_AMOUNT) in plan_xlsx and str(B_AMOUNT) not in plan_xlsx
    rows = coordinator.get("/findings/export.csv").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 1 + a["finding_count"] and all(A_MARK in r for r in rows[1:])
    measures = coordinator.get("/measures/export.csv").get_data(as_text=True).strip().splitlines()
    assert len(measures) == 1 + len(a["measures"])
    geojson = coordinator.get("/findings/export.geojson").get_json()
    assert len(geojson["features"]) == a["finding_count"]
    feed = app.test_client().get("/open311/v2/requests.json",
                                 headers=bearer(a["token"]))
    assert feed.status_code == 200 and len(feed.get_json()) == a["finding_count"]


def _counts(numbers: dict) -> tuple[int, int, int, int, int]:
    """(walks held, problems, good places, measures, measures put in the plan) of the dashboard."""
    return (numbers["walks_held"], sum(numbers["findings_by_category"].values()), numbers["good_places"],
            sum(numbers["measures_by_status"].values()), numbers["measures_put_in_plan"])


def _counts_of(*sides: dict) -> tuple[int, int, int, int, int]:
    """What the dashboard must count for these sides of the scene (one walk held each)."""
    return (len(sides), sum(s["problems"] for s in sides), sum(s["good"] for s in sides),
            sum(len(s["measures"]) for s in sides), len(sides))


def _kroner(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


# ---------------------------------------------------------------- controls


def test_b_s_own_coordinator_sees_b_on_the_same_urls(scene_app, scene):
    """The attack can fail: B's coordinator gets 200 and B's text on the pages A was refused."""
    app, b = scene_app, scene["b"]
    client = _logged_in(app, _new_coordinator(app, b["org"]))
    token = _new_coordinator(app, b["org"], token=True)
    urls = [f"/walks/{b['walk']['id']}", f"/findings/{b['walk']['findings'][0]}", f"/measures/{b['measures'][2]}",
            "/findings", "/plan", f"/walks/{b['walk']['id']}/report", f"/api/v1/walks/{b['walk']['id']}/findings",
            f"/walks/{b['follow_up']['id']}/follow-up", f"/f/{b['feedback_code']}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARK in response.get_data(as_text=True), url
    with client.get(f"/photos/{b['walk']['photo']}.jpg") as photo:
        assert photo.status_code == 200 and any(p in photo.data for p in _secret_bytes(app, b))
    feed = app.test_client().get("/open311/v2/requests.json",
                                 headers=bearer(token))
    assert MARK in feed.get_data(as_text=True)


def _new_coordinator(app, org_id: int, token: bool = False) -> str:
    """A fresh coordinator of the organisation (the attack may have changed its old users while
    the user admin is still open, see the TODO); its email, or with `token` its API token."""
    from walkapp.auth.services import create_user, issue_token
    from walkapp.orgs.models import Organisation

    with app.app_context():
        user = create_user(f"new-{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "coordinator",
                           db.session.get(Organisation, org_id))
        plain = issue_token(user) if token else user.email
        db.session.commit()
        return plain


def test_an_organisation_in_both_areas_sees_both(scene_app, scene):
    """Membership is what decides: an organisation that is a member of A and B sees both
    areas' walks and findings, and its dashboard counts both."""
    app, a, b = scene_app, scene["a"], scene["b"]
    from walkapp.orgs.models import Area

    with app.app_context():
        both = _org_and_users(db.session.get(Area, a["area"]), "Kommunen begge", "municipality", "begge", "Begge")
        from walkapp.orgs.areas import add_member
        from walkapp.orgs.models import Organisation

        add_member(db.session.get(Area, b["area"]), db.session.get(Organisation, both["org"]))
        db.session.commit()
    client = _logged_in(app, both["coordinator"]["email"])
    page = client.get("/findings").get_data(as_text=True)
    assert MARK in page and A_MARK in page
    assert client.get(f"/walks/{b['walk']['id']}").status_code == 200
    assert client.get(f"/walks/{a['walk']['id']}").status_code == 200
    numbers = client.get("/api/v1/dashboard").get_json()
    assert _counts(numbers) == _counts_of(a, b), numbers
