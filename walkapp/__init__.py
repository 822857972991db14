"""Tryghedsvandring: the app factory."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Secrets that appear in tutorials and templates; a cookie signed with one of them would be
# forgeable by anyone, so the app refuses to start with them outside debug/testing.
WELL_KNOWN_SECRETS = frozenset(
    {"dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
     "default", "test", "testing", "your-secret-key", "supersecret", "flask", "key"}
)


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | os.PathLike | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI."""
    instance_path = Path(
        instance_path or os.environ.get("WALKAPP_INSTANCE_PATH") or PROJECT_ROOT / "instance"
    ).resolve()
    app = Flask(
        "walkapp",
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _load_config(app, test_config)
    _apply_proxy_settings(app)
    instance_path.mkdir(parents=True, exist_ok=True)
    _ensure_secret_key(app)
    _remove_upload_leftovers(app)

    from walkapp import models  # noqa: F401  (registers every table on the metadata)
    from walkapp.extensions import babel, csrf, db, limiter, login_manager, migrate
    from walkapp.i18n import init_i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app, babel)

    from walkapp.auth import security
    security.init_auth(app, login_manager)

    from walkapp.orgs import area_scope
    from walkapp.walks.request_scope import request_scope
    area_scope.init_app(app, request_scope)

    from walkapp import errors, request_input
    errors.register(app)
    request_input.init_app(app)

    _register_blueprints(app)
    _compress_responses(app)

    from walkapp import cli
    cli.register(app)

    from walkapp import security_headers, templating
    templating.register(app)
    security_headers.init_app(app)
    return app


def _load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then instance/config.py, then WALKAPP_* variables, then test_config."""
    app.config.from_object("walkapp.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("WALKAPP")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "walkapp.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"


def _apply_proxy_settings(app: Flask) -> None:
    """Check TRUSTED_PROXIES, PUBLIC_URL and TRUSTED_HOSTS; trust the proxies' headers if asked."""
    proxies = app.config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise RuntimeError(f"TRUSTED_PROXIES must be a whole number ≥ 0, not {proxies!r}.")
    public_url = app.config["PUBLIC_URL"] or ""
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
                or parts.query or parts.fragment:
            raise RuntimeError(
                f"PUBLIC_URL must be a scheme and host such as https://tryg.example.dk, not {public_url!r}."
            )
    hosts = app.config["TRUSTED_HOSTS"]
    if isinstance(hosts, str):
        # WALKAPP_TRUSTED_HOSTS=tryg.example.dk is not JSON, so it arrives as one string.
        app.config["TRUSTED_HOSTS"] = [hosts]
    if proxies:
        # Only as many hops as there are proxies: a value a client put further left is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # Registered before every extension's hook: an untrusted Host is refused before a rate
    # limit, CSRF check or login is looked at (Flask only raises it when the view is dispatched).
    @app.before_request
    def refuse_untrusted_host():
        """400 for a Host header outside TRUSTED_HOSTS, before anything else runs."""
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception


def _ensure_secret_key(app: Flask) -> None:
    """Use the configured key, or a random one generated once and kept in the instance folder."""
    key = app.config.get("SECRET_KEY")
    if key:
        if str(key).strip().lower() in WELL_KNOWN_SECRETS and not (app.debug or app.testing):
            raise RuntimeError(
                "SECRET_KEY is a well-known default value. Remove it (a random key is then "
                "generated in the instance folder) or set WALKAPP_SECRET_KEY to a long random string."
            )
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _remove_upload_leftovers(app: Flask) -> None:
    """Choose the photo store, then delete temporary photo files a crash left (older than an
    hour: younger ones may be an upload another worker is writing now); they hold a resident's
    photo that no row reaches. A bucket has none: a failed PUT leaves no object."""
    from walkapp.findings.object_store import init_store

    store = init_store(app)
    try:
        removed = store.remove(store.stale_temporary())
    except OSError:  # a read-only or foreign-owned folder must not stop the app; `photos check` tells
        app.logger.exception("Could not clean temporary photo files")
        return
    if removed:
        app.logger.warning("Removed %d temporary photo file(s) left by an interrupted upload", len(removed))


