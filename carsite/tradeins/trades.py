"""Trade-ins: the buyer of a conversation (an inquiry) or of an order describes a car to trade in, the seller records
an offer for it, the buyer accepts or declines it.

States: open (described) → offered (the seller's amount and note; revised as often as the seller likes while it is
not accepted, also after a decline) → accepted or declined (by the buyer); open, offered or accepted → withdrawn (by
the buyer; an accepted one only while its order is not completed). One live (open, offered or accepted) trade-in
per conversation (trade_ins_one_live_key). Only its buyer and seller see a trade-in (admins may look, change
nothing): NotFound for everyone else; the wrong side or a state that does not allow the move is a Conflict (409)
and changes nothing. Every move leaves a system message in the conversation and tells the other side.

Photos (up to six, at most 10 MB each) are decoded and re-encoded as listing photos are (``images.save_photo``
under the upload folder's ``trade-ins/``): a file that is not an image refuses the whole step, and nothing is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import db, images
from ..db.errors import UniqueViolation
from ..domain import numbers
from ..domain.actor import Actor
from ..domain.errors import Conflict, DomainError, Invalid, NotFound
from ..messages import conversations
from ..notifications import Notice, notify_many

KIND = "trade-ins"  # the upload folder's sub-folder (never served by the public photo route)
NOT_FOUND = "No such trade-in."
OPEN = "There is already a trade-in in this conversation: withdraw it first to describe another car."
ONLY_BUYER = "Only the buyer describes a car to trade in here."
NOT_FOR_SALE = "This car is no longer for sale, so no car can be offered in part exchange for it."
MAX_PHOTOS = 6
PHOTO_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 60
NOTES_MAX = 2000
NOTE_MAX = 1000
YEAR_MIN = 1900
MILEAGE_MAX = 2_000_000
OFFER_MAX = Decimal(10_000_000)
CONDITIONS = {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor"}
STATUS_LABELS = {
    "open": "Waiting for an offer",
    "offered": "Offer made",
    "accepted": "Offer accepted",
    "declined": "Offer declined",
    "withdrawn": "Withdrawn",
}
LIVE = ("open", "offered", "accepted")


class TooLarge(DomainError):
    """An uploaded file is larger than a photo may be (413)."""

    status = 413


@dataclass(frozen=True)
class Description:
    """A car to trade in, as cleaned from a form."""

    make: str
    model: str
    year: int
    mileage_km: int
    condition: str
    notes: str

    @classmethod
    def from_form(cls, form: Mapping[str, Any], *, today: datetime | None = None) -> Description:
        """Read and check the form's fields; Invalid naming the first bad one."""
        newest = year_max(today)
        make = _line(form.get("make"), "make", "make")
        model = _line(form.get("model"), "model", "model")
        raw_year = (form.get("year") or "").strip()
        if not raw_year:
            raise Invalid("Enter the year the car was built.", "year")
        if not raw_year.isascii() or not raw_year.isdigit() or len(raw_year) != 4:
            raise Invalid("The year is a four-digit year, e.g. 2012.", "year")
        year = int(raw_year)
        if not YEAR_MIN <= year <= newest:
            raise Invalid(f"The year must be between {YEAR_MIN} and {newest}.", "year")
        try:
            mileage = numbers.read_mileage(str(form.get("mileage_km") or ""), "Mileage")
        except numbers.NumberError as exc:
            raise Invalid(str(exc), "mileage_km") from None
        if mileage > MILEAGE_MAX:
            raise Invalid(f"Mileage must be at most {numbers.distance(MILEAGE_MAX)}.", "mileage_km")
        condition = form.get("condition") or ""
        if condition not in CONDITIONS:
            raise Invalid("Choose the car's condition: excellent, good, fair or poor.", "condition")
        notes = _text(form.get("notes"), "notes", "notes", NOTES_MAX)
        return cls(make, model, year, mileage, condition, notes)

    @property
    def title(self) -> str:
        return f"{self.year} {self.make} {self.model}"


def _text(raw: Any, field: str, label: str, limit: int) -> str:
    text = conversations.clean_text(raw if isinstance(raw, str) else None, field=field, label=label, required=False)
    if len(text) > limit:
        raise Invalid(f"The {label} are too long: at most {limit:,} characters.", field)
    return text


