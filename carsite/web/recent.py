"""A visitor's recently viewed cars: their ids in a cookie of its own, not in the session, so viewing a car starts
no session and the visitor's other pages keep their validators and shared lifetime (carsite.web.caching). Only the
home page shows the list: it makes that page the visitor's own (``validated(..., recent=True)``).

The cookie holds public car ids only as the visitor sent them: a changed value can show no more than other
public cars (the list is read through ``cars.by_ids``, which leaves out what nobody may see).
"""

from __future__ import annotations

from flask import Response, after_this_request, current_app, request

from .inputs import is_id

MAX_AGE = 30 * 24 * 3600  # seconds: a month of browsing
SEPARATOR = "."


def cookie_name() -> str:
    """``__Host-recent`` in production, ``carsite_recent`` otherwise: named like the session cookie."""
    return str(current_app.config["SESSION_COOKIE_NAME"]).replace("session", "recent")


def ids(size: int = 8) -> list[int]:
    """The car ids the visitor's cookie names, newest first (anything that is no id is ignored)."""
    seen: list[int] = []
    for part in request.cookies.get(cookie_name(), "").split(SEPARATOR)[: size * 2]:
        number = int(part) if part.isascii() and part.isdigit() and len(part) <= 19 else None
        if number is not None and is_id(number) and number not in seen:
            seen.append(number)
    return seen[:size]


def remember(car_id: int, size: int) -> None:
    """Put ``car_id`` first in the visitor's list; the cookie is sent only when the list changes, and that answer
    is then the visitor's own (private)."""
    before = ids(size)
    kept = [car_id, *(i for i in before if i != car_id)][:size]
    if kept == before:
        return

    @after_this_request
    def send(response: Response) -> Response:
        config = current_app.config
        response.set_cookie(
            cookie_name(),
            SEPARATOR.join(str(i) for i in kept),
            max_age=MAX_AGE,
            secure=bool(config["SESSION_COOKIE_SECURE"]),
            httponly=True,
            samesite="Lax",
        )
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Cookie")
        return response


def forget() -> None:
    """Remove the visitor's list (it has joined their account's at login)."""
    if cookie_name() not in request.cookies:
        return

    @after_this_request
    def send(response: Response) -> Response:
        response.delete_cookie(cookie_name(), secure=bool(current_app.config["SESSION_COOKIE_SECURE"]), httponly=True)
        return response
