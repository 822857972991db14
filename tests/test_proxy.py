"""Behind a reverse proxy: TRUSTED_PROXIES gives each client its own login limit (and a client
cannot fake its address without it), PUBLIC_URL keeps join links, QR codes, calendar files and
feeds on the public address whatever the Host header says, and TRUSTED_HOSTS refuses other hosts."""
from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

import pytest
import segno

from tests.conftest import PASSWORD, csrf_token, make_test_config, post_form
from walkapp import create_app
from walkapp.extensions import db

PUBLIC = "https://tryg.example.dk"
EVIL = "evil.example"


@pytest.fixture
def app_config(request):
    """This module's settings per test, given with indirect parametrisation."""
    return getattr(request, "param", {})


def settings(**config):
    """Run the test with these app settings."""
    return pytest.mark.parametrize("app_config", [config], indirect=True)


def login_attempt(client, email: str, password: str, **headers):
    return post_form(client, "/login", {"email": email, "password": password},
                     environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers=headers)


# ---------------------------------------------------------------- TRUSTED_PROXIES


@settings(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="3 per minute")
def test_behind_one_proxy_each_client_has_its_own_login_limit(client, coordinator):
    """Every request comes from nginx (127.0.0.1), yet one person's typos don't lock out the office."""
    for attempt in range(3):
        response = login_attempt(client, f"gaet{attempt}@example.org", "forkert",
                                 **{"X-Forwarded-For": "198.51.100.10"})
        assert response.status_code == 400, attempt
    assert login_attempt(client, coordinator["email"], PASSWORD,
                         **{"X-Forwarded-For": "198.51.100.10"}).status_code == 429
    colleague = login_attempt(client, coordinator["email"], PASSWORD,
                              **{"X-Forwarded-For": "198.51.100.11"})
    assert colleague.status_code == 302


@settings(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="3 per minute")
def test_behind_one_proxy_a_client_cannot_fake_an_earlier_hop(client, coordinator):
    """nginx appends the real address; whatever the client wrote in front of it is ignored."""
    for attempt in range(3):
        faked = f"10.0.0.{attempt}, 198.51.100.20"
        assert login_attempt(client, f"gaet{attempt}@example.org", "forkert",
                             **{"X-Forwarded-For": faked}).status_code == 400
    assert login_attempt(client, coordinator["email"], PASSWORD,
                         **{"X-Forwarded-For": "10.0.0.99, 198.51.100.20"}).status_code == 429


@settings(LOGIN_RATE_LIMIT="3 per minute")
def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, coordinator):
    """With no proxy configured, a client cannot dodge the limit by inventing addresses."""
    for attempt in range(3):
        assert login_attempt(client, f"gaet{attempt}@example.org", "forkert",
                             **{"X-Forwarded-For": f"203.0.113.{attempt}"}).status_code == 400
    assert login_attempt(client, coordinator["email"], PASSWORD,
                         **{"X-Forwarded-For": "203.0.113.200"}).status_code == 429


@settings(TRUSTED_PROXIES=1)
def test_behind_one_proxy_links_use_the_public_scheme_and_host(logged_in, make_walk):
    """Without PUBLIC_URL the proxy's X-Forwarded-Proto/-Host make the join link https."""
    walk = make_walk()
    page = logged_in.get(f"/walks/{walk['id']}", headers={
        "X-Forwarded-For": "198.51.100.30", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "tryg.example.dk"}).get_data(as_text=True)
    assert f'href="{PUBLIC}/j/{walk["join_code"]}"' in page


