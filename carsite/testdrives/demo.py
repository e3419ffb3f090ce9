"""Demo data: test drives in existing conversations, made through the use cases as the buyer and seller would."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import DomainError
from . import drives, hours


def _times(conversation: dict[str, Any], days_ahead: int, now: datetime) -> list[str]:
    """Two times for a request: the seller's first free times from the day asked for when they published opening
    hours, else 10:00 and 14:00 (seller's time) that many days ahead."""
    settings = hours.settings_of(conversation["seller_id"])
    if settings.has_hours:
        offered = hours.offered(conversation["car_id"], settings, now=now + timedelta(days=days_ahead - 1))
        return [value for day in offered for value, _ in day.times][:2]
    day = (now.astimezone(settings.zone) + timedelta(days=days_ahead)).date()
    return [f"{day:%Y-%m-%d}T{at:%H:%M}" for at in (time(10, 0), time(14, 0))]


def create(conversation_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """A confirmed test drive (in three days) in the first conversation and a requested one (in five days) in the
    second, when there is one; the ids of the drives made. Conversations that already have an open drive, or whose
    car is not for sale, are skipped."""
    now = now or datetime.now(UTC)
    made: list[int] = []
    for n, conversation_id in enumerate(conversation_ids[:2]):
        conversation = db.optional("testdrives.conversation_members", conversation_id=conversation_id)
        if conversation is None:
            continue
        buyer = Actor(user_id=conversation["buyer_id"], role="user", email_verified=True)
        seller = Actor(user_id=conversation["seller_id"], role="seller", email_verified=True)
        picked = _times(conversation, 3 if n == 0 else 5, now)
        if not picked:
            continue
        note = "Could I see it this week?" if n == 0 else "Would one of these suit you?"
        try:
            drive = drives.request(conversation_id, drives.SlotInput(picked, []), note, actor=buyer, now=now)
            if n == 0:
                drive = drives.act(drive["id"], "confirm", {"slot": "0"}, actor=seller, now=now)
        except DomainError:
            continue
        made.append(int(drive["id"]))
    return made
