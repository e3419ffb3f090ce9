"""The audit trail: who did what, when, from where. Callable from views, the CLI and jobs alike."""

from __future__ import annotations

import json
from typing import Any

from .. import db
from .actor import Actor


def record(action: str, *, actor: Actor, subject_id: int | None = None, **detail: Any) -> int:
    """Record an event done by ``actor`` (to the account ``subject_id``, if any); returns the event's id.

    Never pass passwords, tokens or cookies as detail. The system actor is recorded with no user and no address.
    """
    return db.scalar(
        "audit.record",
        actor_id=actor.user_id,
        subject_id=subject_id,
        action=action,
        ip=actor.ip,
        user_agent=actor.user_agent,
        detail=json.dumps({**detail, "by": "system"} if actor.is_system else detail, default=str),
    )
