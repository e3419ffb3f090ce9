"""Request plumbing shared by every page: proxies, request ids, security headers, errors, access, CSRF, limits,
template filters. Areas' views use it; it knows no area's rules."""

from __future__ import annotations

import re
import secrets

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from . import access, errors, filters, inputs, urls
from .ratelimit import limiter

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # Behind a reverse proxy: take the client address and scheme from exactly that many proxies' headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_start)
    app.after_request(_headers)
    errors.init_app(app)
    inputs.init_app(app)
    csrf.init_app(app)
    access.init_app(app)
    limiter.init_app(app)
    filters.init_app(app)
    urls.init_app(app)


def _start() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if access.loaded_user() is not None and request.endpoint != "static":
        # Pages for a logged-in person must not be kept by browsers or shared caches (ASVS 8.2.1).
        headers["Cache-Control"] = "no-store, private"
        headers.add("Vary", "Cookie")
    request_id = g.get("request_id")
    if request_id:
        headers["X-Request-Id"] = request_id
    if current_app.config["PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
