"""Errors as HTML pages for browsers and as {"error", "message"} JSON for API clients."""
from __future__ import annotations

import sqlite3

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from walkapp.extensions import db

# Stable codes for API clients, by HTTP status.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
    503: "busy",
}

# Seconds a client is asked to wait when the database stayed busy through the busy timeout.
BUSY_RETRY_AFTER_S = 2
# SQLITE_BUSY and SQLITE_LOCKED; extended codes (BUSY_SNAPSHOT …) carry them in the low byte.
_SQLITE_BUSY_CODES = frozenset({5, 6})


class ApiError(Exception):
    """A refusal with a stable code, raised by services and API views."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def wants_json() -> bool:
    """API paths, and clients that prefer JSON over HTML, get JSON errors."""
    if request.path.startswith(("/api/", "/open311/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("You must log in."),
        403: _("You do not have access to this."),
        404: _("The page was not found."),
        405: _("This action is not allowed here."),
        409: _("The request conflicts with the current state."),
        413: _("The file is too large."),
        415: _("This file type is not supported."),
        422: _("The request could not be carried out."),
        429: _("Too many attempts. Wait a minute and try again."),
        500: _("Something went wrong on the server. Try again."),
        503: _("The server is busy right now. Nothing was saved; try again in a moment."),
    }
    return messages.get(status, _("Something went wrong."))


def error_response(status: int, code: str, message: str, **extra):
    if wants_json():
        response = jsonify({"error": code, "message": message, **extra})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def database_busy(exc: OperationalError) -> bool:
    """True when SQLite gave up waiting for a lock ("database is locked"), not for real faults."""
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(orig) or "busy" in str(orig)
    return False


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(exc: CSRFError):
        return error_response(
            400, "csrf_failed", _("The form has expired. Reload the page and try again.")
        )

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(exc: SecurityError):
        # A Host outside TRUSTED_HOSTS is refused before routing, so no URL can be built and the
        # usual page (its links, stylesheet) cannot be rendered: a bare page, no link to follow.
        message = _("This server does not answer to that host name.")
        if wants_json():
            return error_response(400, "untrusted_host", message)
        page = f'<!doctype html><meta charset="utf-8"><title>400</title><p>{escape(message)}</p>'
        return Response(page, status=400, mimetype="text/html")

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        status = exc.code or 500
        code = ERROR_CODES.get(status, "error")
        response = error_response(status, code, default_message(status))
        if status == 405 and wants_json():
            response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response

    @app.errorhandler(OperationalError)
    def handle_database_busy(exc: OperationalError):
        """A database still locked after the busy timeout: 503 to try again, never a 500."""
        if not database_busy(exc):
            raise exc
        db.session.rollback()
        app.logger.warning("Database busy, answered 503: %s", exc.orig)
        response = error_response(503, "busy", default_message(503))
        if isinstance(response, tuple):
            response = app.make_response(response)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response

    if not app.testing:  # in tests an unexpected error should fail loudly with its traceback
        @app.errorhandler(Exception)
        def handle_unexpected(exc: Exception):
            app.logger.exception("Unhandled error")
            return error_response(500, "server_error", default_message(500))