def _line(raw: Any, field: str, label: str) -> str:
    text = conversations.clean_text(raw if isinstance(raw, str) else None, field=field, label=label, required=False)
    if not text:
        raise Invalid(f"Enter the {label} of the car you want to trade in.", field)
    if "\n" in text or "\t" in text:
        raise Invalid(f"The {label} is one line of text.", field)
    if len(text) > NAME_MAX:
        raise Invalid(f"The {label} is too long: at most {NAME_MAX} characters.", field)
    return text


def read_amount(raw: Any) -> Decimal:
    """An offer in euros as a person types it; Invalid naming ``amount`` otherwise."""
    try:
        amount = numbers.read_price(raw if isinstance(raw, str) else "", "The offer")
    except numbers.NumberError as exc:
        raise Invalid(str(exc), "amount") from None
    if amount <= 0:
        raise Invalid("The offer must be more than €0.", "amount")
    if amount > OFFER_MAX:
        raise Invalid(f"The offer must be at most {numbers.money(OFFER_MAX)}.", "amount")
    return amount


def year_max(today: datetime | None = None) -> int:
    """The newest year a car to trade in may have: next year's models are sold from the autumn."""
    return (today or datetime.now(UTC)).year + 1


def title_of(row: Mapping[str, Any]) -> str:
    return f"{row['year']} {row['make']} {row['model']}"


# -- photos --------------------------------------------------------------------------------------------------------


def store_photos(uploads: list[tuple[str, bytes]], room: int) -> list[tuple[str, int, int]]:
    """Check every (file name, bytes) upload, then decode and re-encode each (images.save_photo); the stored files'
    (name, width, height). Nothing stays stored when one is refused: TooLarge for a file over 10 MB, Invalid (naming
    ``photos``) for more than ``room`` files, an empty file or one that is not an image we read."""
    if len(uploads) > room:
        left = f"{room} more" if room < MAX_PHOTOS else str(MAX_PHOTOS)
        raise Invalid(f"A trade-in holds at most {MAX_PHOTOS} photos: add at most {left}.", "photos")
    for name, data in uploads:
        label = name or "A file"
        if len(data) > PHOTO_MAX_BYTES:
            raise TooLarge(f"{label} is larger than 10 MB; upload photos of at most 10 MB.", "photos")
        if not data:
            raise Invalid(f"{label} is empty.", "photos")
        try:
            images.photo_decode_pixels(data)  # the header alone, before any decoding
        except images.ImageRejected as exc:
            raise Invalid(f"{label}: {exc}", "photos") from None
    stored: list[tuple[str, int, int]] = []
    try:
        for name, data in uploads:
            try:
                stored.append(images.save_photo(data, KIND))
            except images.ImageRejected as exc:
                raise Invalid(f"{name or 'A file'}: {exc}", "photos") from None
    except BaseException:
        forget_photos([s[0] for s in stored])
        raise
    return stored


def forget_photos(names: list[str]) -> None:
    for name in names:
        images.remove_photo(name, KIND)


def _add_rows(trade_in_id: int, stored: list[tuple[str, int, int]]) -> None:
    """The rows of stored photos (inside the transaction holding the trade-in's lock); Invalid when the six
    positions fill up meanwhile (the caller removes the files)."""
    for name, width, height in stored:
        if db.optional("tradeins.add_photo", trade_in_id=trade_in_id, file=name, width=width, height=height) is None:
            raise Invalid(f"A trade-in holds at most {MAX_PHOTOS} photos.", "photos")


# -- reading -------------------------------------------------------------------------------------------------------


def side_of(row: Mapping[str, Any], actor: Actor) -> str | None:
    if actor.user_id == row["buyer_id"]:
        return "buyer"
    if actor.user_id == row["seller_id"]:
        return "seller"
    return None


