"""One conversation as a member uses it: open it (reading it), send to it (with files), poll it, archive it, block
the other member. Everyone but the two members gets NotFound (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.audit import record as audit
from ..domain.errors import NotFound
from . import attachments, conversations

PAGE_SIZE = 50
POLL_MAX = 50
DRIVE_PREFIX = "drive_"


@dataclass
class Page:
    """What the conversation page shows: the header (conversation, car, other member), its test drives, the
    messages oldest first, whether earlier ones exist, and the reader's unread count before and after reading."""

    conversation: dict[str, Any]
    drives: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    earlier: bool
    unread_before: int
    unread_after: int


def header(conversation_id: int, *, actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The conversation with its car and other member, and its test drives (rows of test_drives, oldest first), in
    one query; NotFound for anyone who is not a member."""
    if actor.user_id is None:
        raise NotFound(conversations.NOT_FOUND)
    rows = db.all("messages.conversation_page", conversation_id=conversation_id, user_id=actor.user_id)
    if not rows:
        raise NotFound(conversations.NOT_FOUND)
    conversation = {k: v for k, v in rows[0].items() if not k.startswith(DRIVE_PREFIX)}
    drives = [
        {k.removeprefix(DRIVE_PREFIX): v for k, v in row.items() if k.startswith(DRIVE_PREFIX)}
        for row in rows
        if row["drive_id"] is not None
    ]
    return conversation, drives


def messages(conversation_id: int, *, before: int | None = None, after: int | None = None, limit: int = PAGE_SIZE):
    """Up to ``limit`` messages (before / after an id when given), oldest first, and whether there were more."""
    rows = db.all(
        "messages.messages_page", conversation_id=conversation_id, before_id=before, after_id=after, limit=limit + 1
    )
    more = len(rows) > limit
    return list(reversed(rows[:limit])), more


def mark_read(conversation_id: int, up_to_id: int | None, *, actor: Actor) -> tuple[int, int] | None:
    """The member has seen the conversation up to ``up_to_id``: (unread before, unread after), or None when that
    changed nothing. Messages after it from the other side stay unread."""
    if up_to_id is None:
        return None
    row = db.optional("messages.mark_read", conversation_id=conversation_id, user_id=actor.user_id, up_to_id=up_to_id)
    return None if row is None else (row["unread_before"], row["unread_count"])


def open_page(conversation_id: int, *, before: int | None = None, actor: Actor, read: bool = True) -> Page:
    """The conversation page, marking what it shows as read (``read``): the last PAGE_SIZE messages, or those
    before ``before`` ("show earlier"). Four queries with the session: header, messages, read mark."""
    conversation, drives = header(conversation_id, actor=actor)
    shown, earlier = messages(conversation_id, before=before)
    unread = conversation["unread_count"]
    changed = mark_read(conversation_id, shown[-1]["id"] if shown else None, actor=actor) if read else None
    before_count, after_count = changed if changed else (unread, unread)
    return Page(conversation, drives, shown, earlier, before_count, after_count)


def send(conversation_id: int, body: str | None, uploads: list[tuple[str, bytes]], *, actor: Actor) -> dict[str, Any]:
    """A member sends a text, with up to three files: every file is proven first (Invalid names the one refused,
    and nothing is stored), then files and message are stored together (a refused post, e.g. Conflict for a
    block, leaves no file behind). The stored message. A message may be files alone."""
    conversations.membership(conversation_id, actor=actor)
    files = attachments.prepare(uploads)
    text = conversations.clean_text(body, required=not files)
    names = attachments.write(files)
    try:
        with db.transaction():
            message = conversations.post(conversation_id, text, actor=actor, required=not files)
            attachments.record(message, files, names)
    except BaseException:
        attachments.remove(names)
        raise
    return message


def poll(conversation_id: int, after: int, *, actor: Actor) -> tuple[list[dict[str, Any]], bool, int]:
    """Messages after ``after`` (oldest first, at most POLL_MAX; True when there were more: reload), read by the
    member as they are handed over, and how many unread ones that read."""
    rows, more = messages(conversation_id, after=after, limit=POLL_MAX)
    changed = mark_read(conversation_id, rows[-1]["id"], actor=actor) if rows else None
    return rows, more, (changed[0] - changed[1]) if changed else 0


def set_archived(conversation_id: int, archived: bool, *, actor: Actor) -> None:
    """Archive a conversation for the member (a new message brings it back), or bring it back now."""
    if actor.user_id is None or not db.execute(
        "messages.set_archived", conversation_id=conversation_id, user_id=actor.user_id, archived=archived
    ):
        raise NotFound(conversations.NOT_FOUND)


def set_blocked(conversation_id: int, blocked: bool, *, actor: Actor) -> None:
    """Block the conversation's other member (neither can message the other, in any conversation), or lift the
    block."""
    member = conversations.membership(conversation_id, actor=actor)
    with db.transaction():
        changed = db.execute(
            "messages.block" if blocked else "messages.unblock", blocker_id=actor.user_id, blocked_id=member["other_id"]
        )
        if changed:
            audit(
                "messages.block" if blocked else "messages.unblock",
                actor=actor,
                subject_id=member["other_id"],
                conversation_id=conversation_id,
            )
