"""Reservations and sales: the order's states and every move between them.

States: pending (the buyer reserved the car; it is ``reserved`` and held until ``reserved_until``) → accepted (by
the seller; the hold counts again from then) → completed (by the seller: the agreed price, date and parties, a deal
number, the car ``sold``, the bill of sale stored); pending or accepted → cancelled (by either side with a reason,
by the lapse job when the hold ends, or by the seller's sale outside carsite), and the car is available again.

Never a double sale: a reservation takes the car with a conditional UPDATE (available → reserved) and the database's
orders_car_id_live_key allows one order per car that is not cancelled. Every move is one transaction: the order,
the car, the timeline, the conversation's note and the notifications commit together or not at all. Moves lock the
car before the order (as a reservation does), so two moves, or a move and a reservation, take turns without
deadlocks; the lapse job skips rows someone holds.

Idempotent: every form carries a key (a UUID made with the form). A reservation finds the order its key made; a
move finds its line in the timeline (order_events.request_key). So a double click or a POST retried after a lost
response returns the same order and changes nothing again.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app

from .. import db, jobs
from ..cars import catalogue, pricing
from ..domain import numbers
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..messages import conversations
from ..notifications import Notice, notify_many

NOT_FOUND = "No such order."
GONE = "Sorry, this car is no longer available: someone else has reserved or bought it."
OWN_CAR = "This is your own car: buyers reserve it from its page."
UNCONFIRMED = "Confirm your email address first (see the link we mailed you), then reserve the car."
STALE_FORM = "This form has expired. Reload the page and try again."
STATUS_LABELS = {
    "pending": "Reserved, waiting for the seller",
    "accepted": "Accepted by the seller",
    "completed": "Sold",
    "cancelled": "Cancelled",
}
SHORT_LABELS = {"pending": "Reserved", "accepted": "Accepted", "completed": "Sold", "cancelled": "Cancelled"}
ACTIONS = ("accept", "complete", "cancel")
NAME_MAX, ADDRESS_MAX, PHONE_MAX, MESSAGE_MAX, REASON_MAX = 120, 300, 40, 2000, 1000
PHONE = re.compile(r"\+?[0-9 ()/.-]{5,40}")
LAPSE_BATCH = 100


def hold_hours() -> int:
    return int(current_app.config["RESERVATION_HOLD_HOURS"])


def new_key() -> str:
    """The idempotency key a new form carries."""
    return str(uuid.uuid4())


def read_key(raw: Any) -> str:
    """A form's idempotency key; Invalid for anything but a UUID (a form from before a change, or a forged one)."""
    try:
        return str(uuid.UUID(str(raw or "").strip()))
    except ValueError:
        raise Invalid(STALE_FORM, "key") from None


def _text(raw: Any, field: str, label: str, limit: int, *, required: bool, lines: bool = False) -> str:
    text = conversations.clean_text(
        raw if isinstance(raw, str) or raw is None else str(raw), field=field, label=label, required=required
    )
    if not lines:
        text = " ".join(text.split())
    if len(text) > limit:
        raise Invalid(f"The {label} is too long: at most {limit:,} characters.", field)
    return text


@dataclass(frozen=True)
class BuyerDetails:
    """What the buyer gives when reserving: their name and address as the documents will print them, a phone
    number for the seller, and a message."""

    name: str
    address: str
    phone: str
    message: str

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> BuyerDetails:
        phone = _text(form.get("phone"), "phone", "phone number", PHONE_MAX, required=False)
        if phone and not PHONE.fullmatch(phone):
            raise Invalid("Enter the phone number with digits (spaces, +, -, / and brackets are fine).", "phone")
        return cls(
            name=_text(form.get("name"), "name", "full name", NAME_MAX, required=True),
            address=_text(form.get("address"), "address", "address", ADDRESS_MAX, required=True, lines=True),
            phone=phone,
            message=_text(form.get("message"), "message", "message", MESSAGE_MAX, required=False, lines=True),
        )


# -- reserving -----------------------------------------------------------------------------------------------------


