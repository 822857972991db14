"""Fuzz every JSON endpoint (every rule under /api/ and /open311/, found in the URL map, so a
new endpoint is fuzzed without touching this file): for any body, content type, path and
query string, sent by the right kind of caller (a participant of the walk with the session
cookie and CSRF header where participants may call, staff with a bearer token everywhere),
the answer is a 2xx or a 4xx with a stable error code, never a 5xx. A second fuzz sends each
endpoint's own valid body with values at the edges of their types, to get past validation.

The app stays in testing mode: an unexpected exception is raised into the test with its
traceback instead of being turned into a 500 page. After each endpoint's run the pages and
exports of the walk must still open, since a value an endpoint accepted must not take them down.
"""
from __future__ import annotations

import io
import json
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send
from tests.conftest import DEMO_ROUTE, csrf_token, join_walk, make_test_config
from tests.image_helpers import jpeg_bytes
from walkapp import create_app
from walkapp.extensions import db
from walkapp.measures.workflow import STATUSES
from walkapp.orgs.models import Estate
from walkapp.seed import organisation_named

FUZZ_SETTINGS = dict(
    deadline=None, derandomize=True, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Writes get more examples than reads: the whole file takes 1–2½ minutes on SQLite (2 busy cores).
MAX_EXAMPLES = {"GET": 50}
WRITE_EXAMPLES = 100
ERROR_CODE = re.compile(r"^[a-z_]+$")
# Blueprints whose endpoints a participant of the walk may call; every endpoint is fuzzed as staff.
PARTICIPANT_BLUEPRINTS = {"findings_api", "auth_api", "followup_api"}


def api_endpoints() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every API and Open311 route of a freshly built app."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(make_test_config("sqlite://"), instance_path=instance)
        rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/open311/"))]
        return sorted(
            (rule.rule, method, rule.endpoint)
            for rule in rules for method in rule.methods - {"HEAD", "OPTIONS"}
        )


ENDPOINTS = api_endpoints()


# ---------------------------------------------------------------- the seeded world


@dataclass
class World:
    """Real objects to aim at: a walk with findings, a photo and a measure, and the callers."""

    walk_id: int
    closed_walk_id: int
    finding_ids: list[str]
    photo_ids: list[str]
    measure_id: int
    pages: Any = None  # a staff browser session, to open the pages after the fuzz
    clients: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, dict] = field(default_factory=dict)


@pytest.fixture
def world(app, client, logged_in, api_token, make_walk, make_finding) -> World:
    """A walk with a participant's finding (with a photo) and staff's, a closed walk, a measure,
    and the estate "Urbanplanen" for plan entries."""
    with app.app_context():
        db.session.add(Estate(name="Urbanplanen", organisation=organisation_named("fsb")))
        db.session.commit()
    walk = make_walk(status="active")
    closed = make_walk(status="closed")
    participant = app.test_client()
    join_walk(participant, walk["join_code"])
    mine = finding_payload()
    assert send(participant, "POST", findings_url(walk["id"]), mine).status_code == 201
    staffs = str(make_finding(walk["id"]))
    on_closed = str(make_finding(closed["id"], category="graffiti"))
    photo = client.post(
        f"/api/v1/findings/{mine['id']}/photos", headers=bearer(api_token),
        data={"photo": (io.BytesIO(jpeg_bytes(Image.new("RGB", (64, 48), (90, 90, 90)))), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201
    measure = client.post("/api/v1/measures", headers=bearer(api_token),
                          json={"title": "Ny belysning", "finding_ids": [staffs]})
    assert measure.status_code == 201
    world = World(walk["id"], closed["id"], [mine["id"], staffs, on_closed], [photo.get_json()["id"]],
                  measure.get_json()["id"])
    world.pages = logged_in
    world.clients = {"participant": participant, "staff": app.test_client()}
    world.headers = {"participant": {"X-CSRFToken": csrf_token(participant)}, "staff": bearer(api_token)}
    return world


# ---------------------------------------------------------------- strategies


def mostly(common: list, rare: st.SearchStrategy) -> st.SearchStrategy:
    """One of `common` about three times in four, else a value of `rare`. (st.one_of would
    favour the strategy with the most possible values, so real ids would hardly ever come.)"""
    return st.sampled_from([*common, *common, *common, None]).flatmap(
        lambda value: rare if value is None else st.just(value))


class Big(str):
    """A long text that prints short, so a failing example stays readable."""

    def __repr__(self) -> str:
        return f"Big({self[:12]!r} * {len(self)})"


class Raw(bytes):
    """A body that prints short, so a failing example stays readable."""

    def __repr__(self) -> str:
        return f"Raw({bytes(self[:24])!r}…{len(self)} bytes)" if len(self) > 40 else f"Raw({bytes(self)!r})"


# Text a phone or a hostile client may send: half emojis, NUL, controls, non-characters.
NASTY = ["\ud83d", "\ude00", "\x00", "\x01\x1f", "\ufffe\uffff", "\u2028", "\U0001f600", "‮", "ø",
         "<script>", "'; --", "%00", "../", "{{7*7}}", " ", ""]
nasty_text = mostly(NASTY, st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=6).map("".join),
    st.sampled_from([2001, 10001, 70_000]).map(lambda n: Big("x" * n)),
))
huge_ints = st.sampled_from([2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 10**30, -(2**63) - 1, -1])
numbers = st.one_of(st.integers(), huge_ints, st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, nasty_text)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12,
)
# Calendar edges stay in the fuzz: dates are another helper's to bound, but must stay covered.
EDGE_TIMESTAMPS = ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                   "0001-01-01T00:00:00", "1970-01-01T00:00:00Z", "2026-11-24T19:42:10Z",
                   "2026-02-30T10:00:00+01:00", "2026-11-24T19:42:10+01:00", "now"]
