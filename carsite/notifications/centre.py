"""The notification centre: a person's in-site notifications, newest first, read one by one or all at once.

The unread count in the header does not come from here: it comes with the logged-in account on every request
(``sessions.user_for_session``, the ``unread_notifications`` column), so the bell costs no query of its own.
"""

from __future__ import annotations

from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import NotFound
from ..domain.paging import keyset_page

PAGE_SIZE = 30
GONE = "This notification does not exist, or is not yours."


def page(cursor: str | None, *, actor: Actor) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the actor's notifications, newest first, and the next page's cursor (None on the last);
    Invalid (400, naming ``cursor``) for a cursor this site did not make."""
    return keyset_page("notifications.page", cursor, PAGE_SIZE, user_id=actor.user_id)


def open_one(notification_id: int, *, actor: Actor) -> str | None:
    """Mark one of the actor's notifications read and return the site path it leads to (None when it has none);
    NotFound (404) when it is unknown or someone else's."""
    row = db.optional("notifications.mark_read", notification_id=notification_id, user_id=actor.user_id)
    if row is None:
        raise NotFound(GONE)
    return row["url"]


def mark_all_read(up_to_id: int | None, *, actor: Actor) -> int:
    """Mark read the actor's unread notifications up to ``up_to_id``, the newest the page showed (one that arrived
    after the page was drawn stays unread); all of them when None. Returns how many were marked."""
    return db.execute("notifications.mark_all_read", user_id=actor.user_id, up_to_id=up_to_id)