def reserve(car_id: int, key: Any, details: BuyerDetails, *, actor: Actor) -> dict[str, Any]:
    """The acting buyer reserves an available car: a pending order, the car reserved, in one transaction; the order
    (``repeated`` True when this form's key had made it already). NotFound for a car nobody may see; Forbidden for an
    unconfirmed address; Conflict for the seller's own car or a car no longer available (someone else was first)."""
    if actor.user_id is None:
        raise NotFound(catalogue.GONE)
    request_key = read_key(key)
    if not actor.email_verified:
        raise Forbidden(UNCONFIRMED)
    with db.transaction():
        done = db.optional("orders.by_key", buyer_id=actor.user_id, key=request_key)
        if done is not None:
            return {**done, "repeated": True}
        car = db.optional("orders.reserve_car", car_id=car_id, buyer_id=actor.user_id)
        if car is None:
            # The car was taken meanwhile, perhaps by this very form posted twice (the first one won).
            done = db.optional("orders.by_key", buyer_id=actor.user_id, key=request_key)
            if done is not None:
                return {**done, "repeated": True}
            public = catalogue.public_car(car_id)
            if public["seller_id"] == actor.user_id:
                raise Conflict(OWN_CAR)
            raise Conflict(GONE)
        started = conversations.start(car_id, actor=actor)
        order = db.optional(
            "orders.insert",
            car_id=car_id,
            buyer_id=actor.user_id,
            seller_id=car["seller_id"],
            price=car["price"],
            key=request_key,
            conversation_id=started.conversation_id,
            hold_hours=hold_hours(),
            buyer_name=details.name,
            buyer_address=details.address,
            buyer_phone=details.phone,
            buyer_message=details.message,
        )
        if order is None:  # the key's order exists after all: the database kept the first
            raise Conflict(GONE)
        _event(order["id"], actor.user_id, "reserved", request_key, until=order["reserved_until"].isoformat())
        until = _when(order["reserved_until"])
        body = f"{details.name} reserved {car['title']} until {until}."
        if details.message:
            body += f"\n“{details.message}”"
        conversations.post_system(started.conversation_id, body)
        _tell(
            [car["seller_id"]],
            f"{car['title']} is reserved",
            f"{body}\nAccept the reservation, or cancel it with a reason, on the order's page.",
            order["id"],
        )
        pricing.refresh_models_soon((car["make"], car["model"]))  # it left the listed cars: its medians change
    return {**order, "repeated": False}


# -- moves ---------------------------------------------------------------------------------------------------------


def act(order_id: int, action: str, form: Mapping[str, Any], *, actor: Actor) -> dict[str, Any]:
    """One move on an order by one of its parties (``action`` one of ACTIONS, ``form`` its fields with its key);
    the order after it (``repeated`` True when this form's move was made already). NotFound for anyone else; Conflict
    for the wrong side or a state that does not allow the move (nothing changes); Invalid for bad input."""
    if action not in ACTIONS or actor.user_id is None:
        raise NotFound(NOT_FOUND)
    request_key = read_key(form.get("key"))
    with db.transaction():
        db.optional("orders.lock_car_of_order", order_id=order_id)  # the car first: the order reserve_car's
        order = db.optional("orders.lock_for_party", order_id=order_id, user_id=actor.user_id, is_admin=actor.is_admin)
        if order is None:
            raise NotFound(NOT_FOUND)
        if db.optional("orders.move_done", order_id=order_id, request_key=request_key) is not None:
            return {**order, "repeated": True}
        side = (
            "buyer"
            if actor.user_id == order["buyer_id"]
            else "seller"
            if actor.user_id == order["seller_id"]
            else "admin"
        )
        changed = MOVES[action](order, side, form, actor, request_key)
        if changed.get("released"):
            pricing.refresh_models_soon((order["make"], order["model"]))
    return {**order, **changed, "repeated": False}


def _open(order: Mapping[str, Any], what: str) -> None:
    if order["status"] not in ("pending", "accepted"):
        raise Conflict(f"This order is {SHORT_LABELS[order['status']].lower()}: it cannot be {what} any more.")


def _accept(order: dict[str, Any], side: str, form: Mapping[str, Any], actor: Actor, key: str) -> dict[str, Any]:
    if side != "seller":
        raise Conflict("Only the seller accepts a reservation.")
    if order["status"] != "pending":
        raise Conflict(f"This order is {SHORT_LABELS[order['status']].lower()}: there is nothing to accept.")
    row = db.one("orders.accept", order_id=order["id"], hold_hours=hold_hours())
    _event(order["id"], actor.user_id, "accepted", key, until=row["reserved_until"].isoformat())
    body = (
        f"The seller accepted the reservation of {order['car_title']}; it is held until {_when(row['reserved_until'])}."
    )
    _note(order, body)
    _tell([order["buyer_id"]], "Your reservation is accepted", body, order["id"])
    return dict(row)


