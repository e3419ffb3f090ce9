"""What a car page and the home page show. Which cars anyone may see is the SQL function listing_is_public,
applied inside the queries (``cars.car_page``, ``cars.car_by_id``, ``cars.by_ids``)."""

from __future__ import annotations

from typing import Any

from .. import db
from ..domain import kept, versions
from ..domain.actor import Actor
from ..domain.errors import NotFound

RECENT_SIZE = 8
GONE = "This car does not exist or is no longer listed."


def car_page(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """A car anyone may see, with whether the actor saved it; NotFound otherwise."""
    car = db.optional("cars.car_page", car_id=car_id, user_id=actor.user_id)
    if car is None:
        raise NotFound(GONE)
    return car


def public_car(car_id: int) -> dict[str, Any]:
    """A car anyone may see, with its seller's name; NotFound otherwise."""
    car = db.optional("cars.car_by_id", car_id=car_id)
    if car is None:
        raise NotFound(GONE)
    return car


def price_history(car_id: int) -> list[dict[str, Any]]:
    return db.all("cars.price_history", car_id=car_id)


def similar(car: dict[str, Any], *, actor: Actor) -> list[dict[str, Any]]:
    """Up to four listed cars like this one (none for a car that is no longer for sale)."""
    if car["status"] != "available":
        return []
    return db.all(
        "cars.similar",
        car_id=car["id"],
        make=car["make"],
        model=car["model"],
        body=car["body"],
        price=car["price"],
        user_id=actor.user_id,
    )


def cars_in_order(ids: list[int], *, actor: Actor) -> list[dict[str, Any]]:
    """The cars anyone may see among ``ids``, in that order (unknown and hidden ones left out)."""
    if not ids:
        return []
    by_id = {c["id"]: c for c in db.all("cars.by_ids", ids=ids, user_id=actor.user_id)}
    return [by_id[i] for i in ids if i in by_id]


def makes_with_counts() -> list[dict[str, Any]]:
    """Each make with its number of listed cars, most first: kept per listings version (it changes only with a
    listing)."""
    version = versions.current().listings  # before the data (see versions)
    return kept.store("makes_with_counts", size=2).get(version, "all", lambda: db.all("cars.makes_with_counts"))


def featured(*, actor: Actor, limit: int = 4) -> list[dict[str, Any]]:
    return db.all("selling.featured", limit=limit, user_id=actor.user_id)
