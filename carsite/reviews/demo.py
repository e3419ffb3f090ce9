"""Demo data: a few completed sales of the demo seller, reviewed by their buyers and answered by the seller, so the
seller page shows the feature. The orders go in with one query (``reviews.insert_demo_orders``: the 0046 columns of a
completed order and the seller's deal counter); the reviews and replies through the use cases, as people would."""

from __future__ import annotations

from .. import db
from ..domain.actor import Actor
from . import reviews

# (buyer: index into the buyer ids given, days since the sale, rating, review, the seller's reply or None)
SALES = [
    (
        0,
        40,
        5,
        "Sam answered every question within the hour and the car was exactly as described. The handover took "
        "twenty minutes, papers ready.",
        "Thank you, Bea! Enjoy the car, and drive safely.",
    ),
    (
        1,
        18,
        4,
        "Honest about the small scratch on the rear bumper, fair price. Viewing had to be moved once, but Sam "
        "let me know in good time.",
        None,
    ),
    (
        0,
        5,
        5,
        "Second car bought from Sam: just as smooth as the first. Recommended.",
        "Always a pleasure. See you for the next one!",
    ),
]


def create(seller_id: int, buyer_ids: list[int]) -> int:
    """Completed sales of some of the seller's cars to the buyers, each reviewed (and most answered); how many
    reviews were made (0 when the seller has reviews already, or too few cars or buyers)."""
    if not buyer_ids or db.all("reviews.seller_reviews", seller_id=seller_id, before_id=None, limit=1):
        return 0
    cars = [row["id"] for row in db.all("reviews.demo_cars_to_sell", seller_id=seller_id, limit=len(SALES))]
    if len(cars) < len(SALES):
        return 0
    buyers = [buyer_ids[n % len(buyer_ids)] for n, *_ in SALES]
    orders = db.all(
        "reviews.insert_demo_orders",
        seller_id=seller_id,
        car_ids=cars,
        buyer_ids=buyers,
        days_ago=[days for _, days, *_ in SALES],
    )
    seller = Actor(user_id=seller_id, role="seller", email_verified=True)
    made = 0
    for order, (_, days, rating, text, answer) in zip(orders, SALES, strict=True):
        buyer = Actor(user_id=order["buyer_id"], role="user", email_verified=True)
        review_id = reviews.write("order", order["id"], str(rating), text, actor=buyer)
        if answer:
            reviews.reply(review_id, answer, actor=seller)
        db.one("reviews.backdate_review", review_id=review_id, days_ago=max(days - 1, 1))
        made += 1
    return made