datetimes = mostly(EDGE_TIMESTAMPS, st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
))
dates = mostly(["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", "2031-02-28", "2031-02-30"],
               st.dates().map(str))
latitudes = st.one_of(st.floats(55.6, 55.7), st.sampled_from([90.0, -90.0, 90.0000001]))
longitudes = st.one_of(st.floats(12.5, 12.7), st.sampled_from([180.0, -180.0, 180.5]))


def route_values() -> st.SearchStrategy:
    point = st.tuples(longitudes, latitudes).map(list)
    return st.one_of(
        st.just(DEMO_ROUTE),
        st.lists(point, max_size=6).map(lambda c: {"type": "LineString", "coordinates": c}),
        st.lists(point, max_size=3).map(lambda c: {"type": "Feature", "geometry": {"type": "LineString", "coordinates": c}}),
        st.sampled_from([{"type": "FeatureCollection", "features": []}, "<gpx/>", {"type": "Point"}]),
    )


def field_values(world: World, wrong_types: bool = True) -> dict[str, st.SearchStrategy]:
    """For each body field any endpoint reads: values from right to absurd at the edges of
    their type, and (unless `wrong_types` is false) now and then a value of any other type."""
    ids = st.sampled_from(world.finding_ids + world.photo_ids)
    orgs = mostly(["VIBO", "fsb", "Politiet", 1, 0, 2**31], st.integers())
    money = mostly([0, 1000, -1, 2**31, 2**63, 10**30], st.integers())

    def valid_or(strategy):
        if not wrong_types:
            return strategy
        return st.sampled_from([True, True, False]).flatmap(lambda right: strategy if right else json_values)
    return {
        "id": valid_or(st.one_of(st.uuids().map(str), ids)),
        "lat": valid_or(latitudes), "lon": valid_or(longitudes),
        "accuracy_m": valid_or(st.floats(0, 200_000)),
        "location_source": valid_or(st.sampled_from(["gps", "map", "photo"])),
        "category": valid_or(st.sampled_from(["lighting", "graffiti", "other", "unicorns"])),
        "rating": valid_or(st.integers(-1, 4)),
        "description": valid_or(nasty_text), "title": valid_or(nasty_text), "note": valid_or(nasty_text),
        "notes": valid_or(nasty_text), "meeting_point": valid_or(nasty_text),
        "observed_at": valid_or(datetimes), "starts_at": valid_or(datetimes),
        "kind": valid_or(st.sampled_from(["walk", "inspection"])),
        "route": valid_or(route_values()),
        "estates": valid_or(st.lists(st.one_of(st.just("Urbanplanen"), st.integers(0, 5), nasty_text), max_size=3)),
        "meeting_lat": valid_or(latitudes), "meeting_lon": valid_or(longitudes),
        "follow_up_on": valid_or(dates), "due_on": valid_or(dates),
        "finding_ids": valid_or(st.lists(st.one_of(ids, st.uuids().map(str), nasty_text), max_size=4)),
        "responsible_org": valid_or(orgs),
        "cost_estimate_dkk": valid_or(money), "amount_dkk": valid_or(money),
        "plan_year": valid_or(mostly([2030, 1999, 2101, 0, -1, 9999, 2**31], st.integers())),
        "version": valid_or(mostly([1, 2, 3, 0, 2**31, 2**63], st.integers())),
        "to": valid_or(st.sampled_from(STATUSES)),
        "estate": valid_or(st.one_of(st.just("Urbanplanen"), st.integers(0, 5))),
    }