# What is worth compressing: text. Photos (JPEG), voice notes, ZIP, XLSX and PDF are compressed
# already; compressing them again costs CPU and saves nothing.
COMPRESS_MIMETYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/xml", "text/calendar",
    "text/javascript", "application/javascript", "application/json", "application/geo+json",
    "application/manifest+json", "application/xml", "image/svg+xml",
]


def _compress_responses(app: Flask) -> None:
    """Brotli or gzip for text responses (Flask-Compress), never for a byte range."""
    from flask_compress import Compress

    for key, value in (
        ("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES),
        # Both from wheels (brotli is a binary wheel, gzip is the standard library); static
        # files are streamed responses, so they are listed for streaming too.
        ("COMPRESS_ALGORITHM", ["br", "gzip"]),
        ("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"]),
    ):
        app.config.setdefault(key, value)
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress()
    compress.init_app(app)

    @app.after_request
    def compress_response(response):
        """Compress what the client accepts, except a byte range (its Content-Range counts the
        stored bytes, which a compressed body no longer has: audio seeking, resumed downloads)."""
        if response.status_code == 206 or "Range" in request.headers:
            return response
        stream = response.response if response.is_streamed else None
        response = compress.after_request(response)
        if stream is not None and response.response is not stream and hasattr(stream, "close"):
            # Flask-Compress wraps a streamed body (a static file) in its compressor, which
            # never closes the file: closing the response must.
            response.call_on_close(stream.close)
        if "Content-Encoding" in response.headers:
            # A range of the compressed body cannot be served: say so instead of "bytes".
            response.headers.pop("Accept-Ranges", None)
        return response


def _register_blueprints(app: Flask) -> None:
    """Register every blueprint (the factory imports them here, as in flaskr)."""
    from walkapp.auth.api import bp as auth_api_bp
    from walkapp.auth.views import bp as auth_bp
    from walkapp.dashboard.views import bp as dashboard_bp
    from walkapp.exports.open311 import bp as open311_bp
    from walkapp.exports.views import bp as exports_bp
    from walkapp.findings.api import bp as findings_api_bp
    from walkapp.findings.audio_api import bp as audio_bp
    from walkapp.findings.category_admin import bp as findings_bp
    from walkapp.findings.photo_views import bp as photos_bp
    from walkapp.findings.redaction_api import bp as redaction_api_bp
    from walkapp.followup.api import bp as followup_api_bp
    from walkapp.followup.check_photo_views import bp as check_photos_bp
    from walkapp.followup.feedback_api import bp as feedback_api_bp
    from walkapp.followup.feedback_views import bp as feedback_bp
    from walkapp.followup.meeting_api import bp as meeting_api_bp
    from walkapp.followup.meeting_views import bp as meeting_bp
    from walkapp.followup.overview_views import bp as report_bp
    from walkapp.followup.views import bp as followup_bp
    from walkapp.measures.api import bp as measures_api_bp
    from walkapp.measures.views import bp as measures_bp
    from walkapp.orgs.views import bp as orgs_bp
    from walkapp.privacy.views import bp as privacy_bp
    from walkapp.pwa.views import bp as pwa_bp
    from walkapp.triage.views import bp as triage_bp
    from walkapp.walks.api import bp as walks_api_bp
    from walkapp.walks.participation import bp as participation_bp
    from walkapp.walks.views import bp as walks_bp

    for blueprint in (
        auth_bp, auth_api_bp, orgs_bp, walks_bp, walks_api_bp, participation_bp, report_bp,
        findings_bp, findings_api_bp, redaction_api_bp, photos_bp, audio_bp, triage_bp, measures_bp,
        measures_api_bp, followup_bp, followup_api_bp, check_photos_bp, meeting_bp, meeting_api_bp,
        dashboard_bp, pwa_bp, exports_bp, open311_bp, feedback_bp, feedback_api_bp, privacy_bp,
    ):
        app.register_blueprint(blueprint)