@dataclass(frozen=True)
class Sale:
    """What the seller confirms when completing: the agreed price, the date, both parties as printed."""

    final_price: Decimal
    sale_date: date
    buyer_name: str
    buyer_address: str
    seller_name: str
    seller_address: str

    @classmethod
    def from_form(cls, form: Mapping[str, Any], *, today: date) -> Sale:
        raw_price = form.get("final_price")
        try:
            price = numbers.read_price(raw_price if isinstance(raw_price, str) else "", "The final price")
        except numbers.NumberError as exc:
            raise Invalid(exc.message, "final_price") from None
        raw_date = str(form.get("sale_date") or "").strip()
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw_date):
                raise ValueError
            sale_date = date.fromisoformat(raw_date)
        except ValueError:
            raise Invalid("Enter the date of the sale as a date (YYYY-MM-DD).", "sale_date") from None
        if sale_date > today:
            raise Invalid("The date of the sale cannot be in the future.", "sale_date")
        if sale_date.year < today.year - 1:
            raise Invalid("The date of the sale is too long ago: record sales within a year.", "sale_date")
        return cls(
            final_price=price,
            sale_date=sale_date,
            buyer_name=_text(form.get("buyer_name"), "buyer_name", "buyer's name", NAME_MAX, required=True),
            buyer_address=_text(
                form.get("buyer_address"), "buyer_address", "buyer's address", ADDRESS_MAX, required=True, lines=True
            ),
            seller_name=_text(form.get("seller_name"), "seller_name", "seller's name", NAME_MAX, required=True),
            seller_address=_text(
                form.get("seller_address"),
                "seller_address",
                "seller's address",
                ADDRESS_MAX,
                required=True,
                lines=True,
            ),
        )


def _complete(order: dict[str, Any], side: str, form: Mapping[str, Any], actor: Actor, key: str) -> dict[str, Any]:
    if side != "seller":
        raise Conflict("Only the seller completes the sale.")
    _open(order, "completed")
    sale = Sale.from_form(form, today=datetime.now(UTC).date())
    if order["car_status"] != "reserved":
        raise Conflict("The car is not reserved by this order any more; reload the page.")
    seq = db.scalar("orders.next_deal_number", seller_id=order["seller_id"], year=sale.sale_date.year)
    row = db.one(
        "orders.complete",
        order_id=order["id"],
        final_price=sale.final_price,
        sale_date=sale.sale_date,
        buyer_name=sale.buyer_name,
        buyer_address=sale.buyer_address,
        seller_name=sale.seller_name,
        seller_address=sale.seller_address,
        deal_year=sale.sale_date.year,
        deal_seq=seq,
    )
    if db.optional("orders.sell_car", car_id=order["car_id"], from_statuses=["reserved"]) is None:
        raise Conflict("The car is not reserved by this order any more; reload the page.")
    _event(
        order["id"], actor.user_id, "completed", key, deal_number=row["deal_number"], final_price=str(sale.final_price)
    )
    _car_gone(order["car_id"], order["conversation_id"], order["car_title"])
    body = f"Sold: {order['car_title']} for {numbers.money(sale.final_price)}, deal number {row['deal_number']}."
    _note(order, body + " The bill of sale is on the order's page.")
    from . import documents  # the renderer is loaded by the first sale, not by every page

    documents.store_bill_of_sale(order["id"])
    _tell([order["buyer_id"]], f"You bought {order['car_title']}", body, order["id"])
    return dict(row)


def _cancel(order: dict[str, Any], side: str, form: Mapping[str, Any], actor: Actor, key: str) -> dict[str, Any]:
    _open(order, "cancelled")
    reason = _text(form.get("reason"), "reason", "reason", REASON_MAX, required=True, lines=True)
    kind = "admin" if side == "admin" else side
    row = cancel(order, kind=kind, reason=reason, actor_id=actor.user_id, request_key=key)
    who = {"buyer": "The buyer", "seller": "The seller", "admin": "carsite's moderators"}[side]
    body = f"{who} cancelled the reservation of {order['car_title']}: “{reason}”. The car is available again."
    _note(order, body)
    told = (
        [order["seller_id"]]
        if side == "buyer"
        else [order["buyer_id"]]
        if side == "seller"
        else [order["buyer_id"], order["seller_id"]]
    )
    _tell(told, "A reservation is cancelled", body, order["id"])
    return row


def cancel(
    order: Mapping[str, Any],
    *,
    kind: str,
    reason: str,
    actor_id: int | None,
    request_key: str | None,
    event: str = "cancelled",
) -> dict[str, Any]:
    """Cancel an open (locked) order and give its car back, with a line in its timeline; in the caller's
    transaction. The changed row, ``released`` True when the car became available."""
    row = db.optional("orders.cancel", order_id=order["id"], actor_id=actor_id, kind=kind, reason=reason)
    if row is None:
        raise Conflict("This order changed meanwhile; reload the page.")
    released = db.optional("orders.release_car", car_id=order["car_id"]) is not None
    _event(order["id"], actor_id, event, request_key, reason=reason)
    return {**row, "released": released}


