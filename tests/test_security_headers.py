"""Content-Security-Policy and the other security headers: every HTML page carries a policy
with a fresh nonce, every inline script and style of a real page carries that nonce (or the
browser would not run it: tests/browser see that), and nothing a policy blocks is on a page."""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.conftest import join_walk
from walkapp.extensions import db

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def policy(response) -> dict[str, list[str]]:
    """The response's policy by directive."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def nonce_of(response) -> str:
    [nonce] = NONCE.findall(" ".join(policy(response)["script-src"]))
    return nonce


class PageElements(HTMLParser):
    """The inline scripts and styles of a page, the attributes a policy blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[dict] = []  # executable, no src
        self.styles: list[dict] = []
        self.handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.javascript_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline_scripts.append(attributes)
        if tag == "style":
            self.styles.append(attributes)


def elements(response) -> PageElements:
    parser = PageElements()
    parser.feed(response.get_data(as_text=True))
    return parser


def assert_page_keeps_to_its_policy(response) -> PageElements:
    """Header present with a nonce; every inline script and <style> carries it; nothing on the
    page that the policy blocks (handlers, style attributes, javascript: URLs)."""
    assert response.status_code == 200, response.request.path
    assert response.mimetype == "text/html"
    nonce = nonce_of(response)
    directives = policy(response)
    assert f"'nonce-{nonce}'" in directives["style-src"]
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    page = elements(response)
    path = response.request.path
    assert [s.get("nonce") for s in page.inline_scripts] == [nonce] * len(page.inline_scripts), path
    assert [s.get("nonce") for s in page.styles] == [nonce] * len(page.styles), path
    assert page.handlers == [], path
    assert page.style_attributes == [], path
    assert page.javascript_urls == [], path
    return page


def test_participant_pages_keep_to_their_policy(app, client, walk):
    """Join page (inlined CSS and script), capture page (inlined start script), offline page,
    privacy page: the header on each, its nonce on their inline elements."""
    join = client.get(f"/j/{walk['join_code']}")
    page = assert_page_keeps_to_its_policy(join)
    assert len(page.styles) == 1 and len(page.inline_scripts) == 1  # join.css, text-size.js
    join_walk(client, walk["join_code"])
    capture = client.get(f"/walks/{walk['id']}/capture")
    page = assert_page_keeps_to_its_policy(capture)
    assert len(page.inline_scripts) >= 2  # text size, capture-start.js
    page = assert_page_keeps_to_its_policy(client.get("/offline"))
    assert len(page.inline_scripts) == 1
    assert_page_keeps_to_its_policy(client.get("/privacy"))


def test_staff_pages_keep_to_their_policy(app, client, logged_in, walk_with_measures):
    """Login, walks, walk page, triage list and map, a finding, report, meeting, minutes,
    invitation, measures, plan and dashboard."""
    walk_id = walk_with_measures["walk"]
    anonymous = app.test_client()
    assert_page_keeps_to_its_policy(anonymous.get("/login"))
    for url in ("/walks", f"/walks/{walk_id}", "/findings", "/findings?view=map",
                f"/findings/{walk_with_measures['lamp']}", f"/walks/{walk_id}/report",
                f"/walks/{walk_id}/meeting", f"/walks/{walk_id}/meeting/minutes",
                f"/walks/{walk_id}/invitation", f"/walks/{walk_id}/follow-up", "/measures",
                "/plan", "/dashboard"):
        assert_page_keeps_to_its_policy(logged_in.get(url))


def test_print_buttons_are_wired_by_the_static_script(logged_in, walk_with_measures):
    """The print buttons (report, minutes, invitation) have no onclick, so the page must load
    the script that wires them."""
    walk_id = walk_with_measures["walk"]
    for url in (f"/walks/{walk_id}/report", f"/walks/{walk_id}/meeting/minutes", f"/walks/{walk_id}/invitation"):
        html = logged_in.get(url).get_data(as_text=True)
        assert "data-print" in html and "/static/js/print-button.js" in html, url


def test_every_response_has_a_new_nonce(client, walk):
    """A nonce an attacker saw once is of no use on the next page."""
    nonces = {nonce_of(client.get(f"/j/{walk['join_code']}")) for _ in range(5)}
    assert len(nonces) == 5
    assert all(len(n) >= 22 for n in nonces)  # ≥ 128 bits


