"""The session cookie: refreshed by the app's pages and API calls, never by a file anyone may be sent."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface

# Responses a shared cache (nginx, a CDN) may keep and hand to everyone: the static files, the
# service worker and the manifest. A cache must not keep a response with Set-Cookie, and one
# that did would hand one user's session to the next.
NO_REFRESH_ENDPOINTS = frozenset({"static", "pwa.service_worker", "pwa.manifest"})


class SessionCookieInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, except that a permanent session is not sent again (to
    move its expiry on) with a static file: the pages and API calls of the same visit do that,
    so a session still lasts PERMANENT_SESSION_LIFETIME from the last of them."""

    def should_set_cookie(self, app, session) -> bool:
        if not session.modified and request.endpoint in NO_REFRESH_ENDPOINTS:
            return False
        return super().should_set_cookie(app, session)
