"""Request plumbing shared by every page: proxies, request ids, security headers, errors, access, CSRF, limits,
template filters. Areas' views use it; it knows no area's rules."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .. import db
from ..domain import versions
from . import access, caching, errors, filters, inputs, ratelimit, urls

# WSGI environ key under which carsite.server puts the time.monotonic() the request arrived at (never a header).
RECEIVED_KEY = "carsite.received"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
csrf = CSRFProtect()
# Every header a client could send to pretend it came through a proxy (WSGI environ keys).
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REAL_IP",
)


class TrustedProxies:
    """WSGI middleware: the one place that decides whether forwarded headers count.

    From a peer in ``networks``, X-Forwarded-For and -Proto are taken from exactly ``count`` proxies (Werkzeug's
    ProxyFix); from any other peer (and always when ``count`` is 0) every forwarded header is removed, so nothing
    downstream can be fooled by a forged one. The server (waitress) passes these headers through untouched.
    """

    def __init__(self, app: Any, count: int, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]):
        self.app = app
        self.networks = tuple(networks) if count else ()
        self.fixed = ProxyFix(app, x_for=count, x_proto=count) if count else app

    def trusts(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address((peer or "").split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in FORWARDED_HEADERS:
            environ.pop(key, None)
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, int(app.config["PROXY_COUNT"]), app.config["TRUSTED_PROXIES"]
    )
    app.before_request(_start)
    app.after_request(_headers)
    app.teardown_request(_end)
    caching.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = csrf_token
    access.init_app(app)
    ratelimit.init_app(app)
    filters.init_app(app)
    urls.init_app(app)


def csrf_token() -> str:
    """Flask-WTF's token for this request's forms, worked out once: a result page has a form on every card, and
    each ``generate_csrf`` call reads its settings and the session again for the same answer."""
    token = g.get("carsite_csrf_token")
    if token is None:
        token = g.carsite_csrf_token = generate_csrf()
    return token


def _start() -> None:
    # The database budget counts from when the server had the request (carsite's waitress stamps it), so time
    # spent queued behind busy threads is part of it: under a database stall, late requests fail fast, not late.
    received = request.environ.get(RECEIVED_KEY)
    db.start_deadline(float(current_app.config["DB_REQUEST_BUDGET"]), started=received)
    versions.start_unit()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def _end(exc: BaseException | None) -> None:
    db.end_deadline()
    versions.end_unit()


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if access.loaded_user() is not None and request.endpoint != "static" and not caching.keeps_private(response):
        # Pages for a logged-in person must not be kept by browsers or shared caches (ASVS 8.2.1).
        headers["Cache-Control"] = "no-store, private"
        response.vary.add("Cookie")
    request_id = g.get("request_id")
    if request_id:
        headers["X-Request-Id"] = request_id
    if current_app.config["PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
