"""Short lists of car ids kept in the session (recently viewed, compared)."""

from __future__ import annotations

from flask import session

from .inputs import is_id

SAVE_AFTER_LOGIN = "save_after_login"  # the car a visitor asked to save; saved once they log in
AFTER_SIGNUP = "after_signup"  # where a visitor who signed up was going (a local path), for their first login


def ids(key: str) -> list[int]:
    """The car ids kept in the session under ``key`` (anything else there, e.g. a number past bigint, is ignored)."""
    kept = session.get(key, [])
    return [i for i in kept if is_id(i)] if isinstance(kept, list) else []


def remember(key: str, car_id: int, size: int) -> None:
    """Keep the last ``size`` car ids in the session, newest first. The session is only written when the list
    changes: a written session is signed and sent again as a cookie, which viewing the same car again need not."""
    kept = [i for i in [car_id, *(i for i in ids(key) if i != car_id)] if is_id(i)][:size]
    if kept != session.get(key):
        session[key] = kept


def store(key: str, values: list[int]) -> None:
    session[key] = [i for i in values if is_id(i)]
