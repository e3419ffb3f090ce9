"""Reading orders: one order's page for its parties, a buyer's orders ("My orders") and a seller's ("Sales")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import Invalid, NotFound
from ..domain.paging import keyset_page
from .reservations import NOT_FOUND, SHORT_LABELS, STATUS_LABELS

PAGE_SIZE = 20
STATUSES = ("pending", "accepted", "completed", "cancelled")
EVENT_LABELS = {
    "reserved": "Reserved",
    "accepted": "Accepted by the seller",
    "completed": "Sale completed",
    "cancelled": "Cancelled",
    "lapsed": "Lapsed: the hold ended unsold",
    "sold_elsewhere": "Cancelled: the seller sold the car elsewhere",
    "scenario_added": "Payment option added",
    "scenario_chosen": "Payment option chosen",
    "scenario_removed": "Payment option removed",
    "details_changed": "Details changed",
    "document_added": "Document added",
}
SCENARIOS_MAX = 6


def page(order_id: int, *, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """An order as its page shows it to one of its parties (or an admin): the order, car, people, timeline, payment
    options and documents, with the moves open to this side. NotFound for anyone else (ids cannot be probed)."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    order = db.optional("orders.page", order_id=order_id, user_id=actor.user_id, is_admin=actor.is_admin)
    if order is None:
        raise NotFound(NOT_FOUND)
    now = now or datetime.now(UTC)
    side = (
        "buyer" if actor.user_id == order["buyer_id"] else "seller" if actor.user_id == order["seller_id"] else "admin"
    )
    status = order["status"]
    is_open = status in ("pending", "accepted")
    for scenario in order["scenarios"]:  # numbers from JSON come as floats: shown as the Decimals they were
        for key in ("price", "deposit", "apr", "monthly_payment", "total_interest", "total_payable"):
            if scenario[key] is not None:
                scenario[key] = Decimal(str(scenario[key]))
    for event in order["events"]:
        event["label"] = EVENT_LABELS.get(event["event"], event["event"])
        event["at"] = datetime.fromisoformat(event["at"])
        if event["actor_id"] is None:
            event["who"] = "carsite"
        elif event["actor_id"] == order["buyer_id"]:
            event["who"] = "You" if side == "buyer" else order["buyer_account_name"]
        elif event["actor_id"] == order["seller_id"]:
            event["who"] = "You" if side == "seller" else order["seller_account_name"]
        else:
            event["who"] = "A moderator"
    return {
        **order,
        "side": side,
        "status_label": STATUS_LABELS[status],
        "short_label": SHORT_LABELS[status],
        "is_open": is_open,
        "can_accept": side == "seller" and status == "pending",
        "can_complete": side == "seller" and is_open,
        "can_cancel": is_open,
        "can_edit_scenarios": side in ("buyer", "seller") and is_open,
        "scenarios_full": len(order["scenarios"]) >= SCENARIOS_MAX,
        "hours_left": max(0, int((order["reserved_until"] - now).total_seconds() // 3600))
        if order["reserved_until"]
        else None,
        "other_name": order["seller_account_name"] if side == "buyer" else order["buyer_account_name"],
    }


def status_filter(raw: str | None) -> str | None:
    if raw in (None, "", "all"):
        return None
    if raw not in STATUSES:
        raise Invalid("Unknown status.", "status")
    return raw


def listing(side: str, status: str | None, cursor: str | None, *, actor: Actor) -> dict[str, Any]:
    """One page of the actor's orders as buyer (``side`` "buyer") or seller ("seller"), newest first, optionally of
    one status, with the count per status for the filter."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    query = "orders.bought" if side == "buyer" else "orders.sold"
    rows, next_cursor = keyset_page(query, cursor, PAGE_SIZE, user_id=actor.user_id, status=status)
    counts = {r["status"]: r["n"] for r in db.all(f"{query}_counts", user_id=actor.user_id)}
    for row in rows:
        row["status_label"] = SHORT_LABELS[row["status"]]
    return {
        "rows": rows,
        "next_cursor": next_cursor,
        "counts": counts,
        "total": sum(counts.values()),
        "status": status,
    }
