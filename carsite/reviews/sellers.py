"""The public seller page: who the seller is, their rating, what buyers wrote (with the seller's replies), how they
answer buyers, and their cars for sale.

Shown for an active account that sells (role seller or admin) or has something to show (reviews, cars listed or
reserved); NotFound for an unknown, deleted or deactivated account and for a buyer with nothing to show. Three
queries: the profile with its figures (one statement), a page of reviews, the newest cars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import NotFound

NOT_FOUND = "No such seller."
REVIEWS_PAGE = 10
CARS_SHOWN = 6
CARS_PAGE = 24
ANSWER_DAYS = 90
# Below this many conversations in ANSWER_DAYS the figures say more about chance than about the seller.
ANSWER_MIN_CONVERSATIONS = 3


@dataclass(frozen=True)
class Answers:
    """How a seller answers buyers over the last ANSWER_DAYS days."""

    conversations: int
    answered: int
    median_seconds: float | None

    @property
    def shown(self) -> bool:
        return self.conversations >= ANSWER_MIN_CONVERSATIONS

    @property
    def rate_percent(self) -> int:
        return round(100 * self.answered / self.conversations) if self.conversations else 0

    @property
    def typical(self) -> str | None:
        """The median time to a first answer in words ("within an hour", "about 5 hours", "about 2 days")."""
        if self.median_seconds is None:
            return None
        return duration_words(self.median_seconds)


def duration_words(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 60:
        return "within an hour"
    hours = round(minutes / 60)
    if hours < 24:
        return "about an hour" if hours == 1 else f"about {hours} hours"
    days = round(hours / 24)
    return "about a day" if days == 1 else f"about {days} days"


def profile(seller_id: int) -> dict[str, Any]:
    """The seller's profile row with ``answers`` (Answers) and ``distribution`` ([(stars, count, percent)], 5 to 1);
    NotFound when the page is not shown (see the module's doc)."""
    row = db.optional("reviews.seller_profile", seller_id=seller_id, days=ANSWER_DAYS)
    if row is None:
        raise NotFound(NOT_FOUND)
    if row["role"] == "user" and not row["review_count"] and not row["car_count"]:
        raise NotFound(NOT_FOUND)
    count = int(row["review_count"])
    distribution = [
        (stars, int(row[f"stars_{stars}"]), round(100 * int(row[f"stars_{stars}"]) / count) if count else 0)
        for stars in (5, 4, 3, 2, 1)
    ]
    answers = Answers(
        int(row["conversations"]),
        int(row["answered"]),
        float(row["median_seconds"]) if row["median_seconds"] is not None else None,
    )
    return {**row, "answers": answers, "distribution": distribution}


def page(seller_id: int, before_id: int | None, *, actor: Actor) -> dict[str, Any]:
    """Everything the seller page shows: ``seller`` (see profile), one page of ``reviews`` before ``before_id``
    with ``next_before`` (None on the last page), the newest ``cars`` and whether the page is the actor's own
    (``own``: the seller sees reply forms)."""
    seller = profile(seller_id)
    reviews = db.all("reviews.seller_reviews", seller_id=seller_id, before_id=before_id, limit=REVIEWS_PAGE + 1)
    more = len(reviews) > REVIEWS_PAGE
    reviews = reviews[:REVIEWS_PAGE]
    cars = db.all("reviews.seller_cars", seller_id=seller_id, before_id=None, limit=CARS_SHOWN)
    return {
        "seller": seller,
        "reviews": reviews,
        "next_before": reviews[-1]["id"] if more else None,
        "cars": cars,
        "own": actor.user_id == seller_id,
    }


def cars(seller_id: int, before_id: int | None) -> tuple[dict[str, Any], list[dict[str, Any]], int | None]:
    """The seller (see profile) and one page of their listed and reserved cars, newest first, before ``before_id``,
    with the id to continue before (None on the last page)."""
    seller = profile(seller_id)
    rows = db.all("reviews.seller_cars", seller_id=seller_id, before_id=before_id, limit=CARS_PAGE + 1)
    more = len(rows) > CARS_PAGE
    rows = rows[:CARS_PAGE]
    return seller, rows, rows[-1]["id"] if more else None
