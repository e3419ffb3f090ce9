"""The listing workflow: which moves a listing's status allows, who may make them, and moderation.

The statuses themselves are ``domain.vocabulary.LISTING_STATUSES`` (and the cars_status_check constraint); every
move is one conditional UPDATE (``selling.set_status`` / ``selling.decide``), so a listing that changed meanwhile
is refused by the database, not by a check here. Reserved and sold come from orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..domain.vocabulary import PUBLIC_STATUSES
from . import listings


@dataclass(frozen=True)
class Move:
    """A move the seller makes: its button, the statuses it starts from and the one it leads to."""

    action: str
    label: str
    to: str
    from_statuses: tuple[str, ...]
    done: str
    needs_confirmed_email: bool = False
    primary: bool = True


MOVES: dict[str, Move] = {
    move.action: move
    for move in (
        Move(
            "submit",
            "Submit for review",
            "pending",
            ("draft", "rejected"),
            "Submitted for review. We will let you know when it is live.",
            needs_confirmed_email=True,
        ),
        Move("relist", "Put it back up", "pending", ("withdrawn",), "Submitted for review again.", True),
        Move(
            "withdraw",
            "Withdraw",
            "withdrawn",
            ("draft", "pending", "rejected", "available"),
            "The listing is withdrawn.",
            primary=False,
        ),
    )
}
DECISIONS = {"approve": "available", "reject": "rejected"}


def is_public(status: str) -> bool:
    """Whether anyone may open a car page in this status (mirrors the SQL function listing_is_public)."""
    return status in PUBLIC_STATUSES


def actions_for(status: str) -> list[Move]:
    """The moves a seller can make from ``status``, for the listing page's buttons."""
    return [move for move in MOVES.values() if status in move.from_statuses]


def change(car_id: int, action: str, *, actor: Actor) -> Move:
    """Make a seller's move on their own listing; NotFound when it is not theirs, Conflict when its status does not
    allow the move (now: it may have changed meanwhile)."""
    move = MOVES.get(action)
    if move is None:
        raise Invalid(f"Unknown action {action!r}.", field="action")
    listings.own_listing(car_id, actor=actor)
    if move.needs_confirmed_email:
        listings.require_confirmed_email(actor)
    if db.optional("selling.set_status", car_id=car_id, status=move.to, from_statuses=list(move.from_statuses)) is None:
        raise Conflict("That is not possible in the listing's current state.")
    audit.record(f"listing.{action}", actor=actor, subject_id=actor.user_id, car_id=car_id)
    return move


def moderation_queue(*, actor: Actor) -> list[dict[str, Any]]:
    _moderator(actor)
    return db.all("selling.moderation_queue")


def decide(car_id: int, decision: str, remark: str | None, *, actor: Actor) -> dict[str, Any]:
    """Approve a pending listing, or reject it with a remark the seller sees; NotFound when it is not pending."""
    _moderator(actor)
    if decision not in DECISIONS:
        raise Invalid("The decision is approve or reject.", field="decision")
    remark = (remark or "").strip()[:1000] or None
    if decision == "reject" and not remark:
        raise Invalid("Write a remark so the seller knows what to fix.", field="remark")
    row = db.optional(
        "selling.decide",
        car_id=car_id,
        status=DECISIONS[decision],
        remark=remark if decision == "reject" else None,
    )
    if row is None:
        raise NotFound("This listing is not waiting for review.")
    audit.record(f"listing.{decision}", actor=actor, subject_id=row["seller_id"], car_id=car_id, remark=remark)
    return row


def set_featured(car_id: int, featured: bool, *, actor: Actor) -> None:
    """Show a car among the featured cars on the home page, or stop; NotFound when it is gone."""
    _moderator(actor)
    if db.optional("selling.set_featured", car_id=car_id, featured=featured) is None:
        raise NotFound("There is no such car.")
    audit.record(f"listing.{'feature' if featured else 'unfeature'}", actor=actor, car_id=car_id)


def _moderator(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins moderate listings.")
