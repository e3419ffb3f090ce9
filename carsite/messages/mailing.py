"""New-message mail, batched: one mail per conversation with what its member has not read, a few minutes late.

A job runs every minute (queue notify). It finds the members with messages from the other side that they have
neither read nor been mailed about, the oldest of them MESSAGE_MAIL_DELAY_MINUTES old or more, and sends each one
mail per conversation (the first five messages, "and N more", a link to the conversation) per their notification
settings (kind ``message``: by mail; the site's messages counter shows them already). The statement that finds
them also moves their ``mailed_message_id`` to the newest message included, and the mails are queued in the same
transaction: a mail is neither lost nor sent twice, and a message that comes later gets a mail of its own.

A member who reads the conversation within the delay has nothing unread and gets no mail; a conversation where one
member blocked the other mails nothing. The scan looks at conversations active within MAIL_HORIZON_DAYS only (its
index is over the members with something unread, by latest activity): messages older than that which were never
mailed (the worker stopped for that long) are not mailed any more, they wait in the inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app

from .. import db, jobs
from ..notifications import Notice, notify_many

BATCH = 200
SHOWN = 5
MAIL_HORIZON_DAYS = 7


@jobs.task(
    queue="notify", name="carsite.messages.mailing.mail_unread", retry=jobs.Backoff(attempts=3), periodic="* * * * *"
)
def mail_unread() -> int:
    """Mail every member due a new-message mail (one per conversation); how many were due."""
    return send_due(datetime.now(UTC))


def send_due(now: datetime) -> int:
    """The job as of ``now``: claim due members in batches, queue their mails in the claim's transaction; how many
    members were due (whether or not their settings let a mail go)."""
    delay = int(current_app.config["MESSAGE_MAIL_DELAY_MINUTES"])
    done = 0
    while True:
        with db.transaction():
            rows = db.all(
                "messages.mail_due",
                now=now,
                delay_minutes=delay,
                horizon_days=MAIL_HORIZON_DAYS,
                limit=BATCH,
            )
            notify_many("message", [_notice(row) for row in rows])
        done += len(rows)
        if len(rows) < BATCH:
            return done


def _notice(row: dict[str, Any]) -> Notice:
    unread = int(row["unread"])
    shown = list(row["shown"] or [])[:SHOWN]
    what = "a new message" if unread == 1 else f"{unread} new messages"
    title = f"{row['other_name']} sent you {what} about {row['car_title']}"
    return Notice(
        row["user_id"],
        title[:300],
        url=f"/messages/{row['conversation_id']}",
        mail_template="new_messages",
        mail_subject=title[:200],
        context={
            "other_name": row["other_name"],
            "car_title": row["car_title"],
            "shown": shown,
            "more": max(0, unread - len(shown)),
        },
    )
