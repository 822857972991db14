"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from babel.numbers import format_decimal
from flask import Flask, Response, current_app, request, url_for
from markupsafe import Markup
from werkzeug.security import safe_join

from walkapp.i18n import current_language, show_date, show_datetime
from walkapp.labels import rating_label, short_id


def map_settings() -> dict:
    """Tile layer and default view for every Leaflet map (configuration, not code)."""
    lat, lon, zoom = current_app.config["MAP_DEFAULT_CENTER"]
    return {
        "tileUrl": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "center": [lat, lon],
        "zoom": zoom,
    }


# Danish number formats in both languages, like the dates (walkapp.i18n): a printed overview
# reads the same whichever language printed it.
NUMBER_LOCALE = "da"


def show_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number as pages show it: "12,5", "15.000"; a fixed number of decimals when given
    ("0,0"); "–" for none. The one way pages show numbers."""
    if value is None:
        return "–"
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=NUMBER_LOCALE)


# The query argument that carries a static file's content hash: /static/css/app.css?v=3f2a9c01b7.
STATIC_VERSION_ARG = "v"
STATIC_VERSION_LENGTH = 10
# A versioned URL names one content, so a browser may keep it for a year without asking again.
VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Unversioned static URLs are what ES modules import each other by ("./map.js") and what
# leaflet.css names its images by: asked again on every use (a cheap 304), never kept stale.
UNVERSIONED_CACHE_CONTROL = "no-cache"


def static_version(filename: str) -> str | None:
    """The short content hash of a file in the static folder (None for a folder or a missing
    file), kept per app until the file's size or modification time changes."""
    path = safe_join(current_app.static_folder, filename) if filename else None
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    versions: dict[str, tuple[int, int, str]] = current_app.extensions.setdefault("static_versions", {})
    known = versions.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()[:STATIC_VERSION_LENGTH]
    versions[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


# Named without a version everywhere, so a page and its modules share one copy:
# - js/: the ES modules import each other by relative, unversioned URLs; a page loading one of
#   them as "triage-map.js?v=…" while another imports "./triage-map.js" would run two copies
#   of the module (two maps on one element);
# - icons/categories/: map.js names category icons by their name.
UNVERSIONED_FOLDERS = ("js/", "icons/categories/")


def version_static_url(endpoint: str, values: dict[str, Any]) -> None:
    """url_for('static', filename=…) gets ?v=<content hash>, so a changed file has a new URL."""
    filename = values.get("filename") or ""
    if endpoint == "static" and STATIC_VERSION_ARG not in values and not filename.startswith(UNVERSIONED_FOLDERS):
        version = static_version(filename)
        if version:
            values[STATIC_VERSION_ARG] = version


def unversioned_static_url(filename: str) -> str:
    """A static file's URL without ?v=: the one a relative ES module import or leaflet.css's
    image reference resolves to (the service worker keeps those)."""
    return url_for("static", filename=filename, **{STATIC_VERSION_ARG: None})


# A static import of a sibling module ("./map.js"), as the modules in static/js write them (the
# service worker's imports are rewritten with it too, walkapp/pwa/views.py).
RELATIVE_IMPORT = re.compile(r'^(import\s[^;"]*?)"\./([\w.-]+\.js)"', re.MULTILINE)


def module_imports(entry: str) -> list[str]:
    """Every module the static module `entry` ("js/capture.js") imports, directly or through
    another, as static filenames; kept per app until one of them changes."""
    graphs: dict[str, tuple[dict[str, str | None], list[str]]] = current_app.extensions.setdefault(
        "module_graphs", {})
    known = graphs.get(entry)
    if known and all(static_version(name) == version for name, version in known[0].items()):
        return known[1]
    folder = entry.rsplit("/", 1)[0]
    seen: dict[str, str | None] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen[name] = static_version(name)
        path = safe_join(current_app.static_folder, name)
        if seen[name] is None or path is None:
            continue
        with open(path, encoding="utf-8") as handle:
            pending += [f"{folder}/{m.group(2)}" for m in RELATIVE_IMPORT.finditer(handle.read())]
    imports = sorted(name for name in seen if name != entry)
    graphs[entry] = (seen, imports)
    return imports


def module_preloads(entry: str) -> list[str]:
    """The URLs to <link rel="modulepreload"> for a page's entry module: all its imports at once,
    instead of one round trip per level of imports. Unversioned, as the imports name them (a
    versioned URL would be another module and be fetched twice)."""
    return [unversioned_static_url(name) for name in module_imports(entry)]


# Inlined text must not close the element it is inlined into.
CLOSING_TAG = re.compile(r"</(style|script)", re.IGNORECASE)


def inline_static(filename: str) -> Markup:
    """A small static CSS or script file's text, to put inside <style> or <script> on a page
    whose first paint would otherwise wait for one more request (the join page after the QR
    scan); kept per app until the file changes."""
    version = static_version(filename)
    if version is None:
        raise FileNotFoundError(filename)
    texts: dict[str, tuple[str, Markup]] = current_app.extensions.setdefault("inline_static", {})
    known = texts.get(filename)
    if known and known[0] == version:
        return known[1]
    with open(safe_join(current_app.static_folder, filename), encoding="utf-8") as handle:
        text = handle.read()
    if CLOSING_TAG.search(text):
        raise ValueError(f"{filename} cannot be inlined: it contains a closing </style> or </script>")
    texts[filename] = (version, Markup(text))
    return texts[filename][1]


def cache_static_file(response: Response) -> Response:
    """A year for a static file asked for by its current version; revalidation for any other."""
    if request.endpoint != "static" or response.status_code not in (200, 206, 304):
        return response
    version = request.args.get(STATIC_VERSION_ARG)
    # An old version's URL is answered with today's file, which must not be kept under it.
    current = version and version == static_version((request.view_args or {}).get("filename", ""))
    response.headers["Cache-Control"] = VERSIONED_CACHE_CONTROL if current else UNVERSIONED_CACHE_CONTROL
    if current:
        response.headers.pop("Expires", None)
    return response


def register(app: Flask) -> None:
    app.jinja_env.filters["dt"] = show_datetime
    app.jinja_env.filters["d"] = show_date
    app.jinja_env.filters["num"] = show_number
    app.jinja_env.filters["short_id"] = short_id
    app.jinja_env.globals["rating_label"] = rating_label
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["map_settings"] = map_settings
    app.jinja_env.globals["module_preloads"] = module_preloads
    app.jinja_env.globals["inline_static"] = inline_static
    app.url_defaults(version_static_url)
    app.after_request(cache_static_file)