def test_error_pages_and_redirects_have_a_policy_json_and_static_files_not(client):
    """An HTML error page is a page like the others; JSON and scripts are not documents."""
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert nonce_of(missing)
    api = client.get("/api/v1/walks")
    assert api.mimetype == "application/json"
    assert "Content-Security-Policy" not in api.headers
    script = client.get("/static/js/map.js")
    script.close()
    assert "Content-Security-Policy" not in script.headers
    for response in (missing, api, script):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_no_tiles_no_foreign_origin(client):
    """Without MAP_TILE_URL (the tests' setting) pages load nothing from elsewhere."""
    directives = policy(client.get("/login"))
    foreign = [s for sources in directives.values() for s in sources if "://" in s]
    assert foreign == []


@pytest.mark.parametrize("tile_url, origin", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
    ("http://localhost:8123/tiles/{z}/{x}/{y}.png", "http://localhost:8123"),
])
def test_map_tiles_are_allowed_from_the_configured_origin_only(app, client, tile_url, origin):
    """The tiles are <img>: img-src names their origin, and no other directive does."""
    app.config["MAP_TILE_URL"] = tile_url
    directives = policy(client.get("/login"))
    assert directives["img-src"] == ["'self'", "data:", "blob:", origin]
    assert all(origin not in sources for name, sources in directives.items() if name != "img-src")


@pytest.fixture
def app_config(request):
    """The settings a test passes as its indirect parameter (none by default)."""
    return getattr(request, "param", {})


@pytest.fixture
def signing_credentials(monkeypatch):
    """Dummy credentials as boto3 reads them: enough to sign a URL, which needs no server."""
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "eu-north-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("signing_credentials")
@pytest.mark.parametrize("app_config", [
    {"PHOTO_STORAGE": "s3", "S3_BUCKET": "walkapp-photos", "S3_ENDPOINT_URL": "https://s3.example.net",
     "PHOTO_REDIRECT": "presigned"},
    {"PHOTO_STORAGE": "s3", "S3_BUCKET": "walkapp-photos", "PHOTO_REDIRECT": "presigned"},
], indirect=True, ids=["endpoint", "aws"])
def test_presigned_photos_are_allowed_from_the_bucket_they_redirect_to(app, logged_in, walk_with_measures):
    """PHOTO_REDIRECT = presigned: a photo's <img> follows the 302 to the bucket, and CSP checks
    the redirect's target, so the page's img-src and media-src (voice notes) name exactly the
    origin the photo view redirects to (signing is local: no S3 server is asked)."""
    from walkapp.findings.models import Photo

    with app.app_context():
        photo = db.session.execute(db.select(Photo).where(Photo.finding_id == walk_with_measures["lamp"])).scalar_one()
        photo.storage_key = "ab/ab" + "0" * 30  # a valid key (the fixture's rows never meet a store)
        photo_id = photo.id
        db.session.commit()
    redirect = logged_in.get(f"/photos/{photo_id}.jpg")
    assert redirect.status_code == 302
    parts = urlsplit(redirect.headers["Location"])
    origin = f"{parts.scheme}://{parts.netloc}"
    assert parts.netloc.endswith(("example.net", "amazonaws.com"))
    directives = policy(logged_in.get(f"/findings/{walk_with_measures['lamp']}"))
    assert origin in directives["img-src"] and origin in directives["media-src"]
    assert all(origin not in directives[name] for name in ("script-src", "style-src", "connect-src", "default-src"))


def test_streamed_photos_need_no_foreign_origin(app, client):
    """Without the redirect the photos come through the app: nothing else is allowed."""
    directives = policy(client.get("/login"))
    assert directives["img-src"] == ["'self'", "data:", "blob:"] and directives["media-src"] == ["'self'", "blob:"]


def test_the_exported_map_runs_only_its_own_scripts(app, logged_in, make_walk, make_finding):
    """The folium map is a download, opened from disk under no policy; served as a page, its
    own policy allows exactly its inline scripts by hash (the page nonce is not in it)."""
    walk = make_walk(status="closed")
    make_finding(walk["id"])
    make_finding(walk["id"], category="graffiti", description="<script>alert(1)</script>")
    response = logged_in.get(f"/walks/{walk['id']}/map.html")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    directives = policy(response)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) >= 2  # Leaflet and the map
    expected = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert set(directives["script-src"]) == expected
    assert "<script src" not in html and '<link rel="stylesheet"' not in html
    assert directives["default-src"] == ["'none'"] and not NONCE.search(response.headers["Content-Security-Policy"])
