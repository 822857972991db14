"""Errors: JSON {"error", "message"} for the API and for clients asking for JSON, an HTML
page (with navigation back) for browsers."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


def assert_html_error(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<p class="lead">' in html  # the message
    assert 'href="/"' in html  # a way back to the front page
    return html


@pytest.mark.parametrize("path", ["/api/v1/x", "/api/v1/walks/999999/nothing", "/api/v2/walks"])
def test_unknown_api_path_is_json_404(client, path):
    """API clients get a machine-readable 404, even when they accept HTML."""
    assert_json_error(client.get(path, headers={"Accept": BROWSER_ACCEPT}), 404, "not_found")


def test_unknown_page_is_html_404(client):
    """A browser gets a readable error page in the UI language, not JSON."""
    html = assert_html_error(client.get("/no-such-page", headers={"Accept": BROWSER_ACCEPT}), 404)
    assert '<html lang="da" dir="ltr">' in html


def test_curl_default_accept_gets_html(client):
    """`Accept: */*` (curl, simple clients) is treated like a browser."""
    assert_html_error(client.get("/no-such-page", headers={"Accept": "*/*"}), 404)


def test_json_accept_on_unknown_page_gets_json(client):
    """A client that prefers JSON gets JSON from normal pages too."""
    assert_json_error(client.get("/no-such-page", headers={"Accept": "application/json"}), 404, "not_found")


def test_json_accept_on_protected_page_gets_401_json(client):
    """A JSON client is told 401 instead of being redirected to a login form."""
    assert_json_error(client.get("/walks", headers={"Accept": "application/json"}), 401, "unauthorized")


def test_forbidden_page_html_and_json(client, make_user):
    """Staff opening an admin page get 403 — as a page in a browser, as JSON for JSON clients."""
    staff = make_user("drift@example.org", "staff")
    login(client, staff["email"])
    assert_html_error(client.get("/admin/users", headers={"Accept": BROWSER_ACCEPT}), 403)
    assert_json_error(client.get("/admin/users", headers={"Accept": "application/json"}), 403, "forbidden")


def test_wrong_method_on_api_is_json_405(client, api_token):
    """A wrong HTTP method on an API route says so in JSON, with the allowed methods."""
    response = client.put("/api/v1/csrf", headers={"Authorization": f"Bearer {api_token}"})
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_wrong_method_with_cookie_and_csrf_is_json_405(client):
    """The same for a browser session that sends its CSRF token."""
    response = client.delete("/api/v1/csrf", headers={"X-CSRFToken": csrf_token(client)})
    assert_json_error(response, 405, "method_not_allowed")


def test_wrong_method_on_page_is_html_405(logged_in):
    """GET /logout in a browser gets the error page (logout is a POST form)."""
    assert_html_error(logged_in.get("/logout", headers={"Accept": BROWSER_ACCEPT}), 405)


def test_csrf_failure_on_form_is_html(client, coordinator):
    """A login form posted without its CSRF token explains itself on a page."""
    response = client.post("/login", data={"email": coordinator["email"], "password": "x"},
                           headers={"Accept": BROWSER_ACCEPT})
    assert_html_error(response, 400)
