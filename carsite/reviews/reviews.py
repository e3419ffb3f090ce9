"""Writing, changing, answering and hiding reviews of sellers.

Who may review: the buyer of a completed order (``/orders/<id>/review``) or of a held test drive
(``/test-drives/<id>/review``); anyone else gets NotFound (the seller too: an order is never theirs to review), and
the buyer of an order or drive that has not got there yet (pending, cancelled, a no-show) gets Forbidden with the
reason. A second review of the same order, drive, or buyer and car is a Conflict: the database's unique indexes
decide, so two POSTs at once make one review. Rating 1 to 5 and a text of at most BODY_MAX characters (plain text,
escaped wherever shown), both checked here and by the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from .. import db
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..messages import conversations
from ..notifications import notify

BODY_MAX = 2000
REPLY_MAX = 2000
REASON_MAX = 500
ADMIN_PAGE = 50
NOT_FOUND = "No such review."
ORDER_NOT_FOUND = "No such order."
DRIVE_NOT_FOUND = "No such test drive."
ALREADY = "You have reviewed this seller for this car already. You can change your review for a few days."
TOO_LATE = "This review can no longer be changed: reviews can be changed for {days} days after they are written."
REPLIED = "You have replied to this review already: a review gets one reply."
RATINGS = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class Target:
    """What a review would be about: an order or a held drive of the acting buyer."""

    source: str  # "order" or "test_drive"
    id: int
    seller_id: int
    seller_name: str
    car_id: int
    car_title: str
    review_id: int | None

    @property
    def order_id(self) -> int | None:
        return self.id if self.source == "order" else None

    @property
    def test_drive_id(self) -> int | None:
        return self.id if self.source == "test_drive" else None


def edit_days() -> int:
    return int(current_app.config["REVIEW_EDIT_DAYS"])


def clean_rating(raw: Any) -> int:
    """The rating as stored; Invalid unless it is one of 1 to 5."""
    value = raw.strip() if isinstance(raw, str) else raw
    if value not in RATINGS:
        raise Invalid("Choose a rating from 1 to 5 stars.", "rating")
    return int(value)


def clean_body(raw: str | None, *, field: str = "body", label: str = "review", limit: int = BODY_MAX) -> str:
    """A review, reply or reason as stored (cleaned like a message: no control characters, valid UTF-8, trimmed);
    Invalid for empty, too long or unsendable text."""
    too_long = Invalid(f"The {label} is too long: at most {limit:,} characters.", field)
    if len(raw or "") > limit + 1000:  # refused before scanning it (whitespace around it is trimmed, not counted)
        raise too_long
    text = conversations.clean_text(raw, field=field, label=label, required=True)
    if len(text) > limit:
        raise too_long
    return text


# -- who may review what -------------------------------------------------------------------------------------------


def order_target(order_id: int, *, actor: Actor) -> Target:
    """The completed order of the acting buyer a review would be about; NotFound for anyone else (the seller too),
    Forbidden while the order is not completed (or was cancelled), NotFound when the seller's account is gone."""
    if actor.user_id is None:
        raise NotFound(ORDER_NOT_FOUND)
    row = db.optional("reviews.order_to_review", order_id=order_id, user_id=actor.user_id)
    if row is None or row["seller_gone"]:
        raise NotFound(ORDER_NOT_FOUND)
    if row["status"] == "cancelled":
        raise Forbidden("This order was cancelled: only a completed purchase can be reviewed.")
    if row["status"] != "completed":
        raise Forbidden("You can review the seller once the sale is completed.")
    return _target("order", row)


def drive_target(drive_id: int, *, actor: Actor) -> Target:
    """The held test drive of the acting buyer a review would be about; NotFound for anyone else (the seller too),
    Forbidden while the drive has not been marked held by the seller."""
    if actor.user_id is None:
        raise NotFound(DRIVE_NOT_FOUND)
    row = db.optional("reviews.drive_to_review", drive_id=drive_id, user_id=actor.user_id)
    if row is None or row["seller_gone"]:
        raise NotFound(DRIVE_NOT_FOUND)
    if row["status"] != "held":
        raise Forbidden("You can review the seller once the seller has marked the test drive as held.")
    return _target("test_drive", row)


def _target(source: str, row: Mapping[str, Any]) -> Target:
    return Target(
        source,
        int(row["id"]),
        int(row["seller_id"]),
        row["seller_name"],
        int(row["car_id"]),
        row["car_title"],
        row["review_id"],
    )


def target(source: str, source_id: int, *, actor: Actor) -> Target:
    if source == "order":
        return order_target(source_id, actor=actor)
    return drive_target(source_id, actor=actor)


# -- writing -------------------------------------------------------------------------------------------------------


def write(source: str, source_id: int, rating: Any, body: str | None, *, actor: Actor) -> int:
    """The acting buyer reviews the seller of a completed order or held drive (see ``target``); the review's id.
    Invalid for a bad rating or text, Conflict when this order, drive or car has a review of theirs already
    (nothing stored). The seller is told ("New review", kind ``review``)."""
    about = target(source, source_id, actor=actor)
    if about.review_id is not None:
        raise Conflict(ALREADY)
    stars, text = clean_rating(rating), clean_body(body)
    with db.transaction():
        row = db.optional(
            "reviews.insert_review",
            seller_id=about.seller_id,
            author_id=actor.user_id,
            car_id=about.car_id,
            car_title=about.car_title,
            order_id=about.order_id,
            test_drive_id=about.test_drive_id,
            source=source,
            rating=stars,
            body=text,
        )
        if row is None:
            raise Conflict(ALREADY)
        review_id = int(row["id"])
        notify(
            about.seller_id,
            "review",
            title=f"New review: {stars} {'star' if stars == 1 else 'stars'} for {about.car_title}",
            url=seller_anchor(about.seller_id, review_id),
            body=text[:500],
            mail_template="review",
        )
    return review_id


