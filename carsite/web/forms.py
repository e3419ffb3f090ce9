"""Form helpers shared by every area: input filters, rendering a form page with the right status, safe redirects."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import redirect, render_template, request
from werkzeug.wrappers import Response


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


def confirmed() -> bool:
    """Whether this is the final POST of a confirmation page (it carries confirm=yes)."""
    return request.method == "POST" and request.form.get("confirm") == "yes"


def confirmation_page(
    action: str, *, heading: str, question: str, consequences: list[str], button: str, cancel: str
) -> Response | str:
    """Ask before a destructive action: on GET, a page spelling out the consequences with a final POST button
    (confirm=yes) to ``action``; a POST without confirm=yes changes nothing and is sent to that page."""
    if request.method == "POST":
        return redirect(action, code=303)
    return render_template(
        "confirm.html",
        heading=heading,
        question=question,
        consequences=consequences,
        action=action,
        button=button,
        cancel=cancel,
    )