def for_viewer(trade_in_id: int, *, actor: Actor) -> dict[str, Any]:
    """A trade-in with its car, people and photos, for its buyer, its seller or an admin; NotFound for anyone else.
    ``side`` says which of the two the actor is (None for an admin)."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    row = db.optional(
        "tradeins.trade_in_for_viewer", trade_in_id=trade_in_id, user_id=actor.user_id, is_admin=actor.is_admin
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    row = dict(row)
    row["side"] = side_of(row, actor)
    row["photos"] = db.all("tradeins.photos", trade_in_id=trade_in_id)
    return row


def photo_file(trade_in_id: int, name: str, *, actor: Actor) -> str:
    """The base name of a trade-in photo its buyer, seller or an admin may see; NotFound for anyone else."""
    if actor.user_id is None or not images.PHOTO_NAME.fullmatch(name):
        raise NotFound("No such photo.")
    row = db.optional(
        "tradeins.photo_for_viewer",
        trade_in_id=trade_in_id,
        file=name,
        user_id=actor.user_id,
        is_admin=actor.is_admin,
    )
    if row is None:
        raise NotFound("No such photo.")
    return str(row["file"])


def panel(conversation: Mapping[str, Any] | int, *, actor: Actor) -> dict[str, Any]:
    """What a conversation page (or an order page) shows of the conversation's trade-ins to one of its members: the
    trade-ins newest first and whether this member may describe one now. ``conversation``: the conversation page's
    row (with ``role`` and ``trade_ins``, read by messages.conversation_page: no query here) or an id (then read
    here; NotFound for non-members)."""
    if isinstance(conversation, Mapping) and "trade_ins" in conversation:
        conversation_id, role = int(conversation["id"]), str(conversation["role"])
        rows = [
            {**row, "offer_amount": None if row["offer_amount"] is None else Decimal(row["offer_amount"])}
            for row in conversation["trade_ins"]
        ]
    else:
        conversation_id = int(conversation["id"] if isinstance(conversation, Mapping) else conversation)
        role = conversations.membership(conversation_id, actor=actor)["role"]
        rows = db.all("tradeins.of_conversation", conversation_id=conversation_id)
    shown = [
        {
            **row,
            "title": title_of(row),
            "status_label": STATUS_LABELS[row["status"]],
            "condition_label": CONDITIONS[row["condition"]],
            "waiting_for": _waiting_for(row["status"]),
            "my_turn": _waiting_for(row["status"]) == role,
        }
        for row in rows
    ]
    return {
        "conversation_id": conversation_id,
        "role": role,
        "trade_ins": shown,
        "can_describe": role == "buyer" and not any(r["status"] in LIVE for r in rows),
    }


def _waiting_for(status: str) -> str | None:
    return {"open": "seller", "offered": "buyer"}.get(status)


# -- describing ----------------------------------------------------------------------------------------------------


def describe(
    conversation_id: int,
    description: Description,
    uploads: list[tuple[str, bytes]],
    *,
    actor: Actor,
    order_id: int | None = None,
) -> dict[str, Any]:
    """The buyer of a conversation describes a car to trade in, with up to six photos; the new trade-in. Notes it in
    the conversation and tells the seller. NotFound for non-members; Conflict for the seller, a car no longer for
    sale, a block or a live trade-in in the conversation; Invalid or TooLarge for a bad photo (then nothing is
    stored)."""
    conversation = conversations.membership(conversation_id, actor=actor)
    if conversation["role"] != "buyer":
        raise Conflict(ONLY_BUYER)
    if not db.scalar("tradeins.car_for_sale", car_id=conversation["car_id"]):
        raise Conflict(NOT_FOR_SALE)
    if db.optional("tradeins.live_of_conversation", conversation_id=conversation_id):
        raise Conflict(OPEN)  # before decoding any photo; the unique index decides a race
    stored = store_photos(uploads, MAX_PHOTOS)
    try:
        with db.transaction():
            try:
                row = db.optional(
                    "tradeins.insert_trade_in",
                    conversation_id=conversation_id,
                    order_id=order_id,
                    user_id=actor.user_id,
                    make=description.make,
                    model=description.model,
                    year=description.year,
                    mileage_km=description.mileage_km,
                    condition=description.condition,
                    notes=description.notes,
                )
            except UniqueViolation as exc:
                if exc.constraint == "trade_ins_one_live_key":
                    raise Conflict(OPEN) from exc
                raise
            if row is None:
                raise Conflict(conversations.BLOCKED)
            _add_rows(row["id"], stored)
            photos = f" ({len(stored)} photo{'s' if len(stored) != 1 else ''})" if stored else ""
            body = (
                f"Trade-in offered: {description.title}, {numbers.distance(description.mileage_km)}, "
                f"{CONDITIONS[description.condition].lower()} condition{photos}."
            )
            if description.notes:
                body += f"\n“{description.notes}”"
            conversations.post_system(conversation_id, body)
            _tell(conversation["seller_id"], "A buyer offers a car in part exchange", body, row["id"])
    except BaseException:
        forget_photos([s[0] for s in stored])
        raise
    return dict(row)


def describe_on_order(
    order_id: int, description: Description, uploads: list[tuple[str, bytes]], *, actor: Actor
) -> dict[str, Any]:
    """``describe`` on the buyer's reservation: in the order's conversation, remembering the order. NotFound for
    anyone but the order's buyer; Conflict for an order that is cancelled or completed or has no conversation."""
    if actor.user_id is None:
        raise NotFound("No such order.")
    order = db.optional("tradeins.order_for_buyer", order_id=order_id, user_id=actor.user_id)
    if order is None:
        raise NotFound("No such order.")
    if order["status"] not in ("pending", "accepted"):
        raise Conflict(f"This reservation is {order['status']}: a trade-in can no longer be added to it.")
    if order["conversation_id"] is None:
        raise Conflict("This reservation has no conversation with the seller yet; write to the seller first.")
    return describe(order["conversation_id"], description, uploads, actor=actor, order_id=order_id)