TEMPLATED_ENDPOINTS = ["findings_api.add_to_finding", "findings_api.create_finding", "findings_api.update_finding",
                       "measures_api.create_measure", "measures_api.transition", "measures_api.update_measure",
                       "walks_api.create_walk"]


def templates(world: World) -> dict[str, st.SearchStrategy]:
    """A valid body per known endpoint with every field it reads, for the fuzz to change (so
    it reaches the success path). "version": None stands for the measure's current version."""
    new_id = mostly([None], st.sampled_from(world.finding_ids)).flatmap(
        lambda i: st.just(i) if i else st.uuids().map(str))
    return {
        "walks_api.create_walk": st.just({
            "kind": "walk", "title": "Aftenvandring", "starts_at": "2030-11-26T18:30:00+01:00",
            "meeting_point": "Ved vaskeriet", "meeting_lat": 55.666, "meeting_lon": 12.604,
            "route": DEMO_ROUTE, "estates": ["Urbanplanen"], "follow_up_on": "2031-05-25", "notes": "Husk lygter"}),
        "findings_api.create_finding": new_id.map(lambda i: finding_payload(id=i)),
        "findings_api.update_finding": st.just({
            "category": "graffiti", "rating": 2, "description": "Rettet", "lat": 55.6666, "lon": 12.6061,
            "accuracy_m": 5.0, "location_source": "map"}),
        "findings_api.add_to_finding": new_id.map(lambda i: {"id": i, "description": "Også her"}),
        "measures_api.create_measure": st.just({
            "title": "Beskær buske", "finding_ids": world.finding_ids[:2], "responsible_org": "VIBO",
            "due_on": "2031-02-28", "cost_estimate_dkk": 12000, "description": "Før mørketid"}),
        "measures_api.update_measure": st.just({
            "version": None, "title": "Nye lamper", "description": "", "responsible_org": "fsb",
            "due_on": "2031-03-01", "cost_estimate_dkk": 5000}),
        "measures_api.transition": st.sampled_from(STATUSES).map(lambda to: {
            "to": to, "version": None, "note": "Aftalt på mødet", "estate": "Urbanplanen", "plan_year": 2030,
            "amount_dkk": 1000}),
    }


def current_version(world: World) -> int:
    """The seeded measure's version now (the fuzz changes it)."""
    staff = world.clients["staff"]
    return staff.get(f"/api/v1/measures/{world.measure_id}", headers=world.headers["staff"]).get_json()["version"]


@st.composite
def json_object_bodies(draw, values: dict[str, st.SearchStrategy], template: st.SearchStrategy | None) -> Any:
    """A known endpoint's valid body with some fields replaced or dropped, or any JSON value."""
    if template is None or draw(st.sampled_from([False, True, True, True])) is False:
        return draw(st.one_of(
            json_values,
            st.fixed_dictionaries({}, optional=values),
        ))
    body = dict(draw(template))
    if body.get("version", 0) is None:
        body["version"] = draw(st.integers(1, 40))
    # Mostly the endpoint's own fields get other values; now and then any field is added.
    for name in draw(st.lists(mostly(sorted(body), st.sampled_from(sorted(values))), max_size=2, unique=True)):
        body[name] = draw(values[name])
    if draw(st.sampled_from([False, False, False, True])):
        body.pop(draw(st.sampled_from(sorted(body) or ["x"])), None)
    return body


