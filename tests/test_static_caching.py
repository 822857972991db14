"""Static files: URLs carry a content hash (?v=…) and are kept a year; unversioned URLs (what
ES modules import each other by) are revalidated; map code loads only on pages with a map; the
service worker still keeps every file the capture page asks for."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from tests.conftest import join_walk, login, make_test_config
from walkapp import create_app

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
YEAR = "public, max-age=31536000, immutable"


def static_urls(html: str) -> list[str]:
    return STATIC_URL.findall(html)


def url_in(html: str, path: str) -> str:
    """The one static URL of the page whose path is `path` (it may be named more than once)."""
    (found,) = {url for url in static_urls(html) if urlsplit(url).path == path}
    return found


def capture_modules(html: str) -> dict:
    """The modules the capture page starts after its first paint (capture-start.js): the
    imports it preloads and the entry modules it runs."""
    block = re.search(r'<script type="application/json" id="capture-modules">(.*?)</script>', html, re.DOTALL)
    return json.loads(block.group(1))


def requested_before_first_paint(html: str) -> list[str]:
    """What a browser must fetch before it can draw the page: stylesheets and classic scripts
    without defer (module and deferred scripts wait for the parse, an inline one for nothing)."""
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    scripts = re.findall(r'<script(?![^>]*\b(?:defer|async|type="module")\b)[^>]*\bsrc="([^"]+)"', html)
    return [urlsplit(url).path for url in sheets + scripts]


def service_worker_settings(client) -> dict:
    worker = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.match(r"const SW_SETTINGS = (\{.*?\});\n", worker).group(1))


def app_with_static(tmp_path: Path, static: Path, database_url: str):
    """A fresh app serving `static` as its static folder."""
    application = create_app(make_test_config(database_url), instance_path=tmp_path / "instance")
    application.static_folder = str(static)
    return application


def test_a_changed_file_gets_a_new_url_in_a_fresh_app(tmp_path, database_url):
    """The version is the file's content: a deploy that changes app.css changes its URL, so no
    phone keeps the old CSS; an unchanged file keeps its URL (and the phones' cached copy)."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "app.css").write_text("body { color: black }")
    (static / "css" / "other.css").write_text("p { margin: 0 }")

    def urls():
        application = app_with_static(tmp_path, static, database_url)
        with application.test_request_context():
            return url_for("static", filename="css/app.css"), url_for("static", filename="css/other.css")

    first, other = urls()
    assert parse_qs(urlsplit(first).query)["v"][0]
    (static / "css" / "app.css").write_text("body { color: navy }")
    second, other_again = urls()
    assert urlsplit(second).path == urlsplit(first).path == "/static/css/app.css"
    assert second != first
    assert other_again == other


def test_a_file_changed_while_the_app_runs_gets_a_new_url(app, tmp_path):
    """`flask run` keeps running while a developer edits a file: the next page names the new one."""
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static, ignore=shutil.ignore_patterns("vendor"))
    app.static_folder = str(static)
    with app.test_request_context():
        before = url_for("static", filename="css/app.css")
        path = static / "css" / "app.css"
        path.write_text(path.read_text() + "\n/* edited */\n")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        assert url_for("static", filename="css/app.css") != before