MOVES = {"accept": _accept, "complete": _complete, "cancel": _cancel}


# -- the lapse job and sales outside carsite -----------------------------------------------------------------------


@jobs.task(
    queue="notify", name="carsite.orders.reservations.lapse", retry=jobs.Backoff(attempts=3), periodic="*/5 * * * *"
)
def lapse() -> int:
    """Release the reservations whose hold ended unsold (every five minutes); how many."""
    return lapse_due(datetime.now(UTC))


def lapse_due(now: datetime) -> int:
    """Cancel the open orders whose hold ended before ``now`` and tell both sides; how many (tests pass a later
    ``now``). In batches, each its own transaction; a row a move is changing is skipped until the next run."""
    total = 0
    while True:
        models: set[tuple[str, str]] = set()
        with db.transaction():
            rows = db.all("orders.lapsed", now=now, limit=LAPSE_BATCH)
            for order in rows:
                cancel(
                    order,
                    kind="lapsed",
                    reason="The reservation's hold ended.",
                    actor_id=None,
                    request_key=None,
                    event="lapsed",
                )
                body = f"The reservation of {order['car_title']} lapsed unsold: the car is available again."
                _note(order, body)
                _tell([order["buyer_id"], order["seller_id"]], "A reservation lapsed", body, order["id"])
                models.add((order["make"], order["model"]))
            pricing.refresh_models_soon(*models)
        total += len(rows)
        if len(rows) < LAPSE_BATCH:
            break
    return total


def sold_elsewhere(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """The seller sold the car outside carsite: the car is sold, an open reservation of it cancelled (its buyer
    told), and every conversation about it gets a notice and its open inquiries closed. NotFound when the car is
    not the actor's (any, for an admin); Conflict when it is not available or reserved."""
    from ..selling import listings

    car = listings.own_listing(car_id, actor=actor)
    with db.transaction():
        sold = db.optional("orders.sell_car", car_id=car_id, from_statuses=["available", "reserved"])
        if sold is None:
            raise Conflict("Only a car that is for sale or reserved can be marked as sold.")
        for order in db.all("orders.open_of_car", car_id=car_id):
            row = db.one(
                "orders.cancel",
                order_id=order["id"],
                actor_id=actor.user_id,
                kind="sold_elsewhere",
                reason="The seller sold the car elsewhere.",
            )
            _event(order["id"], actor.user_id, "sold_elsewhere", None)
            _tell(
                [row["buyer_id"]],
                "The car you reserved is sold",
                f"The seller sold {car['title']} elsewhere, so your reservation is cancelled.",
                order["id"],
            )
        _car_gone(car_id, None, car["title"])
        pricing.refresh_models_soon((car["make"], car["model"]))
    return dict(sold)


# -- helpers -------------------------------------------------------------------------------------------------------


def _event(order_id: int, actor_id: int | None, event: str, request_key: str | None, **detail: Any) -> None:
    if (
        db.optional(
            "orders.add_event",
            order_id=order_id,
            actor_id=actor_id,
            event=event,
            detail=json.dumps(detail, default=str),
            request_key=request_key,
        )
        is None
    ):
        raise Conflict("This was done already; reload the page.")


def _note(order: Mapping[str, Any], body: str) -> None:
    if order.get("conversation_id"):
        conversations.post_system(order["conversation_id"], body)


def _car_gone(car_id: int, except_conversation: int | None, title: str) -> None:
    """A sold car: every other conversation about it gets a notice, and its open inquiries are closed."""
    for row in db.all("orders.conversations_of_car", car_id=car_id, except_id=except_conversation):
        conversations.post_system(row["id"], f"{title} is sold. Thank you for your interest.")
    db.execute("orders.close_inquiries_of_car", car_id=car_id)


def _when(at: datetime) -> str:
    """A moment as a notice writes it, in UTC: "Wed 9 Dec 2026, 15:00 UTC"."""
    at = at.astimezone(UTC)
    return f"{at:%a} {at.day} {at:%b %Y}, {at:%H:%M} UTC"


def path(order_id: int) -> str:
    return f"/orders/{order_id}"


def _tell(user_ids: list[int], title: str, body: str, order_id: int) -> None:
    notify_many(
        "orders",
        [Notice(user_id, title, url=path(order_id), body=body[:4000], mail_template="order") for user_id in user_ids],
    )
