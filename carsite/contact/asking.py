"""Asking a seller about a car: a logged-in buyer's message goes straight into the conversation of the car and the
buyer; a visitor's is held until they confirm their address with a mailed single-use link, which delivers it once,
under the account of that address (made then when there is none).

Either way the message is a message of the conversation, recorded as an inquiry (the seller's lead, with the visit's
utm_* parameters), and the seller is told in the site and by mail: the mail names the car, the buyer's first name
and the message, never the buyer's address or phone number (both stay with carsite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from .. import db, jobs, mail
from ..accounts import passwords
from ..cars import catalogue
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, DomainError, NotFound
from ..messages import conversations
from ..notifications import notify

CONTACTABLE = ("available", "reserved")
NOT_FOR_SALE = "This car is no longer for sale, so its seller takes no messages about it."
LINK_HOURS = 24
KEEP_DAYS = 7  # held requests are purged this long after their link expired
UNUSABLE_PASSWORD = "!"  # noqa: S105 - no password hash matches it: the owner sets one with "forgot password"


class Gone(DomainError):
    """A confirmation link that was used already or has expired (410)."""

    status = 410


@dataclass(frozen=True)
class Delivered:
    """A message delivered: its conversation, the account it was sent as, whether that account is new, and whether
    the link may log the person in (a new account, one that had no password, or one nobody had confirmed: the link
    proved the mailbox, and nothing else gets them in)."""

    conversation_id: int
    user_id: int
    account_created: bool
    may_log_in: bool = False


def contactable(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """The car, when the actor may write to its seller; NotFound for a car nobody may see, Conflict for the actor's
    own car and for a car no longer for sale (sold, withdrawn)."""
    car = catalogue.public_car(car_id)
    if actor.user_id is not None and car["seller_id"] == actor.user_id:
        raise Conflict(conversations.OWN_CAR)
    if car["status"] not in CONTACTABLE:
        raise Conflict(NOT_FOR_SALE)
    return car


def ask(car_id: int, text: str, *, utm: dict[str, Any] | None = None, actor: Actor) -> int:
    """A logged-in buyer writes to the seller of a car: the conversation is started or continued, the message
    posted, the inquiry recorded and the seller told, all in one transaction. The conversation's id."""
    if actor.user_id is None:
        raise NotFound(catalogue.GONE)
    text = conversations.clean_text(text, field="message")
    with db.transaction():
        car = contactable(car_id, actor=actor)
        conversation_id = _deliver(car, text, utm=utm, source="car_page", actor=actor)
        audit.record("contact.ask", actor=actor, car_id=car_id, conversation_id=conversation_id)
    return conversation_id


def _deliver(car: dict[str, Any], text: str, *, utm: dict[str, Any] | None, source: str, actor: Actor) -> int:
    """Post the message and record the inquiry (in the caller's transaction); tell the seller. The conversation."""
    started = conversations.start(car["id"], actor=actor)
    message = conversations.post(started.conversation_id, text, actor=actor)
    conversations.record_inquiry(started, message, car_id=car["id"], actor=actor, source=source, utm=utm)
    buyer = db.one("users.user_by_id", user_id=actor.user_id)
    tell_seller(car, started.conversation_id, buyer_name=buyer["name"], text=message["body"])
    return started.conversation_id


def first_name(name: str) -> str:
    """What the seller learns of who wrote: the first word of the name."""
    return (name or "").split(" ", 1)[0] or "A buyer"


def tell_seller(car: dict[str, Any], conversation_id: int, *, buyer_name: str, text: str) -> None:
    """Notify the seller of a new inquiry, in the site and by mail (per their settings): the car, the buyer's first
    name, the message and the conversation's link; never the buyer's address or phone number."""
    who = first_name(buyer_name)
    notify(
        car["seller_id"],
        "inquiry",
        title=f"{who} asked about your {car['title']}",
        url=f"/messages/{conversation_id}",
        body=text[:200],
        mail_template="inquiry",
        mail_subject=f"{who} asked about your {car['title']}",
        car_title=car["title"],
        buyer_first_name=who,
        message=text,
    )


# -- visitors ------------------------------------------------------------------------------------------------------


def hold(
    car_id: int,
    *,
    name: str,
    email: str,
    phone: str | None,
    text: str,
    utm: dict[str, Any] | None = None,
    actor: Actor,
) -> None:
    """Hold a visitor's message and mail them the link that delivers it (valid LINK_HOURS hours), in one
    transaction. The answer is the same whether or not the address has an account. The mail does not quote the
    message, nor the name typed: the form must not be a way to send one's text to anybody's address."""
    text = conversations.clean_text(text, field="message")
    car = contactable(car_id, actor=actor)
    token, digest = passwords.new_token()
    with db.transaction():
        db.scalar(
            "contact.hold_request",
            token_hash=digest,
            car_id=car_id,
            name=name,
            email=email,
            phone=phone or None,
            message=text,
            utm=json.dumps(conversations.clean_utm(utm)),
            ip=actor.ip,
            lifetime_seconds=LINK_HOURS * 3600,
        )
        mail.queue(
            email,
            f"Confirm your message about the {car['title']}",
            "contact_confirm",
            kind="contact.confirm",
            sensitive=True,
            car_title=car["title"],
            url=mail.link("contact.confirm", token=token),
            hours=LINK_HOURS,
        )
        audit.record("contact.held", actor=actor, car_id=car_id)


