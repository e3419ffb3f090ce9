"""One error handler for the whole site: JSON for the API and JSON clients, an HTML page for people.

Same status either way, never a traceback or a database message.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..db import DatabaseUnavailable, IntegrityError, QueryTimeout, UniqueViolation
from ..db.errors import InvalidValue
from ..domain.errors import DomainError

log = logging.getLogger("carsite")

# Domain errors (carsite.domain.errors) carry their own status; constraint violations that reach this handler are
# answered from this table: constraint name -> (status, message, form field). Views and use cases may catch
# IntegrityError themselves; these are the answers when they don't.
CONSTRAINT_MESSAGES: dict[str, tuple[int, str, str | None]] = {
    "users_email_key": (409, "An account with this email already exists.", "email"),
    "favorites_user_id_car_id_key": (409, "This car is already in your favorites.", None),
    "reviews_author_car_key": (409, "You have already reviewed the seller of this car.", None),
    "reviews_order_id_key": (409, "This order has been reviewed already.", None),
    "reviews_test_drive_id_key": (409, "This test drive has been reviewed already.", None),
    "orders_car_id_live_key": (409, "This car has already been reserved or sold.", None),
}
TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Link no longer valid",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(
    status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    response: Response
    if wants_json():
        response = jsonify({"error": {"status": status, "message": message, "field": field}})
    else:
        response = Response(html_page(status, message), mimetype="text/html")
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def html_page(status: int, message: str) -> str:
    """The error page; a bare page when the site layout itself cannot render (e.g. an untrusted Host header)."""
    title = TITLES.get(status, "Error")
    try:
        return render_template(
            "error.html", status=status, title=title, message=message, request_id=g.get("request_id")
        )
    except Exception:  # the layout needs url_for, which needs a trusted host and a working app
        log.debug("error page without layout", exc_info=True)
        return (
            f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>"
            f"<h1>{status} {escape(title)}</h1><p>{escape(message)}</p>"
        )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        message = exc.description or TITLES.get(exc.code or 500, "Error")
        return error_response(exc.code or 500, message, getattr(exc, "field", None), headers)

    @app.errorhandler(DomainError)
    def refused(exc: DomainError) -> Response:
        return error_response(exc.status, exc.message, exc.field)

    @app.errorhandler(DatabaseUnavailable)
    @app.errorhandler(QueryTimeout)
    def database_down(exc: Exception) -> Response:
        log.error("database unavailable (request %s): %s", g.get("request_id"), exc)
        return error_response(
            503, "The site is briefly unavailable. Please try again in a minute.", headers={"Retry-After": "30"}
        )

    @app.errorhandler(IntegrityError)
    def integrity(exc: IntegrityError) -> Response:
        known = CONSTRAINT_MESSAGES.get(exc.constraint or "")
        if known:
            return error_response(*known)
        log.warning("unmapped constraint %s (request %s): %s", exc.constraint, g.get("request_id"), exc)
        if isinstance(exc, UniqueViolation):
            return error_response(409, "This conflicts with something that already exists.")
        return error_response(400, "Some of the values given are not allowed.")

    @app.errorhandler(InvalidValue)
    def invalid_value(exc: InvalidValue) -> Response:
        # Input that validation let through but PostgreSQL refuses: the client's fault, and a gap to close.
        log.warning("database refused a value in %s (request %s): %s", exc.query, g.get("request_id"), exc)
        return error_response(400, "Some of the values given are not valid; please check them and try again.")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error (request %s)", g.get("request_id"))
        return error_response(500, "Sorry, something went wrong on our side. The error has been logged.")