def encode_json(value: Any, ascii_only: bool) -> bytes:
    """JSON as a client would write it; non-ASCII mode writes lone surrogates as broken UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8", "surrogatepass")


RAW_BODIES = [Raw(body) for body in [
    b"[" * 100_000, b'{"a":' * 50_000, b"[" * 900 + b"]" * 900, b'{"a": ' + b"9" * 5000 + b"}",
    b'{"version": 1e999}', b'{"lat": NaN, "lon": Infinity}', b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00",
    b'{"id": "\\ud83d"}', b'{"\\u0000": "\\u0000"}', b"null", b"", b"{", b'{"a": 1}' * 3,
]]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "text/plain", None,
                 "application/x-www-form-urlencoded", "application/geo+json"]


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


PHOTOS = [Raw(jpeg_bytes(Image.new("RGB", (8, 8)))), Raw(_png((5, 300))), Raw(jpeg_bytes(Image.new("L", (1, 1)))[:-40])]
# Endpoints that take a multipart upload get mostly multipart bodies.
MULTIPART_ENDPOINTS = {"findings_api.add_photo"}
BODY_KINDS = ["object", "raw", "object", "bytes", "object", "multipart", "object"]


def bodies(world: World, endpoint: str) -> st.SearchStrategy:
    """Keyword arguments for the test client's `open`: data and content type."""
    objects = json_object_bodies(field_values(world), templates(world).get(endpoint))
    kinds = ["multipart"] * 3 + BODY_KINDS + ["multipart"] * 3 if endpoint in MULTIPART_ENDPOINTS else BODY_KINDS
    return _bodies(objects, kinds)


