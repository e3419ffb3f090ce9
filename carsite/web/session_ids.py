"""Short lists of car ids kept in the session (recently viewed, compared)."""

from __future__ import annotations

from flask import session


def ids(key: str) -> list[int]:
    """The car ids kept in the session under ``key`` (anything else there is ignored)."""
    return [i for i in session.get(key, []) if isinstance(i, int)]


def remember(key: str, car_id: int, size: int) -> None:
    """Keep the last ``size`` car ids in the session, newest first."""
    session[key] = [car_id, *(i for i in ids(key) if i != car_id)][:size]


def store(key: str, values: list[int]) -> None:
    session[key] = values