def conversation_of_order(order_id: int, *, actor: Actor) -> int:
    """The conversation a trade-in described on this order goes to; NotFound for anyone but the order's buyer."""
    if actor.user_id is None:
        raise NotFound("No such order.")
    order = db.optional("tradeins.order_for_buyer", order_id=order_id, user_id=actor.user_id)
    if order is None:
        raise NotFound("No such order.")
    if order["conversation_id"] is None:
        raise Conflict("This reservation has no conversation with the seller yet; write to the seller first.")
    return int(order["conversation_id"])


# -- moves ---------------------------------------------------------------------------------------------------------


def _locked(trade_in_id: int, actor: Actor, side: str) -> dict[str, Any]:
    """The trade-in locked for a move by ``side``; NotFound for non-members, Conflict for the other side."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    row = db.optional("tradeins.lock_trade_in_for_member", trade_in_id=trade_in_id, user_id=actor.user_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    if side_of(row, actor) != side:
        if side == "seller":
            raise Conflict("Only the seller makes an offer for a trade-in.")
        raise Conflict("Only the buyer who offered this car changes it or answers the offer.")
    return dict(row)


def _refuse_unless(row: Mapping[str, Any], statuses: tuple[str, ...], what: str) -> None:
    if row["status"] not in statuses:
        raise Conflict(f"This trade-in is {STATUS_LABELS[row['status']].lower()}: {what}.")


def add_photos(trade_in_id: int, uploads: list[tuple[str, bytes]], *, actor: Actor) -> int:
    """The buyer adds photos to an open or offered trade-in (up to six in all); how many were added. All or none:
    Invalid or TooLarge when one is refused or they do not fit."""
    if not uploads:
        raise Invalid("Choose one or more photos to add.", "photos")
    with db.transaction():  # only to read the state and the room once; the files are made outside any lock
        row = _locked(trade_in_id, actor, "buyer")
        _refuse_unless(row, ("open", "offered"), "its photos can no longer change")
        room = MAX_PHOTOS - len(db.all("tradeins.photos", trade_in_id=trade_in_id))
    stored = store_photos(uploads, room)
    try:
        with db.transaction():
            row = _locked(trade_in_id, actor, "buyer")
            _refuse_unless(row, ("open", "offered"), "its photos can no longer change")
            _add_rows(trade_in_id, stored)
            count = len(stored)
            photos = f"{count} photo{'s' if count != 1 else ''}"
            body = f"{row['buyer_name']} added {photos} of the trade-in {title_of(row)}."
            conversations.post_system(row["conversation_id"], body)
            _tell(row["seller_id"], "New photos of a trade-in", body, trade_in_id)
    except BaseException:
        forget_photos([s[0] for s in stored])
        raise
    return len(stored)


def remove_photo(trade_in_id: int, photo_id: int, *, actor: Actor) -> None:
    """The buyer removes a photo of an open or offered trade-in; NotFound for a photo it does not have."""
    with db.transaction():
        row = _locked(trade_in_id, actor, "buyer")
        _refuse_unless(row, ("open", "offered"), "its photos can no longer change")
        removed = db.optional("tradeins.delete_photo", trade_in_id=trade_in_id, photo_id=photo_id)
        if removed is None:
            raise NotFound("No such photo.")
        conversations.post_system(
            row["conversation_id"], f"{row['buyer_name']} removed a photo of the trade-in {title_of(row)}."
        )
    forget_photos([removed["file"]])


def record_offer(trade_in_id: int, amount: Decimal, note: str | None, *, actor: Actor) -> dict[str, Any]:
    """The seller offers ``amount`` for the car (a new offer, or a revised one while not accepted, also after the
    buyer declined); tells the buyer. Conflict for the buyer, a block, an accepted or withdrawn trade-in."""
    text = _text(note, "note", "note", NOTE_MAX)
    with db.transaction():
        row = _locked(trade_in_id, actor, "seller")
        if row["blocked"]:
            raise Conflict(conversations.BLOCKED)
        _refuse_unless(row, ("open", "offered", "declined"), "no offer can be made any more")
        changed = db.optional("tradeins.record_offer", trade_in_id=trade_in_id, amount=amount, note=text)
        if changed is None:
            raise Conflict("This trade-in changed meanwhile; reload the page.")
        revised = row["status"] != "open"
        verb = "revised the offer" if revised else "offered"
        body = f"{row['seller_name']} {verb} {numbers.money(amount)} for the trade-in {title_of(row)}."
        if text:
            body += f"\n“{text}”"
        conversations.post_system(row["conversation_id"], body)
        _tell(row["buyer_id"], "An offer for your trade-in", body, trade_in_id)
    return {**row, **changed}


def accept(trade_in_id: int, *, actor: Actor) -> dict[str, Any]:
    """The buyer accepts the seller's offer; Conflict without one, or when one has blocked the other."""
    return _decide(trade_in_id, "accepted", actor)


