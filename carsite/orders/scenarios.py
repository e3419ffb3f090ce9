"""Payment scenarios of an order (seed 004's deal scenarios): cash, or finance with deposit, APR and term, figured
by ``carsite.finance.loans``. Either party adds them while the order is open (at most SCENARIOS_MAX), one is chosen
(the first, until another is), and the chosen one is printed on the bill of sale."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import current_app

from .. import db
from ..domain.actor import Actor
from ..domain.errors import Conflict, Invalid, NotFound
from ..finance import loans
from .lists import SCENARIOS_MAX
from .reservations import NOT_FOUND, SHORT_LABELS

KINDS = ("cash", "finance")


def _order(order_id: int, actor: Actor) -> dict[str, Any]:
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    order = db.optional("orders.lock_for_party", order_id=order_id, user_id=actor.user_id, is_admin=False)
    if order is None:
        raise NotFound(NOT_FOUND)
    if order["status"] not in ("pending", "accepted"):
        raise Conflict(f"This order is {SHORT_LABELS[order['status']].lower()}: its payment options are final.")
    return order


def add(order_id: int, form: Mapping[str, Any], *, actor: Actor) -> dict[str, Any]:
    """Add a payment scenario to an open order of the actor's; the new row. Invalid for bad figures, Conflict for a
    closed order or one with SCENARIOS_MAX already."""
    kind = form.get("kind")
    if kind not in KINDS:
        raise Invalid("Choose cash or finance.", "kind")
    with db.transaction():
        order = _order(order_id, actor)
        if db.scalar("orders.count_scenarios", order_id=order_id) >= SCENARIOS_MAX:
            raise Conflict(f"An order has at most {SCENARIOS_MAX} payment options: remove one first.")
        price = Decimal(order["final_price"])
        if kind == "cash":
            figures: dict[str, Any] = {
                "deposit": Decimal(0),
                "apr": None,
                "term_months": None,
                "monthly_payment": None,
                "total_interest": None,
                "total_payable": price,
            }
        else:
            _values, quote, errors = loans.parse_terms(
                {k: str(form.get(k) or "") for k in ("deposit", "apr", "term")},
                price,
                locale=str(current_app.config.get("LOCALE", "en")),
            )
            if quote is None:
                field, message = next(iter(errors.items())) if errors else ("deposit", "Check the figures.")
                raise Invalid(message, field)
            figures = {
                "deposit": quote.deposit,
                "apr": quote.apr,
                "term_months": quote.term_months,
                "monthly_payment": quote.monthly_payment,
                "total_interest": quote.total_interest,
                "total_payable": quote.total_payable,
            }
        row = db.one(
            "orders.add_scenario", order_id=order_id, kind=kind, price=price, actor_id=actor.user_id, **figures
        )
        db.one(
            "orders.add_event",
            order_id=order_id,
            actor_id=actor.user_id,
            event="scenario_added",
            detail=json.dumps({"kind": kind, **{k: v for k, v in figures.items() if v is not None}}, default=str),
            request_key=None,
        )
    return row


def choose(order_id: int, scenario_id: int, *, actor: Actor) -> dict[str, Any]:
    """Make one of an open order's scenarios the chosen one; NotFound when it is not the order's."""
    with db.transaction():
        _order(order_id, actor)
        row = db.optional("orders.choose_scenario", order_id=order_id, scenario_id=scenario_id)
        if row is None:
            raise NotFound("No such payment option.")
        db.one(
            "orders.add_event",
            order_id=order_id,
            actor_id=actor.user_id,
            event="scenario_chosen",
            detail=json.dumps({"kind": row["kind"]}),
            request_key=None,
        )
    return row


def remove(order_id: int, scenario_id: int, *, actor: Actor) -> dict[str, Any]:
    """Remove a scenario of an open order that is not the chosen one; NotFound when it is not the order's, Conflict
    for the chosen one."""
    with db.transaction():
        _order(order_id, actor)
        row = db.optional("orders.remove_scenario", order_id=order_id, scenario_id=scenario_id)
        if row is None:
            if any(s for s in db.all("orders.scenario_ids", order_id=order_id) if s["id"] == scenario_id):
                raise Conflict("This is the chosen payment option: choose another one before removing it.")
            raise NotFound("No such payment option.")
        db.one(
            "orders.add_event",
            order_id=order_id,
            actor_id=actor.user_id,
            event="scenario_removed",
            detail=json.dumps({"kind": row["kind"]}),
            request_key=None,
        )
    return row
