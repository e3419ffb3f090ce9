"""HTTP validators and cache lifetimes for public pages, so browsers and a caching proxy (nginx, Caddy) can reuse
what they hold: a conditional request costs one read of the data versions, never the page's own queries.

What a page may depend on and how it is covered:
- listed cars and the catalogue: the data versions (carsite.domain.versions), in the ETag and Last-Modified;
- the code, templates and static files, and the settings that shape every page (site name, locale, base URL):
  the release token, in the ETag, and the process start as the floor of Last-Modified (a deploy restarts);
- the URL, query string included: part of every cache's key already;
- the person asking (login, comparison list, flashed messages, CSRF tokens): all of it lives in the session or
  remember-me cookie, so a request carrying either gets neither validators nor a shared lifetime (logged in:
  ``no-store, private`` from ``_headers``; a visitor with a session: ``private, no-cache``), and every such page
  says ``Vary: Cookie``. A page that starts a session while answering is made private the same way.
- a visitor's recently viewed cars (carsite.web.recent, a cookie of its own): only the home page shows them; there
  the cookie's value is part of the ETag and the page is ``private, no-cache`` (a browser revalidates it, no shared
  cache keeps it). The car page that changes the list answers privately too; other pages ignore the cookie.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, current_app, make_response, request, session
from werkzeug.http import http_date, quote_etag

from ..domain import versions
from . import recent as _recent

PACKAGE = Path(__file__).resolve().parent.parent
QUERIES = PACKAGE.parent / "queries"
RELEASE_FILES = ("*.py", "*.html", "*.xml", "*.css", "*.js", "*.svg", "*.sql")
# settings every page's text depends on (the finance terms: car pages and result cards show payments on them)
RENDER_SETTINGS = ("SITE_NAME", "LOCALE", "BASE_URL", "FINANCE_APR", "FINANCE_TERM_MONTHS", "FINANCE_DEPOSIT_PERCENT")

# Lifetimes (Cache-Control). Browsers always revalidate (max-age=0: a conditional request, answered 304 while
# nothing changed); a shared cache may answer from its copy for SHARED_CACHE_SECONDS where staleness is harmless.
SHARED = "shared"  # search, home, sitemaps, API lists: prices and counts may lag by SHARED_CACHE_SECONDS
REVALIDATE = "revalidate"  # car pages: a price change shows at once, so every use is checked with the origin


def init_app(app: Flask) -> None:
    app.add_template_global(personal, "has_session")
    app.extensions["carsite.release"] = _release_files()
    app.extensions["carsite.started"] = datetime.now(UTC)


def _release_files() -> str:
    """A digest of the code, templates, static files and named queries this process serves with."""
    digest = hashlib.sha256()
    for root in (PACKAGE, QUERIES):
        for pattern in RELEASE_FILES:
            for path in sorted(root.rglob(pattern)):
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


PRIVATE_MARK = "carsite_private_cache"


def private_cache(response: Any) -> Any:
    """Let a logged-in person's browser keep this answer (``Cache-Control: private``) instead of the ``no-store``
    every logged-in page gets: for content that never changes under its URL, such as a message's attachment."""
    response.headers["Cache-Control"] = "private"
    setattr(response, PRIVATE_MARK, True)
    return response


def keeps_private(response: Any) -> bool:
    return bool(getattr(response, PRIVATE_MARK, False))


def release() -> str:
    """A short token that changes with a deploy or with a setting that shapes the pages."""
    settings = "\0".join(str(current_app.config.get(name)) for name in RENDER_SETTINGS)
    token = hashlib.sha256(f"{current_app.extensions['carsite.release']}\0{settings}".encode()).hexdigest()
    return token[:12]


def personal() -> bool:
    """Whether the request carries the session or remember-me cookie: then its answer may be about the person."""
    config = current_app.config
    return config["SESSION_COOKIE_NAME"] in request.cookies or config["REMEMBER_COOKIE_NAME"] in request.cookies


def validated(
    lifetime: str, *, data: bool = True, recent: bool = False, unchanged: Callable[..., None] | None = None
) -> Callable[[Callable], Callable]:
    """Give a public GET view validators and a cache lifetime, and answer a matching conditional request with 304
    before the view runs (one read of the data versions; none with ``data=False``, for pages made of code only).
    ``unchanged`` is called with the view's arguments on a 304 (what a view does besides its page, e.g. counting).
    ``recent``: the page shows the visitor's recently viewed cars (their cookie makes it theirs).

    Only visitors without a session get them; only 200 answers keep them."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if personal():
                response = make_response(view(*args, **kwargs))
                response.vary.add("Cookie")
                if "Cache-Control" not in response.headers:  # a logged-in page already says no-store, private
                    response.headers["Cache-Control"] = "private, no-cache"
                return response
            etag, modified = _validators(data)
            own = recent and request.cookies.get(_recent.cookie_name())
            if own:
                etag = f"{etag}-{hashlib.sha256(own.encode()).hexdigest()[:12]}"
            if _not_modified(etag, modified):
                response = current_app.response_class(status=304)
                if unchanged is not None:
                    unchanged(*args, **kwargs)
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                if session.modified:  # it started a session (a safety net: public pages should not)
                    response.headers["Cache-Control"] = "private, no-cache"
                    response.vary.add("Cookie")
                    return response
            response.headers["ETag"] = quote_etag(etag, weak=True)
            if modified is not None:
                response.headers["Last-Modified"] = http_date(modified)
            response.headers["Cache-Control"] = "private, no-cache" if own else _cache_control(lifetime)
            response.vary.add("Cookie")
            return response

        return wrapper

    return decorator


def _validators(data: bool) -> tuple[str, datetime | None]:
    """The ETag value and the Last-Modified time (None while it is too recent to tell changes apart).

    HTTP dates have whole seconds: a time less than a second old could be followed by a change within the same
    second that an If-Modified-Since would miss, so Last-Modified is sent only once its second is over."""
    modified = current_app.extensions["carsite.started"]
    etag = release()
    if data:
        held = versions.current()
        modified, etag = max(modified, held.changed_at), f"{held.tag}-{etag}"
    recent = time.time() - modified.timestamp() < 1
    return etag, None if recent else modified.replace(microsecond=0)


def _not_modified(etag: str, modified: datetime | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
    if "If-None-Match" in request.headers:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return modified is not None and since is not None and modified <= since


def _cache_control(lifetime: str) -> str:
    shared = int(current_app.config["SHARED_CACHE_SECONDS"])
    if lifetime == SHARED and shared > 0:
        return f"public, max-age=0, s-maxage={shared}"
    return "public, no-cache"
