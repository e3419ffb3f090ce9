"""Form helpers shared by every area: input filters, rendering a form page with the right status, safe redirects."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import render_template, request


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def collapse(value: str | None) -> str | None:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value


def form_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a form page; 400 when a submitted form has errors, so clients see the request was refused."""
    form = context.get("form")
    if status == 200 and request.method == "POST" and form is not None and form.errors:
        status = 400
    return render_template(template, **context), status


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: ``next`` must never lead elsewhere (ASVS 5.1.5)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target
