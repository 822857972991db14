"""Security headers on every response, the Content-Security-Policy of every HTML page above all.

Our standard is that no user text is rendered unescaped; the policy is the second line for the
day an escape is missed: an injected <script> or on*= handler does not run, because a page's
scripts are its own files ('self') and the inline ones the page carries the request's nonce
(`csp_nonce()` in a template). Styles likewise: the stylesheets and the one inlined <style>
(the join page) with the nonce; the pages have no style="" attributes (JavaScript setting
element.style, as Leaflet does, is not what CSP restricts).

What must come from elsewhere is derived from the configuration, per request (tests and an
instance's config.py change it): the map tiles' origin (MAP_TILE_URL) for <img>, and, with
photos in a bucket and PHOTO_REDIRECT = "presigned", the bucket's origin, which <img> and
<audio> are redirected to (a package higher up registers it with `allow_sources`).
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

HEADER = "Content-Security-Policy"

# A source provider: called per HTML response, returns {directive: [source, …]} to add.
SourceProvider = Callable[[], dict[str, list[str]]]
_PROVIDERS_KEY = "csp_source_providers"


def csp_nonce() -> str:
    """This response's nonce (the same for every inline element of the page, new per request)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def url_origin(url: str) -> str | None:
    """The origin of a URL, as a CSP source; a Leaflet "{s}." subdomain placeholder becomes a
    wildcard (https://{s}.tile.example.org/… → https://*.tile.example.org). None for a
    relative or empty URL (same origin, covered by 'self')."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    host = re.sub(r"^\{s\}\.", "*.", host)
    if "{" in host:  # another placeholder in the host: no origin to name exactly
        return None
    return f"{parts.scheme}://{host}"


def allow_sources(app: Flask, provider: SourceProvider) -> None:
    """Let a package add sources to the page policy (called per HTML response)."""
    app.extensions.setdefault(_PROVIDERS_KEY, []).append(provider)


def page_policy(nonce: str) -> str:
    """The policy of the app's own pages."""
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        # data: Leaflet's blank tile image; blob: photos shown from the phone's outbox.
        "img-src": ["'self'", "data:", "blob:"],
        # blob: a voice note played back before (or without) being sent.
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    tiles = url_origin(current_app.config.get("MAP_TILE_URL") or "")
    if tiles:
        directives["img-src"].append(tiles)
    for provider in current_app.extensions.get(_PROVIDERS_KEY, []):
        for directive, sources in provider().items():
            known = directives.setdefault(directive, [])
            known += [s for s in sources if s not in known]
    return format_policy(directives)


def format_policy(directives: dict[str, Iterable[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


# An inline script of a generated document (its attributes, its text).
_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html: str) -> list[str]:
    """'sha256-…' sources for every inline script of a generated document, in order."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        if "src=" in match.group(1).lower():
            continue
        digest = base64.b64encode(hashlib.sha256(match.group(2).encode("utf-8")).digest()).decode()
        source = f"'sha256-{digest}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


def self_contained_policy(html: str) -> str:
    """The policy of a generated, self-contained document the app serves (the folium map
    export): folium writes its code as inline scripts whose text we do not choose, so they are
    allowed by their hashes, and nothing else runs; its <style> elements and the style=""
    of its popups and legend need inline styles (the text in them is escaped, and without a
    script an injected style can only restyle the page). It loads nothing but the map tiles:
    Leaflet is inlined, images are data: URIs."""
    tiles = url_origin(current_app.config.get("MAP_TILE_URL") or "")
    return format_policy({
        "default-src": ["'none'"],
        "script-src": script_hashes(html) or ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:", *([tiles] if tiles else [])],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    })


def is_html(response: Response) -> bool:
    return response.mimetype in ("text/html", "application/xhtml+xml")


def add_security_headers(response: Response) -> Response:
    """Defaults that cost nothing: no sniffing, no framing, no referrer leaks of join codes; and
    the page policy on HTML that does not bring its own (the exported map does)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if is_html(response) and HEADER not in response.headers:
        response.headers[HEADER] = page_policy(csp_nonce())
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