@st.composite
def _bodies(draw, objects: st.SearchStrategy, kinds: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    if kind == "multipart":
        photo = draw(mostly(PHOTOS, st.binary(max_size=300)))
        # The test client writes multipart fields as strict UTF-8: no lone surrogates there.
        sendable = nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        form: dict[str, Any] = {"photo": (io.BytesIO(photo), draw(sendable) or "p.jpg")}
        if draw(st.booleans()):
            form["id"] = draw(st.one_of(st.uuids().map(str), sendable))
        return {"data": form, "content_type": "multipart/form-data"}
    if kind == "object":
        data = Raw(encode_json(draw(objects), draw(st.booleans())))
    elif kind == "raw":
        data = draw(st.sampled_from(RAW_BODIES))
    else:
        data = draw(st.binary(max_size=200))
    return {"data": data, "content_type": draw(st.sampled_from(CONTENT_TYPES))}


def _path_text(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


@st.composite
def urls(draw, world: World, rule: str) -> str:
    """The rule with real, random and hostile values in its parts, plus a hostile query string."""
    # Mostly real ids, so most requests get past the lookup to the body.
    real = {"walk_id": [world.walk_id, world.walk_id, world.closed_walk_id], "measure_id": [world.measure_id],
            "finding_id": world.finding_ids, "request_id": world.finding_ids}
    int_ids = st.integers(0, 10**30)
    text_ids = st.one_of(st.uuids().map(str), st.sampled_from(world.photo_ids), nasty_text)

    def part(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name == "fmt":
            return _path_text(draw(mostly(["json", "xml"], nasty_text)))
        value = draw(mostly(real.get(name, []), int_ids if converter == "int" else text_ids))
        return _path_text(str(value))

    path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", part, rule)
    names = st.sampled_from(["status", "org", "q", "year", "organisation", "estate", "service_code",
                             "service_request_id", "start_date", "end_date", "lang", "page", "walk"])
    query = draw(st.sampled_from([True, False, False])) and draw(st.dictionaries(names, st.one_of(
        nasty_text, st.integers().map(str), huge_ints.map(str), datetimes, dates,
        st.sampled_from(world.finding_ids).map(lambda i: f"{i},{uuid.UUID(int=7)},x"),
    ), max_size=3))
    if not query:
        return path
    return path + "?" + "&".join(f"{_path_text(k)}={_path_text(str(v))}" for k, v in query.items())


# ---------------------------------------------------------------- the fuzz


def assert_stable_answer(response, method: str, url: str) -> None:
    """2xx, or 4xx with a machine-readable error (Open311's own shape under /open311/)."""
    status = response.status_code
    assert status < 500, (method, url, status)
    if 300 <= status < 400:  # werkzeug's redirect of a path whose %2F made a double slash
        assert status == 308 and "//" in response.headers["Location"], (method, url, status)
    if status < 400:
        return
    text = response.get_data(as_text=True)
    if url.startswith("/open311/") and response.mimetype == "text/xml":
        assert "<errors>" in text, (method, url, text[:200])
        return
    body = json.loads(text)
    if isinstance(body, list) and url.startswith("/open311/"):  # the spec's error shape
        assert body[0]["code"] == status and body[0]["description"], (method, url, body)
        return
    assert ERROR_CODE.match(body.get("error", "")), (method, url, status, body)
    assert isinstance(body.get("message"), str) and body["message"], (method, url, status, body)


def assert_pages_still_open(world: World) -> None:
    """Staff can still open the walk's pages, exports and feeds after what the fuzz stored."""
    staff, token = world.clients["staff"], world.headers["staff"]
    findings = staff.get(f"/api/v1/walks/{world.walk_id}/findings", headers=token).get_json()["features"]
    measures = staff.get("/api/v1/measures", headers=token).get_json()["measures"]
    walks = staff.get("/api/v1/walks", headers=token).get_json()["walks"]
    urls = ["/findings", "/findings/export.csv", "/findings/export.geojson", "/measures", "/plan",
            "/dashboard", "/walks", "/open311/v2/requests.json", "/open311/v2/requests.xml"]
    for walk in walks:
        urls += [f"/walks/{walk['id']}{page}" for page in (
            "", "/export.csv", "/export.xlsx", "/export.geojson", "/measures.csv", "/map.html", "/report",
            "/follow-up")]
        if walk["follow_up_on"]:
            urls.append(f"/walks/{walk['id']}/follow-up.ics")
    urls += [f"/findings/{feature['id']}" for feature in findings]
    urls += [f"/measures/{m['id']}{page}" for m in measures for page in ("", "/edit")]
    urls += [f"/measures/{m['id']}/due.ics" for m in measures if m["due_on"]]
    for url in urls:
        response = world.pages.get(url, headers=token if url.startswith("/open311/") else {})
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("rule, method, endpoint", ENDPOINTS, ids=[f"{m} {r}" for r, m, _ in ENDPOINTS])
def test_any_request_to_any_api_endpoint_is_answered_2xx_or_4xx_with_a_code(world, rule, method, endpoint):
    """Any path, query, body and content type: 2xx or 4xx with a code; then every page opens."""
    callers = ["participant", "staff"] if endpoint.split(".")[0] in PARTICIPANT_BLUEPRINTS else ["staff"]

    @settings(max_examples=MAX_EXAMPLES.get(method, WRITE_EXAMPLES), **FUZZ_SETTINGS)
    @given(caller=st.sampled_from(callers), url=urls(world, rule), body=bodies(world, endpoint))
    def run(caller: str, url: str, body: dict[str, Any]) -> None:
        client = world.clients[caller]
        response = client.open(url, method=method, headers=world.headers[caller], **body)
        assert_stable_answer(response, method, url)

    run()
    if method != "GET":
        assert_pages_still_open(world)


ENDPOINT_RULES = {endpoint: (rule, method) for rule, method, endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", TEMPLATED_ENDPOINTS)
def test_right_bodies_with_values_at_the_edges_never_fail_and_leave_every_page_working(world, endpoint):
    """The endpoint's own valid body with a few fields set to values of the right type at their
    edges (calendar limits, huge numbers, broken text), sent by the right caller to real ids:
    these get furthest into the code, and what they store must not break a page."""
    rule, method = ENDPOINT_RULES[endpoint]
    assert set(templates(world)) == set(TEMPLATED_ENDPOINTS)
    values, template = field_values(world, wrong_types=False), templates(world)[endpoint]
    callers = ["participant", "staff"] if endpoint.split(".")[0] in PARTICIPANT_BLUEPRINTS else ["staff"]
    real = {"walk_id": world.walk_id, "measure_id": world.measure_id}

    @settings(max_examples=60, **FUZZ_SETTINGS)
    @given(caller=st.sampled_from(callers), finding_id=st.sampled_from(world.finding_ids[:2]),
           body=st.data())
    def run(caller: str, finding_id: str, body) -> None:
        data = dict(body.draw(template, label="template"))
        names = body.draw(st.lists(mostly(sorted(data), st.sampled_from(sorted(values))), min_size=1,
                                   max_size=3, unique=True), label="fields")
        for name in names:
            data[name] = body.draw(values[name], label=name)
        if data.get("version", 0) is None:
            data["version"] = current_version(world)
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(real.get(m.group(1), finding_id)), rule)
        client = world.clients[caller]
        response = client.open(url, method=method, headers=world.headers[caller],
                               data=encode_json(data, True), content_type="application/json")
        assert_stable_answer(response, method, url)

    run()
    assert_pages_still_open(world)
