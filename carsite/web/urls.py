"""Absolute URLs (canonical links, og:url, JSON-LD, the API's ``url``) built from BASE_URL only.

``url_for(..., _external=True)`` takes the host from the request, and in development (no TRUSTED_HOSTS) any Host
header is answered: absolute links would point wherever a client's header says.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    """The URL of ``endpoint`` on BASE_URL's scheme, host and path (like ``carsite.mail.link``)."""
    base = urlsplit(current_app.config["BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["absolute_url"] = absolute_url