def for_author(review_id: int, *, actor: Actor) -> dict[str, Any]:
    """A review the actor wrote, with ``editable`` and ``editable_until``; NotFound for anyone else."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    row = db.optional("reviews.review_for_author", review_id=review_id, user_id=actor.user_id, edit_days=edit_days())
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def edit(review_id: int, rating: Any, body: str | None, *, actor: Actor) -> dict[str, Any]:
    """The author changes a review within REVIEW_EDIT_DAYS of writing it; the review (id, seller_id). NotFound for
    anyone else, Conflict when it is too late or the review was hidden, Invalid for bad input."""
    current = for_author(review_id, actor=actor)
    if not current["editable"]:
        if current["hidden_at"] is not None:
            raise Conflict("This review was hidden by our moderators and can no longer be changed.")
        raise Conflict(TOO_LATE.format(days=edit_days()))
    stars, text = clean_rating(rating), clean_body(body)
    row = db.optional(
        "reviews.update_review",
        review_id=review_id,
        user_id=actor.user_id,
        rating=stars,
        body=text,
        edit_days=edit_days(),
    )
    if row is None:  # the window closed or an admin hid it meanwhile
        raise Conflict(TOO_LATE.format(days=edit_days()))
    return row


def reply(review_id: int, body: str | None, *, actor: Actor) -> dict[str, Any]:
    """The seller's one reply to a visible review of them; the review (id, author_id, seller_id, car_title).
    NotFound for anyone else's review (and a hidden one), Conflict for a second reply, Invalid for bad text. The
    author is told."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    current = db.optional("reviews.review_for_seller", review_id=review_id, user_id=actor.user_id)
    if current is None or current["hidden_at"] is not None:
        raise NotFound(NOT_FOUND)
    if current["reply"] is not None:
        raise Conflict(REPLIED)
    text = clean_body(body, field="reply", label="reply", limit=REPLY_MAX)
    with db.transaction():
        row = db.optional("reviews.reply_to_review", review_id=review_id, user_id=actor.user_id, reply=text)
        if row is None:
            raise Conflict(REPLIED)
        if row["author_id"] is not None:
            notify(
                row["author_id"],
                "review",
                title=f"The seller replied to your review of {row['car_title']}",
                url=seller_anchor(row["seller_id"], review_id),
                body=text[:500],
                mail_template="review",
            )
    return row


# -- moderation ----------------------------------------------------------------------------------------------------


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins moderate reviews.")


def recent(before_id: int | None = None, *, actor: Actor) -> tuple[list[dict[str, Any]], int | None]:
    """The newest reviews (hidden ones too) for the admins' list, ADMIN_PAGE at a time before ``before_id``, and the
    id to continue before (None on the last page). Forbidden for non-admins."""
    _admin(actor)
    rows = db.all("reviews.recent_reviews", before_id=before_id, limit=ADMIN_PAGE + 1)
    more = len(rows) > ADMIN_PAGE
    rows = rows[:ADMIN_PAGE]
    return rows, rows[-1]["id"] if more else None


def hide(review_id: int, reason: str | None, *, actor: Actor) -> dict[str, Any]:
    """An admin hides an abusive review with a reason: it leaves the seller's page and rating, the action is
    audited and the author is told why (in the site and by mail). Forbidden for non-admins, Invalid without a
    reason, NotFound when there is no such visible review (another admin hid it)."""
    _admin(actor)
    text = clean_body(reason, field="reason", label="reason", limit=REASON_MAX)
    with db.transaction():
        row = db.optional("reviews.hide_review", review_id=review_id, admin_id=actor.user_id, reason=text)
        if row is None:
            raise NotFound("This review is hidden already or no longer there.")
        audit.record(
            "review.hide",
            actor=actor,
            subject_id=row["author_id"],
            review_id=review_id,
            seller_id=row["seller_id"],
            rating=row["rating"],
            reason=text,
        )
        if row["author_id"] is not None:
            notify(
                row["author_id"],
                "review",
                title=f"Your review of the seller of {row['car_title']} was hidden",
                url=None,
                body=f"Our moderators hid it: {text}",
                mail_template="review",
            )
    return row


# -- links ---------------------------------------------------------------------------------------------------------


def seller_anchor(seller_id: int, review_id: int) -> str:
    return f"/sellers/{seller_id}#review-{review_id}"


def prompt(order: Mapping[str, Any], *, actor: Actor) -> dict[str, Any] | None:
    """What an order page offers its buyer about reviewing (``review_prompt(order)`` in templates): None unless the
    actor is the buyer of this completed order; else ``{"url", "label", "reviewed"}``: the form to write the review,
    or the link to change it (within REVIEW_EDIT_DAYS) or to see it on the seller's page. One query."""
    if actor.user_id is None or order.get("status") != "completed" or order.get("buyer_id") != actor.user_id:
        return None
    found = db.optional(
        "reviews.review_of_order", order_id=order["id"], user_id=actor.user_id, car_id=order.get("car_id")
    )
    if found is None:
        return {"url": f"/orders/{order['id']}/review", "label": "Review the seller", "reviewed": False}
    return {"url": f"/reviews/{found['id']}/edit", "label": "Your review of the seller", "reviewed": True}