def _unusable(digest: bytes) -> DomainError:
    """Why a link sends nothing: NotFound when it is unknown, Gone when used or expired."""
    state = db.optional("contact.request_state", token_hash=digest)
    if state is None:
        return NotFound("This link is not valid. Check that you opened the whole link from the mail.")
    if state["used"]:
        return Gone("This link was used already: your message has been sent to the seller.")
    return Gone("This link has expired: messages wait 24 hours for their confirmation. Write to the seller again.")


def pending(token: str) -> dict[str, Any]:
    """The held request a confirmation link would send, with its car, without sending it (the page with the button:
    a mail scanner that opens links must not send the message or log itself in). NotFound / Gone as confirm."""
    digest = passwords.token_hash(token) if len(token) <= 100 else b""
    held = db.optional("contact.pending_request", token_hash=digest)
    if held is None:
        raise _unusable(digest)
    return held


def confirm(token: str, *, actor: Actor) -> Delivered:
    """Deliver a held message with its single-use link: under the account of its address, made now (a plain user,
    address confirmed, no usable password) when there is none. Gone (410) for a used or expired link, NotFound for
    an unknown one; a refusal on the way (the car sold meanwhile, one's own car) leaves the link unused."""
    digest = passwords.token_hash(token) if len(token) <= 100 else b""
    with db.transaction():
        held = db.optional("contact.use_request", token_hash=digest)
        if held is None:
            raise _unusable(digest)
        account, created, may_log_in = _account_for(held, actor=actor)
        buyer = Actor(
            user_id=account["id"], role=account["role"], email_verified=True, ip=actor.ip, user_agent=actor.user_agent
        )
        car = contactable(held["car_id"], actor=buyer)
        conversation_id = _deliver(car, held["message"], utm=held["utm"], source="visitor", actor=buyer)
        db.execute(
            "contact.mark_delivered", request_id=held["id"], user_id=account["id"], conversation_id=conversation_id
        )
        audit.record("contact.confirmed", actor=buyer, car_id=car["id"], conversation_id=conversation_id)
    return Delivered(conversation_id, account["id"], created, may_log_in)


def _account_for(held: dict[str, Any], *, actor: Actor) -> tuple[dict[str, Any], bool, bool]:
    """The active account of the held request's address (its address now confirmed: the link proved it), or a new
    one, whether it is new and whether the link may log in to it; Conflict when the address belongs to a
    switched-off account. An account made with the address but never confirmed is claimed: whoever made it never
    read this mailbox, so its password and sessions end (as a reset would end them) before it gets the message."""
    account = db.optional("users.login_candidate", email=held["email"])
    created = False
    if account is None:
        try:
            with db.transaction():  # a savepoint: another link of the same address may make the account first
                db.scalar(
                    "users.insert_user",
                    name=held["name"],
                    email=held["email"],
                    password_hash=UNUSABLE_PASSWORD,
                    role="user",
                    phone=held["phone"],
                    address=None,
                )
                created = True
        except db.UniqueViolation as exc:
            if exc.constraint != "users_email_key":
                raise
        account = db.one("users.login_candidate", email=held["email"])
        if created:
            audit.record(
                "account.register_by_contact", actor=replace(actor, user_id=account["id"]), subject_id=account["id"]
            )
    if not account["is_active"]:
        raise Conflict("The account of this address is switched off, so it cannot send messages.")
    claimed = not created and account["email_verified_at"] is None
    if claimed:
        db.execute("users.change_password", user_id=account["id"], password_hash=UNUSABLE_PASSWORD)
        db.execute("sessions.revoke_user_sessions", user_id=account["id"])
        audit.record(
            "account.claimed_by_contact", actor=replace(actor, user_id=account["id"]), subject_id=account["id"]
        )
    db.execute("users.mark_email_verified", user_id=account["id"])
    may_log_in = created or claimed or account["password_hash"] == UNUSABLE_PASSWORD
    return account, created, may_log_in


@jobs.task(queue="maintenance", name="carsite.contact.purge", periodic="41 4 * * *", retry=jobs.NO_RETRY)
def purge() -> int:
    """Delete held requests whose link expired more than KEEP_DAYS ago (what visitors typed is kept no longer than
    needed); how many."""
    return db.execute("contact.purge_requests", keep_days=KEEP_DAYS)
