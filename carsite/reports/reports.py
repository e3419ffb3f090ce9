"""Reports: a member reports a conversation, a logged-in person reports a listing; admins resolve or dismiss them.

A report names a reason (REASONS) and may say more (``details``, cleaned like a message, at most 1,000
characters; "other" needs them). One open report per reporter and target: the database refuses a second one
(reports_open_key), and the reporter hears they reported it already. A conversation is reported by its members
only (anyone else gets NotFound, as everywhere in messages); a listing by anyone logged in but its seller.

The admins' queue shows each open report with the last messages of a reported conversation: admins are not members,
so each conversation shown is recorded in the audit log (``report.conversation_viewed``), as is every decision.
The reporter is told in the site (kind ``report``) when their report is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..cars import catalogue
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..messages import conversations
from ..notifications import notify

REASONS: dict[str, str] = {
    "scam": "Spam or a scam",
    "abusive": "Abusive or threatening",
    "misleading": "Misleading listing",
    "other": "Something else",
}
DETAILS_MAX = 1000
NOTE_MAX = 1000
QUEUE_LIMIT = 100
MESSAGES_SHOWN = 10
ALREADY = "You have reported this already: our moderators will look at it soon."
OWN_CAR = "This is your own listing: edit or withdraw it instead."
DECISIONS = {"resolve": "resolved", "dismiss": "dismissed"}


@dataclass(frozen=True)
class Filed:
    """The outcome of filing a report: its id, or None when the reporter had reported this already."""

    report_id: int | None

    @property
    def duplicate(self) -> bool:
        return self.report_id is None


def clean(reason: str | None, details: str | None) -> tuple[str, str]:
    """The reason and details as stored; Invalid naming the field for an unknown reason, bad or too long text, or
    "other" without details."""
    if reason not in REASONS:
        raise Invalid("Choose what is wrong.", "reason")
    text = conversations.clean_text(details, field="details", label="description", required=reason == "other")
    if len(text) > DETAILS_MAX:
        raise Invalid(
            f"The description is too long: at most {DETAILS_MAX:,} characters (this one has {len(text):,}).",
            "details",
        )
    return reason, text


def conversation_target(conversation_id: int, *, actor: Actor) -> dict[str, Any]:
    """The conversation a member would report, with its car's title and the other member's name; NotFound for
    anyone who is not a member."""
    member = conversations.membership(conversation_id, actor=actor)
    car = db.optional("cars.car_by_id", car_id=member["car_id"])
    other = db.optional("notifications.person", user_id=member["other_id"])
    return {
        **member,
        "car_title": car["title"] if car else "a car no longer listed",
        "other_name": other["name"] if other else "a deleted account",
    }


def car_target(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """The listing a person would report; NotFound for a car nobody may see, Conflict for their own."""
    car = catalogue.public_car(car_id)
    if actor.user_id is not None and car["seller_id"] == actor.user_id:
        raise Conflict(OWN_CAR)
    return car


def already(*, actor: Actor, car_id: int, conversation_id: int | None = None) -> bool:
    """Whether the actor has an open report on this conversation (or, without one, on this listing)."""
    if actor.user_id is None:
        return False
    return (
        db.optional("reports.open_report_of", reporter_id=actor.user_id, conversation_id=conversation_id, car_id=car_id)
        is not None
    )


def report_conversation(conversation_id: int, reason: str | None, details: str | None, *, actor: Actor) -> Filed:
    """A member reports a conversation; NotFound for anyone else, Invalid for bad input (nothing stored)."""
    member = conversations.membership(conversation_id, actor=actor)
    reason, text = clean(reason, details)
    return _file("conversation", member["car_id"], conversation_id, reason, text, actor=actor)


def report_car(car_id: int, reason: str | None, details: str | None, *, actor: Actor) -> Filed:
    """A logged-in person reports a listing; NotFound for a car nobody may see, Conflict for their own, Invalid
    for bad input (nothing stored)."""
    if actor.user_id is None:
        raise NotFound(catalogue.GONE)
    car_target(car_id, actor=actor)
    reason, text = clean(reason, details)
    return _file("car", car_id, None, reason, text, actor=actor)


def _file(kind: str, car_id: int, conversation_id: int | None, reason: str, text: str, *, actor: Actor) -> Filed:
    with db.transaction():
        row = db.optional(
            "reports.insert_report",
            reporter_id=actor.user_id,
            kind=kind,
            conversation_id=conversation_id,
            car_id=car_id,
            reason=reason,
            details=text,
        )
        if row is None:
            return Filed(None)
        report_id = row["id"]
        audit.record(
            "report.file",
            actor=actor,
            report_id=report_id,
            kind=kind,
            car_id=car_id,
            conversation_id=conversation_id,
            reason=reason,
        )
    return Filed(report_id)


# -- the admins' queue ------------------------------------------------------------------------------------------


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins handle reports.")


def queue(*, actor: Actor) -> list[dict[str, Any]]:
    """Open reports, oldest first, each with ``messages``: for a conversation its last MESSAGES_SHOWN messages
    (each conversation shown is audited: admins are not its members), else an empty list. Forbidden for non-admins."""
    _admin(actor)
    rows = db.all("reports.open_queue", limit=QUEUE_LIMIT)
    ids = sorted({r["conversation_id"] for r in rows if r["conversation_id"] is not None})
    messages: dict[int, list[dict[str, Any]]] = {}
    if ids:
        with db.transaction():
            for m in db.all("reports.recent_messages", conversation_ids=ids, per_conversation=MESSAGES_SHOWN):
                messages.setdefault(m["conversation_id"], []).append(m)
            for r in rows:
                if r["conversation_id"] is not None:
                    audit.record(
                        "report.conversation_viewed",
                        actor=actor,
                        report_id=r["id"],
                        conversation_id=r["conversation_id"],
                        messages=len(messages.get(r["conversation_id"], [])),
                    )
    return [{**r, "messages": messages.get(r["conversation_id"], [])} for r in rows]


def decide(report_id: int, decision: str, note: str | None, *, actor: Actor) -> dict[str, Any]:
    """An admin resolves (acted on it) or dismisses (nothing to do) an open report with an optional note; audited,
    and the reporter is told in the site when it is resolved. Forbidden for non-admins, Invalid for a bad decision
    or note, NotFound when there is no such open report (another admin closed it)."""
    _admin(actor)
    status = DECISIONS.get(decision)
    if status is None:
        raise Invalid("Resolve or dismiss the report.", "decision")
    text = conversations.clean_text(note, field="note", label="note", required=False)
    if len(text) > NOTE_MAX:
        raise Invalid(f"The note is too long: at most {NOTE_MAX:,} characters.", "note")
    with db.transaction():
        row = db.optional("reports.decide", report_id=report_id, status=status, admin_id=actor.user_id, note=text)
        if row is None:
            raise NotFound("This report is no longer open: another admin may have handled it.")
        audit.record(
            f"report.{decision}",
            actor=actor,
            subject_id=row["reporter_id"],
            report_id=report_id,
            kind=row["kind"],
            car_id=row["car_id"],
            conversation_id=row["conversation_id"],
            note=text,
        )
        if status == "resolved" and row["reporter_id"] is not None:
            what = "conversation about" if row["kind"] == "conversation" else "listing"
            notify(
                row["reporter_id"],
                "report",
                title=f"Thank you: we acted on your report of the {what} “{row['car_title']}”"[:300],
                body="Our moderators looked into it and took action.",
                url=f"/messages/{row['conversation_id']}" if row["conversation_id"] else f"/cars/{row['car_id']}",
                mail_template="report_resolved",
            )
    return row
