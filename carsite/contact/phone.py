"""The seller's phone number: published by the seller's choice (seller_settings.phone_public), never in a car page
itself, revealed one request at a time (rate-limited, kept out of search engines) and counted per car and day."""

from __future__ import annotations

from .. import db
from ..domain.actor import Actor
from ..domain.errors import NotFound

NOT_SHOWN = "The seller does not show a phone number for this car. Write to them instead."


def reveal(car_id: int, *, actor: Actor) -> str:
    """The published phone number of the seller of a car for sale, counted as one reveal (not when the seller asks
    for their own); NotFound when the car is not for sale or its seller shows no number."""
    row = db.optional("contact.reveal_phone", car_id=car_id, viewer_id=actor.user_id)
    if row is None:
        raise NotFound(NOT_SHOWN)
    return str(row["phone"])


def tel_uri(phone: str) -> str:
    """A tel: link for a number as the seller wrote it (RFC 3966: the + and the digits)."""
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def is_public(*, actor: Actor) -> bool:
    """Whether the actor publishes their phone number on their car pages."""
    return bool(db.scalar("contact.phone_public", user_id=actor.user_id))


def set_public(public: bool, *, actor: Actor) -> None:
    """Publish or hide the actor's phone number on their car pages (run in the transaction of the profile's save)."""
    db.execute("contact.set_phone_public", user_id=actor.user_id, phone_public=public)


def hide(*, actor: Actor) -> None:
    """Stop showing the actor's phone number (it was removed from the profile); nothing when it was not shown."""
    db.execute("contact.hide_phone", user_id=actor.user_id)
