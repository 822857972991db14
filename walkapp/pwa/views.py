"""Service worker, manifest and offline page routes."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from walkapp.templating import RELATIVE_IMPORT, unversioned_static_url

bp = Blueprint("pwa", __name__)

# Static files (relative to the static folder) that make the capture page work offline.
SHELL_FILES = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "css/app.css",
    "css/capture.css",
    "css/capture-checks.css",
    "css/capture-kind.css",
    # Every module the capture page imports: a module missing offline fails the whole page.
    "js/map.js",
    "js/fetch-json.js",
    "js/capture-state.js",
    "js/capture-send.js",
    "js/capture-map.js",
    "js/capture-list.js",
    "js/capture-earlier.js",
    "js/capture-sheet.js",
    "js/capture-kind.js",
    "js/capture-place-list.js",
    "js/capture-checks.js",
    "js/capture.js",
    "js/outbox.js",
    "js/outbox-send.js",
    "js/photo.js",
    "js/photo-blur.js",
    "js/voice-note.js",
    "js/sync-status.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)
CATEGORY_ICON_DIR = "icons/categories"
SW_SOURCE = "js/sw.js"
# sw.js is written as the module it is in static/js/ ("./outbox-send.js"), but it is served at
# the root so that it may control the whole app: its relative imports (RELATIVE_IMPORT) are
# pointed at the static files, so the worker and the capture page import the very same modules.


def _static_root() -> Path:
    return Path(current_app.static_folder)


def shell_static_files() -> list[str]:
    """Precached static files that exist (category icons are admin-editable, so globbed)."""
    root = _static_root()
    files = [name for name in SHELL_FILES if (root / name).is_file()]
    icon_dir = root / CATEGORY_ICON_DIR
    if icon_dir.is_dir():
        files += sorted(f"{CATEGORY_ICON_DIR}/{p.name}" for p in icon_dir.glob("*.svg"))
    return files


def shell_version(files: list[str]) -> str:
    """A hash of the worker source and every precached file: any change rolls a new cache."""
    root = _static_root()
    digest = hashlib.sha256()
    for name in [SW_SOURCE, *files]:
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def tile_origin() -> str:
    """Origin of the configured map tiles ("" when the app runs without tiles)."""
    parts = urlsplit(current_app.config.get("MAP_TILE_URL") or "")
    if not parts.scheme or not parts.netloc:
        return ""
    # Tile URLs may use a {s} subdomain placeholder; match on the rest of the host.
    return parts.netloc.replace("{s}.", "")


# Stands in for a walk id while building the capture page's URL, so the worker gets its pattern.
_ID_SLOT = 2_000_000_001


def _capture_page_pattern() -> str:
    """The capture pages' path with "__id__" for the walk id (the worker keeps those for offline)."""
    return url_for("participation.capture", walk_id=_ID_SLOT).replace(str(_ID_SLOT), "__id__")


def worker_source() -> str:
    """sw.js with its relative imports turned into the static URLs of the modules they name."""
    source = (_static_root() / SW_SOURCE).read_text(encoding="utf-8")
    folder = SW_SOURCE.rsplit("/", 1)[0]

    def to_static(match: re.Match) -> str:
        return f'{match.group(1)}"{unversioned_static_url(f"{folder}/{match.group(2)}")}"'

    return RELATIVE_IMPORT.sub(to_static, source)


@bp.get("/sw.js")
def service_worker():
    """The service worker (a module worker), with its precache list and version put in front."""
    files = shell_static_files()
    # Unversioned, as the capture page's modules import each other; the worker matches a
    # page's versioned URLs to them with ignoreSearch.
    precache = [url_for("pwa.offline"), *(unversioned_static_url(name) for name in files)]
    settings = {
        "version": shell_version(files),
        "precache": precache,
        "tileHost": tile_origin(),
        "offlineUrl": url_for("pwa.offline"),
        "csrfUrl": url_for("auth_api.csrf_token"),
        # What the worker routes by path: itself, static files (cache first), API answers
        # (network first) and the capture pages it keeps.
        "workerUrl": url_for("pwa.service_worker"),
        "startUrl": url_for("auth.index"),
        "staticPrefix": url_for("static", filename=""),
        "apiPrefix": request.script_root + current_app.blueprints["findings_api"].url_prefix + "/",
        "capturePage": _capture_page_pattern(),
        "offlineText": _("No connection right now. Findings you have saved are kept on your phone."),
    }
    body = f"const SW_SETTINGS = {json.dumps(settings)};\n{worker_source()}"
    response = Response(body, mimetype="application/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """Web app manifest: what Chromium needs to offer "install app"."""
    data = {
        "name": "Tryghedsvandring",
        "short_name": _("Safety walk"),
        "description": _("Register safety findings on a walk, also without coverage."),
        "lang": "da",
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d2e",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """Shown by the service worker when a page is not cached and there is no network."""
    return render_template("pwa/offline.html")
