"""Demo data: the demo buyer's orders, made through the use cases as the buyer and sellers would: one waiting for
the seller, one accepted with two payment options, one completed with its bill of sale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from .. import db
from ..domain.actor import Actor
from ..domain.errors import DomainError
from . import reservations, scenarios

# (seller index, car index among the seller's listed cars, how far it goes)
PLANS = [(0, 6, "pending"), (0, 7, "accepted"), (1, 5, "completed")]
ADDRESS = "Musterstraße 12\n10115 Berlin"


def create(buyer_id: int, seller_ids: list[int]) -> list[int]:
    """The demo buyer's orders (see PLANS), unless the buyer has orders already; the ids of the orders made."""
    if db.all("orders.bought", user_id=buyer_id, status=None, after_created_at=None, after_id=None, limit=1):
        return []
    buyer = Actor(user_id=buyer_id, role="user", email_verified=True)
    made: list[int] = []
    for seller_index, car_index, goal in PLANS:
        if seller_index >= len(seller_ids):
            continue
        seller_id = seller_ids[seller_index]
        seller = Actor(user_id=seller_id, role="seller", email_verified=True)
        cars = db.all("seed.demo_notification_cars", seller_id=seller_id, limit=car_index + 1)
        if len(cars) <= car_index:
            continue
        message = "I would like to pick it up next week." if goal == "pending" else ""
        try:
            order = reservations.reserve(
                cars[car_index]["id"],
                str(uuid.uuid4()),
                reservations.BuyerDetails("Bea Buyer", ADDRESS, "+49 30 5550 9876", message),
                actor=buyer,
            )
            if goal in ("accepted", "completed"):
                reservations.act(order["id"], "accept", {"key": str(uuid.uuid4())}, actor=seller)
            if goal == "accepted":
                scenarios.add(order["id"], {"kind": "cash"}, actor=buyer)
                scenarios.add(
                    order["id"], {"kind": "finance", "deposit": "3000", "apr": "5.9", "term": "48"}, actor=buyer
                )
            if goal == "completed":
                seller_name = db.scalar("orders.account_name", user_id=seller_id)
                reservations.act(
                    order["id"],
                    "complete",
                    {
                        "key": str(uuid.uuid4()),
                        "final_price": str(order_price(order["id"]) - 500),
                        "sale_date": datetime.now(UTC).date().isoformat(),
                        "buyer_name": "Bea Buyer",
                        "buyer_address": ADDRESS,
                        "seller_name": seller_name,
                        "seller_address": "Autohaus Straße 3\n10117 Berlin",
                    },
                    actor=seller,
                )
        except DomainError:
            continue
        made.append(int(order["id"]))
    return made


def order_price(order_id: int) -> int:
    return int(db.scalar("orders.asking_price", order_id=order_id))
