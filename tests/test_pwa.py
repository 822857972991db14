"""Service worker, manifest, icons and offline page (no browser needed)."""
from __future__ import annotations

import io
import json
import re

from PIL import Image


def _sw_settings(body: str) -> dict:
    match = re.match(r"const SW_SETTINGS = (\{.*?\});\n", body)
    assert match, "the worker must start with its settings"
    return json.loads(match.group(1))


def test_service_worker_is_served_with_scope_and_no_cache_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "addEventListener(\"fetch\"" in response.get_data(as_text=True)


def test_every_precached_url_exists(client):
    settings = _sw_settings(client.get("/sw.js").get_data(as_text=True))
    precache = settings["precache"]
    for needed in ("/offline", "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                   "/static/js/capture.js", "/static/js/capture-sheet.js", "/static/js/outbox.js",
                   "/static/js/outbox-send.js", "/static/js/photo.js",
                   "/static/css/capture.css", "/static/icons/icon-192.png"):
        assert needed in precache
    for url in precache:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_worker_imports_the_pages_outbox_modules_from_the_static_files(client):
    """The module worker imports outbox-send.js by its static URL (the one the capture page
    imports), served as JavaScript and precached; a broken import would leave the phone with no
    worker and so no offline capture page."""
    body = client.get("/sw.js").get_data(as_text=True)
    precache = _sw_settings(body)["precache"]
    imports = re.findall(r'^import\s[^;"]*?"([^"]+)"', body, re.MULTILINE)
    assert imports == ["/static/js/outbox-send.js"]
    assert "importScripts" not in body
    for url in imports:
        assert url in precache
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        response.close()


def test_worker_version_changes_when_a_precached_file_changes(app, client):
    from pathlib import Path

    first = _sw_settings(client.get("/sw.js").get_data(as_text=True))["version"]
    icon_dir = Path(app.static_folder) / "icons" / "categories"
    icon_dir.mkdir(parents=True, exist_ok=True)
    extra = icon_dir / "zz-test-only.svg"
    try:
        extra.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
        second = _sw_settings(client.get("/sw.js").get_data(as_text=True))
    finally:
        extra.unlink()
    assert "/static/icons/categories/zz-test-only.svg" in second["precache"]
    assert second["version"] != first


def test_tile_host_follows_configuration(app, client):
    app.config["MAP_TILE_URL"] = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    assert _sw_settings(client.get("/sw.js").get_data(as_text=True))["tileHost"] == "tiles.example.org"
    app.config["MAP_TILE_URL"] = ""
    assert _sw_settings(client.get("/sw.js").get_data(as_text=True))["tileHost"] == ""


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Tryghedsvandring"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    sizes = {}
    for icon in manifest["icons"]:
        image_response = client.get(icon["src"])
        assert image_response.status_code == 200, icon["src"]
        with Image.open(io.BytesIO(image_response.data)) as image:
            width, height = image.size
            assert image.format == "PNG"
        assert icon["sizes"] == f"{width}x{height}"
        sizes[(icon["purpose"], icon["sizes"])] = True
        image_response.close()
    assert ("any", "192x192") in sizes
    assert ("any", "512x512") in sizes
    assert ("maskable", "512x512") in sizes


def test_offline_page_tells_that_findings_are_kept(client):
    response = client.get("/offline")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "telefon" in text.lower() or "phone" in text.lower()


def test_worker_fallbacks_are_words_not_codes(client):
    """The worker's last-resort answers carry a translated sentence, not a bare "Offline"."""
    body = client.get("/sw.js").get_data(as_text=True)
    settings = _sw_settings(body)
    assert len(settings["offlineText"].split()) >= 4
    assert 'new Response("Offline"' not in body
    assert 'message: "offline"' not in body


def test_offline_page_can_offer_the_kept_capture_page(client):
    """The offline page has a (hidden until known) link to the walk kept on the phone."""
    text = client.get("/offline").get_data(as_text=True)
    assert 'id="open-capture"' in text
