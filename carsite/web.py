"""Request plumbing shared by every page: request ids, security headers, template helpers."""

from __future__ import annotations

import re
import secrets
from datetime import UTC
from decimal import Decimal

from flask import Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .access import loaded_user

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
LABELS = {
    "petrol": "Petrol",
    "diesel": "Diesel",
    "hybrid": "Hybrid",
    "plug_in_hybrid": "Plug-in hybrid",
    "electric": "Electric",
    "lpg": "LPG",
    "cng": "CNG",
    "hydrogen": "Hydrogen",
    "other": "Other",
    "manual": "Manual",
    "automatic": "Automatic",
    "semi_automatic": "Semi-automatic",
    "suv": "SUV",
    "available": "Available",
    "reserved": "Reserved",
    "sold": "Sold",
    "pending": "Pending review",
}


def init_app(app: Flask) -> None:
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # Behind a reverse proxy: take the client address and scheme from exactly that many proxies' headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_start)
    app.after_request(_headers)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["km"] = km
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.globals["utc"] = UTC
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]


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
    if loaded_user() is not None and request.endpoint != "static":
        # Pages for a logged-in person must not be kept by browsers or shared caches (ASVS 8.2.1).
        headers["Cache-Control"] = "no-store, private"
        headers.add("Vary", "Cookie")
    request_id = g.get("request_id")
    if request_id:
        headers["X-Request-Id"] = request_id
    if current_app.config["PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def slugify(text: str) -> str:
    """The readable part of a car URL: 'VW Golf 1.4 TSI' -> 'vw-golf-1-4-tsi'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def money(value: Decimal | int | float | None) -> str:
    """€ 12,345 (cents only when there are any)."""
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return f"€\u202f{text}"


def km(value: int | None) -> str:
    return "" if value is None else f"{value:,} km"


def label(value: object) -> str:
    """A readable label for a stored value ('plug_in_hybrid' -> 'Plug-in hybrid'); other values as text."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return str(value)
    return LABELS.get(value, value.replace("_", " ").capitalize())
