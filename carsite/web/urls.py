"""Absolute URLs (canonical links, og:url, JSON-LD, the API's ``url``) built from BASE_URL only.

``url_for(..., _external=True)`` takes the host from the request, and in development (no TRUSTED_HOSTS) any Host
header is answered: absolute links would point wherever a client's header says.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    """The URL of ``endpoint`` on BASE_URL's scheme, host and path (like ``carsite.mail.link``)."""
    base = urlsplit(current_app.config["BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["url_for"] = remembered_url_for()


def remembered_url_for() -> Callable[..., str]:
    """``url_for`` for templates, remembered per process: a page builds dozens of links (cards, filters, pages),
    mostly the same ones again on every view, and Werkzeug's building and query quoting are most of their cost.

    The same endpoint, values (with their types and order) and script root give the same relative URL, so the
    remembered one is what ``url_for`` would build. Anything else (outside a request, a relative endpoint,
    ``_external``, ``_anchor`` and the like, a value that cannot be a key) goes to ``url_for`` itself."""

    @lru_cache(maxsize=8192)
    def built(script_root: str, endpoint: str, key: tuple) -> str:
        return url_for(endpoint, **{name: value for name, _, value in key})

    def remembered(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or not has_request_context() or any(name[0] == "_" for name in values):
            return url_for(endpoint, **values)
        key = tuple((name, type(v), tuple(v) if isinstance(v, list) else v) for name, v in values.items())
        try:
            return built(request.script_root, endpoint, key)
        except TypeError:  # a value that cannot be a key
            return url_for(endpoint, **values)

    return remembered
