"""Absolute URLs for links that leave the browser: QR codes, invitations, calendar files, feeds.

With `PUBLIC_URL` set they never depend on the request's Host header, which a client (or a
proxy passing it through) controls: otherwise a request with `Host: evil.example` would get a
QR code, an API `join_url` or an invitation that sends residents to another site.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import segno
from flask import current_app, request, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """Absolute URL of an endpoint: PUBLIC_URL plus the path when configured, else the request's."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values)


def public_host() -> str:
    """Host (and port) for stable identifiers such as calendar UIDs."""
    base = current_app.config.get("PUBLIC_URL") or ""
    return urlsplit(base).netloc if base else request.host


def qr_code(url: str) -> segno.QRCode:
    """The QR code printed for a link (join link, feedback page); level M survives a crumpled
    or rained-on printout."""
    return segno.make(url, error="m", micro=False)