def test_without_trusted_proxies_forwarded_scheme_and_host_are_ignored(logged_in, make_walk):
    """A client's own X-Forwarded-Host does not change the links when no proxy is trusted."""
    walk = make_walk()
    page = logged_in.get(f"/walks/{walk['id']}", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": EVIL}).get_data(as_text=True)
    assert f'href="http://localhost/j/{walk["join_code"]}"' in page
    assert EVIL not in page


# ---------------------------------------------------------------- PUBLIC_URL


def evil(client, url: str, **kwargs):
    """GET as a request whose Host header an attacker chose (the session cookie still rides along)."""
    cookie = client.get_cookie("session")
    if cookie is not None:
        # The test client files cookies by host; a real browser behind a lax proxy sends it anyway.
        client.set_cookie(cookie.key, cookie.value, domain=EVIL)
    return client.get(url, headers={"Host": EVIL, **kwargs.pop("headers", {})}, **kwargs)


def qr_modules(svg: bytes | str) -> str:
    """The module path of a QR code SVG (what a phone's camera reads)."""
    # The downloaded file has the SVG namespace, the inline one in the page has none.
    paths = [e for e in ElementTree.fromstring(svg).iter() if e.tag.rsplit("}", 1)[-1] == "path"]
    assert len(paths) == 1
    return paths[0].get("d")


def expected_qr(url: str) -> str:
    return qr_modules(segno.make(url, error="m", micro=False).svg_inline(scale=10, border=4))


@settings(PUBLIC_URL=PUBLIC)
def test_walk_page_and_qr_code_link_to_the_public_url_whatever_the_host(logged_in, make_walk):
    """Host-header poisoning cannot put another site into the walk page or its QR code."""
    walk = make_walk()
    link = f"{PUBLIC}/j/{walk['join_code']}"
    page = evil(logged_in, f"/walks/{walk['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="{link}"' in html and EVIL not in html

    svg = evil(logged_in, f"/walks/{walk['id']}/qr.svg")
    assert svg.status_code == 200
    assert qr_modules(svg.data) == expected_qr(link)
    assert qr_modules(svg.data) != expected_qr(f"http://{EVIL}/j/{walk['join_code']}")


@settings(PUBLIC_URL=PUBLIC)
def test_invitation_prints_the_public_join_link(logged_in, make_walk):
    """The printed invitation (text and QR code) points at the public address."""
    walk = make_walk()
    html = evil(logged_in, f"/walks/{walk['id']}/invitation").get_data(as_text=True)
    assert f"{PUBLIC}/j/{walk['join_code']}" in html
    assert EVIL not in html
    served = re.search(r'<svg[^>]*class="qr".*?</svg>', html, re.S).group(0)
    expected = segno.make(f"{PUBLIC}/j/{walk['join_code']}", error="m", micro=False)
    assert qr_modules(served) == qr_modules(expected.svg_inline(scale=10, border=2, omitsize=True))


@settings(PUBLIC_URL=PUBLIC)
def test_api_join_url_is_public_whatever_the_host(logged_in):
    """POST /api/v1/walks answers a join_url (and url) on the public address."""
    body = {"kind": "walk", "title": "Aftenvandring", "starts_at": "2030-12-01T18:30:00+01:00",
            "meeting_point": "Ved vaskeriet"}
    token = csrf_token(logged_in)
    evil(logged_in, "/api/v1/csrf")  # files the session cookie under the evil host too
    response = logged_in.post("/api/v1/walks", json=body, headers={"Host": EVIL, "X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["join_url"] == f"{PUBLIC}/j/{data['join_code']}"
    assert data["url"] == f"{PUBLIC}/walks/{data['id']}"
    again = evil(logged_in, f"/api/v1/walks/{data['id']}").get_json()
    assert again["join_url"] == data["join_url"]


@settings(PUBLIC_URL=PUBLIC)
def test_calendar_file_and_open311_discovery_use_the_public_url(app, logged_in, make_walk, api_token):
    """The follow-up .ics and the Open311 endpoint URL don't carry the request's host."""
    walk = make_walk()
    with app.app_context():
        from walkapp.walks.models import Walk

        db.session.get(Walk, walk["id"]).follow_up_on = date(2031, 5, 20)
        db.session.commit()
    ics = evil(logged_in, f"/walks/{walk['id']}/follow-up.ics")
    assert ics.status_code == 200
    text = ics.get_data(as_text=True).replace("\r\n ", "")
    assert f"URL:{PUBLIC}/walks/{walk['id']}/follow-up" in text
    assert "@tryg.example.dk" in text and EVIL not in text

    discovery = evil(app.test_client(), "/open311/v2/discovery.json",
                     headers={"Authorization": f"Bearer {api_token}"})
    assert discovery.status_code == 200
    assert discovery.get_json()["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2/"


def test_without_public_url_links_follow_the_request(logged_in, make_walk):
    """Control: unset, the join link is built from the request (here the test client's host)."""
    walk = make_walk()
    html = logged_in.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert f'href="http://localhost/j/{walk["join_code"]}"' in html


# ---------------------------------------------------------------- TRUSTED_HOSTS


@settings(TRUSTED_HOSTS=["tryg.example.dk"])
def test_untrusted_host_gets_400_and_no_page(app, client, coordinator, make_walk):
    """Any other Host header is refused before a page is built; the trusted one works, any port."""
    walk = make_walk()
    trusted = app.test_client()
    assert login_attempt_on(trusted, "tryg.example.dk", coordinator["email"]).status_code == 302
    page = trusted.get(f"/walks/{walk['id']}", headers={"Host": "tryg.example.dk"})
    assert page.status_code == 200 and walk["join_code"] in page.get_data(as_text=True)
    assert app.test_client().get("/login", headers={"Host": "tryg.example.dk:8443"}).status_code == 200

    refused = trusted.get(f"/walks/{walk['id']}", headers={"Host": EVIL})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert walk["join_code"] not in html and "Aftenvandring" not in html
    assert "Denne server svarer ikke på det værtsnavn." in html
    assert client.get("/login", headers={"Host": EVIL}).status_code == 400
    # Refused before the CSRF check and the login itself, which would otherwise answer.
    forged = client.post("/login", data={"email": coordinator["email"], "password": PASSWORD},
                         headers={"Host": EVIL})
    assert forged.status_code == 400 and "<form" not in forged.get_data(as_text=True)
    api = client.get("/api/v1/walks", headers={"Host": EVIL})
    assert api.status_code == 400 and api.get_json()["error"] == "untrusted_host"


def login_attempt_on(client, host: str, email: str):
    token = client.get("/api/v1/csrf", headers={"Host": host}).get_json()["csrf_token"]
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                       headers={"Host": host})


def test_any_host_is_served_when_trusted_hosts_is_empty(client):
    """The default answers whatever name the server is reached by (a laptop on the LAN)."""
    assert client.get("/login", headers={"Host": "walkapp.internal:5000"}).status_code == 200


# ---------------------------------------------------------------- settings


def test_settings_come_from_the_environment(tmp_path, database_url, monkeypatch):
    """WALKAPP_* variables set all three (JSON values; a bare host name is one trusted host)."""
    monkeypatch.setenv("WALKAPP_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("WALKAPP_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("WALKAPP_TRUSTED_HOSTS", "tryg.example.dk")
    application = create_app(make_test_config(database_url), instance_path=tmp_path / "env")
    assert application.config["TRUSTED_PROXIES"] == 2
    assert application.config["PUBLIC_URL"] == PUBLIC
    assert application.config["TRUSTED_HOSTS"] == ["tryg.example.dk"]
    monkeypatch.setenv("WALKAPP_TRUSTED_HOSTS", '["tryg.example.dk", ".example.dk"]')
    application = create_app(make_test_config(database_url), instance_path=tmp_path / "env")
    assert application.config["TRUSTED_HOSTS"] == ["tryg.example.dk", ".example.dk"]


@pytest.mark.parametrize("bad", [
    {"PUBLIC_URL": "tryg.example.dk"},
    {"PUBLIC_URL": "https://tryg.example.dk/walkapp"},
    {"PUBLIC_URL": "ftp://tryg.example.dk"},
    {"PUBLIC_URL": "https://tryg.example.dk/?x=1"},
    {"TRUSTED_PROXIES": -1},
    {"TRUSTED_PROXIES": "1"},
    {"TRUSTED_PROXIES": True},
])
def test_bad_proxy_settings_stop_the_app_with_a_clear_message(tmp_path, database_url, bad):
    """A mistyped setting fails at start-up, naming the setting, instead of building wrong links."""
    with pytest.raises(RuntimeError, match=next(iter(bad))):
        create_app(make_test_config(database_url, **bad), instance_path=tmp_path / "bad")


def test_public_url_may_end_with_a_slash(tmp_path, database_url):
    """"https://tryg.example.dk/" gives the same links as without the slash (no "//j/…")."""
    application = create_app(make_test_config(database_url, PUBLIC_URL=PUBLIC + "/"),
                             instance_path=tmp_path / "slash")
    with application.test_request_context("/", headers={"Host": EVIL}):
        from walkapp.urls import external_url

        assert external_url("participation.join", code="ABCD") == f"{PUBLIC}/j/ABCD"