def decline(trade_in_id: int, *, actor: Actor) -> dict[str, Any]:
    """The buyer declines the seller's offer (the seller may make another)."""
    return _decide(trade_in_id, "declined", actor)


def withdraw(trade_in_id: int, *, actor: Actor) -> dict[str, Any]:
    """The buyer takes the car back: an open, offered or accepted trade-in (not once its order is completed)."""
    return _decide(trade_in_id, "withdrawn", actor)


def _decide(trade_in_id: int, status: str, actor: Actor) -> dict[str, Any]:
    with db.transaction():
        row = _locked(trade_in_id, actor, "buyer")
        title = title_of(row)
        if status == "withdrawn":
            _refuse_unless(row, LIVE, "there is nothing to withdraw")
            if row["order_id"] is not None and db.scalar("tradeins.order_completed", order_id=row["order_id"]):
                raise Conflict("The sale is completed: the trade-in is part of it and can no longer be withdrawn.")
            body = f"{row['buyer_name']} withdrew the trade-in {title}."
            headline = "A trade-in was withdrawn"
        else:
            _refuse_unless(row, ("offered",), "there is no offer to answer")
            if status == "accepted" and row["blocked"]:
                raise Conflict(conversations.BLOCKED)
            word = "accepted" if status == "accepted" else "declined"
            body = f"{row['buyer_name']} {word} the offer of {numbers.money(row['offer_amount'])} for {title}."
            headline = f"Your trade-in offer was {word}"
        changed = db.optional(
            "tradeins.decide",
            trade_in_id=trade_in_id,
            status=status,
            from_statuses=list(LIVE) if status == "withdrawn" else ["offered"],
        )
        if changed is None:
            raise Conflict("This trade-in changed meanwhile; reload the page.")
        conversations.post_system(row["conversation_id"], body)
        _tell(row["seller_id"], headline, body, trade_in_id)
    return {**row, **changed}


# -- telling -------------------------------------------------------------------------------------------------------


def path(trade_in_id: int) -> str:
    return f"/trade-ins/{trade_in_id}"


def _tell(user_id: int, title: str, body: str, trade_in_id: int) -> None:
    """Tell the other side in the site and by mail, as their notification settings for trade-ins say."""
    notify_many(
        "trade_in",
        [Notice(user_id, title, url=path(trade_in_id), body=body[:4000], mail_template="trade_in")],
    )
