"""The inbox: a member's conversations, newest message first, 30 a page, archived ones in a view of their own.

One query per page, with everything a row shows joined in (car, cover photo, other member, last message, unread
count), keyset-paged over the member's own (last_message_at, conversation id), which conversation_members_inbox_idx
serves in order.
"""

from __future__ import annotations

from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import Invalid
from ..domain.paging import keyset_position, pack

PAGE_SIZE = 30
VIEWS = ("inbox", "archived")


def page(view: str, cursor: str | None, *, actor: Actor) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the actor's conversations (``view`` inbox or archived) and the next page's cursor (None on the
    last); Invalid (400) for an unknown view or a cursor this site did not make."""
    if view not in VIEWS:
        raise Invalid("The view is inbox or archived.", field="view")
    after_at, after_id = keyset_position(cursor) if cursor else (None, None)
    rows = db.all(
        "messages.inbox",
        user_id=actor.user_id,
        archived=view == "archived",
        after_at=after_at,
        after_id=after_id,
        limit=PAGE_SIZE + 1,
    )
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        next_cursor = pack(last["last_message_at"].isoformat(), last["id"])
    return rows[:PAGE_SIZE], next_cursor