def test_versioned_urls_are_kept_a_year_and_unversioned_ones_revalidated(client):
    """The page's own (versioned) link is cached for a year; the same file by its bare URL, as a
    relative module import asks for it, or by an old version, is asked again each time."""
    page = client.get("/login").get_data(as_text=True)
    versioned = url_in(page, "/static/css/app.css")
    with client.get(versioned) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == YEAR
        assert "Expires" not in response.headers
    for url in ("/static/css/app.css", "/static/css/app.css?v=0000000000", "/static/js/map.js"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache", url
    with client.get("/static/js/map.js") as first:
        etag = first.headers["ETag"]
    with client.get("/static/js/map.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert again.headers["Cache-Control"] == "no-cache"
    with client.get("/static/no-such-file.css?v=0000000000") as missing:
        assert missing.status_code == 404
        assert missing.headers.get("Cache-Control") != YEAR


def test_manifest_icons_are_versioned_and_kept_a_year(client):
    """The install icons are named by their version too."""
    icons = client.get("/manifest.webmanifest").get_json()["icons"]
    assert {urlsplit(icon["src"]).path for icon in icons} == {
        "/static/icons/icon-192.png", "/static/icons/icon-512.png", "/static/icons/icon-maskable-512.png"}
    for icon in icons:
        assert "v" in parse_qs(urlsplit(icon["src"]).query)
        with client.get(icon["src"]) as response:
            assert response.status_code == 200 and response.mimetype == "image/png"
            assert response.headers["Cache-Control"] == YEAR


def test_pages_without_a_map_load_no_map_code(app, client, walk, logged_in, make_finding, make_user, estate_id):
    """Login, join and the triage list paint without Leaflet; every page that draws a map has
    it, versioned and deferred, with the map settings."""
    anonymous = app.test_client()
    for url in ("/login", f"/j/{walk['join_code']}"):
        html = anonymous.get(url).get_data(as_text=True)
        assert "leaflet" not in html, url
        assert 'id="map-settings"' not in html, url
    assert "leaflet" not in logged_in.get("/findings").get_data(as_text=True)
    finding_id = make_finding(walk["id"])
    admin = app.test_client()
    assert login(admin, make_user(role="admin")["email"]).status_code == 302
    for viewer, url in ((logged_in, f"/walks/{walk['id']}"), (logged_in, f"/walks/{walk['id']}/capture"),
                        (logged_in, f"/walks/{walk['id']}/edit"), (logged_in, "/findings?view=map"),
                        (logged_in, f"/findings/{finding_id}"), (logged_in, f"/walks/{walk['id']}/meeting"),
                        (admin, f"/admin/estates/{estate_id}")):
        response = viewer.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        script = url_in(html, "/static/vendor/leaflet/leaflet.js")
        assert "v" in parse_qs(urlsplit(script).query)
        assert f'<script defer src="{script}"></script>' in html
        url_in(html, "/static/vendor/leaflet/leaflet.css")
        assert 'id="map-settings"' in html


def test_the_worker_keeps_every_static_file_the_capture_page_names(app, walk):
    """Offline the capture page asks the worker for its versioned URLs; the worker matches them
    to its precache list without the query, so every path the page names must be on the list,
    and the list itself holds the unversioned URLs the modules import each other by."""
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    html = phone.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    precache = service_worker_settings(phone)["precache"]
    assert all("?" not in url for url in precache)
    modules = capture_modules(html)
    named = {urlsplit(url).path for url in static_urls(html) + modules["preload"] + modules["run"]}
    assert "/static/vendor/leaflet/leaflet.js" in named and "/static/js/capture.js" in named
    assert url_in(html, "/static/css/capture.css") != "/static/css/capture.css"  # versioned
    assert sorted(named - set(precache)) == []


def test_the_capture_page_preloads_its_modules_by_the_urls_they_are_imported_by(participant, walk):
    """On a slow phone network each level of imports costs a round trip before the page works:
    the capture page names them all up front, by the unversioned URLs the imports resolve to
    (a versioned one would be a second copy of the module, fetched twice)."""
    html = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    preloads = capture_modules(html)["preload"]
    # capture-sheet.js imports voice-note.js; capture-send.js imports outbox-send.js.
    assert {"/static/js/capture-sheet.js", "/static/js/voice-note.js", "/static/js/outbox-send.js",
            "/static/js/map.js"} <= set(preloads)
    assert all("?" not in url for url in preloads)
    assert "/static/js/capture.js" not in preloads


def test_a_module_a_page_loads_has_the_url_other_modules_import_it_by(logged_in, walk, make_finding):
    """The finding page loads triage-map.js and finding-place.js, which imports "./triage-map.js":
    one URL, so one module and one map (with ?v= on the page it would run twice)."""
    html = logged_in.get(f"/findings/{make_finding(walk['id'])}").get_data(as_text=True)
    assert '<script type="module" src="/static/js/triage-map.js"></script>' in html
    assert '<script type="module" src="/static/js/finding-place.js"></script>' in html


def test_the_join_page_is_drawn_after_one_stylesheet(app, walk):
    """The first screen after the QR scan waits for app.css alone (a cached year after that):
    join.css and the text-size script are in the page, so its form is styled and an "A++"
    chosen before is applied from the first paint, without more round trips on a phone network."""
    html = app.test_client().get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert requested_before_first_paint(html) == ["/static/css/app.css"]
    join_css = (Path(app.static_folder) / "css" / "join.css").read_text()
    text_size = (Path(app.static_folder) / "js" / "text-size.js").read_text()
    # Each with the page's CSP nonce, or the browser would neither apply nor run it.
    assert re.search(r'<style nonce="[\w-]+">' + re.escape(join_css) + "</style>", html)
    assert re.search(r'<script nonce="[\w-]+">' + re.escape(text_size) + "</script>", html)
    assert "/static/css/join.css" not in html and "/static/js/text-size.js" not in html


def test_the_capture_page_says_it_waits_for_the_position_before_any_script(participant, walk):
    """The position note is in the page as sent, in its first state ("waiting for your position")
    and shown: the largest text of the first screen needs no script, and the map's modules
    start only after that first paint."""
    html = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    note = re.search(r'<p id="gps-note"[^>]*>([^<]*)</p>', html)
    assert note and " hidden" not in note.group(0) and 'data-state="waiting"' in note.group(0)
    assert note.group(1) == "Venter på din position … Tryk på kortet for at placere fundet."
    assert "/static/js/capture.js" not in requested_before_first_paint(html)
    assert not re.search(r'<script type="module" src=|<link rel="modulepreload"', html)
    assert capture_modules(html)["run"] == ["/static/js/capture.js"]


def test_a_follow_up_walk_runs_its_checks_module_after_capture(app, make_walk):
    """A follow-up walk's page starts capture-checks.js too, after capture.js (its verdicts)."""
    previous = make_walk(status="closed")["id"]
    walk = make_walk(status="active", previous_walk_id=previous)
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    html = phone.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    assert capture_modules(html)["run"] == ["/static/js/capture.js", "/static/js/capture-checks.js"]


def test_a_file_that_would_close_its_element_is_not_inlined(tmp_path, database_url):
    """A script containing "</script>" would end the inline element early and spill the rest
    into the page as text: inline_static refuses it instead of breaking the page."""
    from walkapp.templating import inline_static

    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "ok.js").write_text("var a = 1 < 2;")
    (static / "js" / "bad.js").write_text('document.write("</SCRIPT>");')
    application = app_with_static(tmp_path, static, database_url)
    with application.test_request_context():
        assert inline_static("js/ok.js") == "var a = 1 < 2;"
        with pytest.raises(ValueError, match="bad.js"):
            inline_static("js/bad.js")


def test_static_files_the_worker_and_the_manifest_set_no_cookie(logged_in, participant, walk):
    """A shared cache (nginx, a CDN) must not keep a response that sets a cookie, and would hand
    that cookie to the next user: a logged-in coordinator and a joined phone get the static
    files, the service worker and the manifest without Set-Cookie, and stay logged in, with
    their pages still moving the session's expiry on."""
    for client, page_url in ((logged_in, "/walks"), (participant, f"/walks/{walk['id']}/capture")):
        html = client.get(page_url).get_data(as_text=True)
        for url in (url_in(html, "/static/css/app.css"), "/static/js/map.js", "/sw.js", "/manifest.webmanifest"):
            with client.get(url) as response:
                assert response.status_code == 200, url
                assert "Set-Cookie" not in response.headers, url
        with client.get(page_url) as page:
            assert page.status_code == 200, page_url  # still logged in / joined, not sent to the login
            assert "Expires=" in page.headers["Set-Cookie"], page_url
