"""Favourites: cars a person saved, including ones sold since."""

from __future__ import annotations

from typing import Any

from .. import db
from ..domain.actor import Actor
from . import catalogue


def save(car_id: int, *, actor: Actor) -> bool:
    """Save a car anyone may see; False when it was saved already, NotFound when there is no such car."""
    if db.optional("favorites.add", user_id=actor.user_id, car_id=car_id) is not None:
        return True
    catalogue.public_car(car_id)
    return False


def remove(car_id: int, *, actor: Actor) -> None:
    db.execute("favorites.remove", user_id=actor.user_id, car_id=car_id)


def of(actor: Actor) -> list[dict[str, Any]]:
    return db.all("favorites.of_user", user_id=actor.user_id)
