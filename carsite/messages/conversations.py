"""Conversations: start one for a car and a buyer, post to it, find it as one of its members.

A conversation belongs to one car and one buyer; its members are the buyer and the car's seller, and nobody else
ever sees it: for anyone else every conversation is NotFound (404), so ids cannot be probed.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from .. import db
from ..cars import catalogue
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound

MAX_LENGTH = 5000
NOT_FOUND = "No such conversation."
BLOCKED = "You can no longer send messages in this conversation: one of you has blocked the other."
OWN_CAR = "This is your own car: buyers contact you about it here."
UNCONFIRMED = (
    "Confirm your email address first: use the link we sent you, or send a new one from your account. Then you can "
    "write to sellers."
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


@dataclass(frozen=True)
class Started:
    conversation_id: int
    seller_id: int
    created: bool


def clean_text(raw: str | None, *, field: str = "body", label: str = "message", required: bool = True) -> str:
    """A message as stored: line ends normalised, control characters other than newline and tab refused, trimmed,
    at most MAX_LENGTH characters. Invalid with a plain message for empty, too long or NUL-bearing text."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text or any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise Invalid(f"The {label} contains characters that cannot be sent (control characters).", field)
    if "\ufffd" in text:
        raise Invalid(f"The {label} is not valid text (it was not sent as UTF-8).", field)
    text = text.strip()
    if required and not text:
        raise Invalid(f"Write a {label} first.", field)
    if len(text) > MAX_LENGTH:
        raise Invalid(
            f"The {label} is too long: at most {MAX_LENGTH:,} characters (this one has {len(text):,}).", field
        )
    return text


def clean_utm(values: dict[str, Any] | None) -> dict[str, str]:
    """The utm_* parameters of a visit worth keeping: known keys, short printable values."""
    out: dict[str, str] = {}
    for key in UTM_KEYS:
        value = (values or {}).get(key)
        if isinstance(value, str):
            value = "".join(ch for ch in value if ch.isprintable()).strip()[:200]
            if value:
                out[key] = value
    return out


def start(car_id: int, *, actor: Actor) -> Started:
    """The conversation of this car and the acting buyer, started if new. NotFound for a car nobody may see;
    Conflict for the seller's own car; Forbidden for an account whose address is not confirmed (anyone could have
    typed it)."""
    if actor.user_id is None:
        raise NotFound(catalogue.GONE)
    car = catalogue.public_car(car_id)
    if not actor.email_verified:
        # a visitor's message waits for the link that proves the address; an account's first message does too
        raise Forbidden(UNCONFIRMED)
    if car["seller_id"] == actor.user_id:
        raise Conflict(OWN_CAR)
    row = db.optional("messages.start", car_id=car_id, buyer_id=actor.user_id)
    if row is None:
        raise NotFound(catalogue.GONE)
    return Started(row["id"], row["seller_id"], row["created"])


def membership(conversation_id: int, *, actor: Actor) -> dict[str, Any]:
    """The conversation as the acting member sees it; NotFound for anyone who is not a member."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    row = db.optional("messages.membership", conversation_id=conversation_id, user_id=actor.user_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def post(conversation_id: int, body: str, *, actor: Actor, required: bool = True) -> dict[str, Any]:
    """A member writes a message (cleaned by clean_text; may be empty when not ``required``, for files alone); the
    stored message. NotFound for non-members, Conflict when one of the two blocked the other."""
    membership(conversation_id, actor=actor)
    text = clean_text(body, required=required)
    message = db.optional(
        "messages.post", conversation_id=conversation_id, sender_id=actor.user_id, kind="text", body=text
    )
    if message is None:
        raise Conflict(BLOCKED)
    return message


def post_system(conversation_id: int, body: str) -> dict[str, Any]:
    """carsite notes something in a conversation (a test drive confirmed, the car sold): unread for both members."""
    return db.one(
        "messages.post", conversation_id=conversation_id, sender_id=None, kind="system", body=body[:MAX_LENGTH]
    )


def record_inquiry(
    started: Started,
    message: dict[str, Any],
    *,
    car_id: int,
    actor: Actor,
    kind: str = "general",
    source: str = "car_page",
    utm: dict[str, Any] | None = None,
    requested_date: Any = None,
) -> int:
    """Record a contact (an inquiry, for the seller's leads) made by a message that started or continued a
    conversation; its id."""
    return int(
        db.scalar(
            "messages.add_inquiry",
            car_id=car_id,
            user_id=actor.user_id,
            seller_id=started.seller_id,
            message=message["body"],
            kind=kind,
            requested_date=requested_date,
            conversation_id=started.conversation_id,
            message_id=message["id"],
            source=source,
            utm=json.dumps(clean_utm(utm)),
        )
    )
