"""Recently viewed cars and the comparison: kept per account in PostgreSQL (so they survive logging out and follow
the person to every device), and in the session for visitors, whose lists join the account's at login.

The car page notes a logged-in view itself (``cars.car_page``), so viewing costs no query of its own; the header's
comparison count comes with the logged-in account (``sessions.user_for_session``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain.actor import Actor
from . import catalogue
from .compare import COMPARE_MAX


@dataclass(frozen=True)
class VisitorLists:
    """What a visitor gathered before logging in: recently viewed car ids (newest first) and compared car ids."""

    recent: list[int]
    compare: list[int]


def recent_cars(*, actor: Actor, visitor_ids: list[int]) -> list[dict[str, Any]]:
    """The recently viewed cars to show: the account's (from any device), or a visitor's from the session."""
    if actor.user_id is None:
        return catalogue.cars_in_order(visitor_ids, actor=actor)
    return db.all("car_lists.recent_cars", user_id=actor.user_id, limit=catalogue.RECENT_SIZE)


def compared_ids(*, actor: Actor) -> list[int]:
    """The car ids in a logged-in actor's comparison, in the order they were added."""
    return [row["car_id"] for row in db.all("car_lists.compared_ids", user_id=actor.user_id)]


def add_compared(car_id: int, *, actor: Actor) -> bool:
    """Add a car to the actor's comparison; False when all four places are taken. NotFound for a car nobody may
    see. Adding a car that is already there changes nothing and counts as done."""
    for _attempt in range(COMPARE_MAX + 1):
        if db.optional("car_lists.add_compared", user_id=actor.user_id, car_id=car_id) is not None:
            return True
        catalogue.public_car(car_id)
        kept = compared_ids(actor=actor)
        if car_id in kept:
            return True
        if len(kept) >= COMPARE_MAX:
            return False
        # another request (a second tab) took the same free place at the same moment: try the next one
    return False


def remove_compared(car_id: int, *, actor: Actor) -> None:
    db.execute("car_lists.remove_compared", user_id=actor.user_id, car_id=car_id)


def adopt(lists: VisitorLists, *, actor: Actor) -> list[int]:
    """Merge a visitor's lists into the account just logged in: the visitor's views become the newest, their
    compared cars fill free places. Returns the compared car ids that did not fit (the account had four)."""
    left_out = []
    with db.transaction():
        if lists.recent:
            db.execute("car_lists.adopt_recent", user_id=actor.user_id, ids=lists.recent[: catalogue.RECENT_SIZE])
        for car_id in lists.compare[:COMPARE_MAX]:
            if db.optional("car_lists.add_compared", user_id=actor.user_id, car_id=car_id) is None:
                left_out.append(car_id)
    if not left_out:
        return []
    kept = compared_ids(actor=actor)
    return [car_id for car_id in left_out if car_id not in kept] if len(kept) >= COMPARE_MAX else []
