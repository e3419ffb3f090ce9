"""The make and model catalogue (migration 0024): what the selling form offers, what a typed make or model stands
for, production years, and the moderators' work on models the catalogue lacks (map a car, add a model; audited).

Listings reference it by id; their make and model text is the catalogue's spelling (trigger cars_follow_catalogue),
so search and facets read the same names whoever typed them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import db
from ..db.errors import CheckViolation, UniqueViolation
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..domain.vocabulary import BODIES

#: A car may be first registered the year after its model's production ended.
REGISTRATION_GRACE = 1


def makes() -> list[dict[str, Any]]:
    """Every make, by name."""
    return db.all("catalogue.makes")


def make(make_id: int) -> dict[str, Any] | None:
    return db.optional("catalogue.make", make_id=make_id)


def models_of(make_id: int) -> list[dict[str, Any]]:
    """The models of a make, by name, with body types and production years; empty for an unknown make."""
    return db.all("catalogue.models_of_make", make_id=make_id)


def model(model_id: int) -> dict[str, Any] | None:
    return db.optional("catalogue.model", model_id=model_id)


def resolve(make_text: str, model_text: str) -> dict[str, Any]:
    """What a typed make and model stand for (names or aliases, any case): ids and names, None where unknown."""
    return db.one("catalogue.resolve", make=make_text, model=model_text)


def years(model_row: dict[str, Any]) -> str:
    """A model's production years in words: 'from 2020', '2008–2023'."""
    if model_row["year_to"] is None:
        return f"from {model_row['year_from']}"
    return f"{model_row['year_from']}–{model_row['year_to']}"


def year_problem(model_row: dict[str, Any], year: int) -> str | None:
    """Why ``year`` cannot be a first registration of this model ("The ID.4 was built from 2020."), or None."""
    if year < model_row["year_from"]:
        if model_row["year_to"] is None:
            return f"The {model_row['name']} was built from {model_row['year_from']}."
        return f"The {model_row['name']} was built from {model_row['year_from']} to {model_row['year_to']}."
    if model_row["year_to"] is not None and year > model_row["year_to"] + REGISTRATION_GRACE:
        return f"The {model_row['name']} was built from {model_row['year_from']} to {model_row['year_to']}."
    return None


# -- moderation ----------------------------------------------------------------------------------------------------


def unmapped(*, actor: Actor) -> list[dict[str, Any]]:
    """Cars whose model the catalogue lacks (typed as "other model"), oldest first, each with its make's models."""
    _moderator(actor)
    rows = db.all("catalogue.unmapped_cars")
    models_by_make: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["make_id"] is not None and row["make_id"] not in models_by_make:
            models_by_make[row["make_id"]] = models_of(row["make_id"])
    return [{**row, "models": models_by_make.get(row["make_id"], [])} for row in rows]


def map_car(car_id: int, model_id: int, *, actor: Actor) -> dict[str, Any]:
    """Give a car whose model was typed a catalogue model of its make; NotFound when it is mapped already or gone,
    Invalid for a model of another make."""
    _moderator(actor)
    with db.transaction():
        car = db.optional("catalogue.lock_unmapped_car", car_id=car_id)
        if car is None:
            raise NotFound("This car is not waiting for its model to be mapped.")
        chosen = model(model_id)
        if chosen is None or chosen["make_id"] != car["make_id"]:
            raise Invalid(f"Choose one of the {car['make']} models.", field="model_id")
        mapped = db.one("catalogue.map_car", car_id=car_id, model_id=model_id)
        audit.record(
            "catalogue.map_car",
            actor=actor,
            subject_id=car["seller_id"],
            car_id=car_id,
            typed=car["model_other"],
            model_id=model_id,
            model=mapped["model"],
        )
    return {**car, **mapped}


def add_model(make_id: int, name: str, bodies: list[str], year_from: int, year_to: int | None, *, actor: Actor) -> int:
    """Add a model to the catalogue; its id. Invalid for an empty name, unknown body types or impossible years,
    Conflict when the make has a model or alias that reads alike."""
    _moderator(actor)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 60:
        raise Invalid("Write the model's name (at most 60 characters).", field="name")
    if not bodies or not set(bodies) <= set(BODIES):
        raise Invalid("Choose at least one body type.", field="bodies")
    latest = date.today().year + 1
    if not 1886 <= year_from <= latest:
        raise Invalid(f"The first year must be between 1886 and {latest}.", field="year_from")
    if year_to is not None and not year_from <= year_to <= latest:
        raise Invalid("The last year must be the first year or later (leave it empty if still built).", field="year_to")
    if make(make_id) is None:
        raise NotFound("There is no such make.")
    taken = db.optional("catalogue.name_taken", make_id=make_id, name=name)
    if taken is not None:
        raise Conflict(f"The catalogue already has “{taken['model']}”, also called “{taken['spelling']}”.")
    try:
        with db.transaction():
            model_id = db.scalar(
                "catalogue.add_model", make_id=make_id, name=name, bodies=bodies, year_from=year_from, year_to=year_to
            )
            audit.record(
                "catalogue.add_model",
                actor=actor,
                model_id=model_id,
                make_id=make_id,
                name=name,
                bodies=bodies,
                year_from=year_from,
                year_to=year_to,
            )
    except (UniqueViolation, CheckViolation):
        raise Conflict(f"The catalogue already has a model that reads like “{name}”.") from None
    return model_id


def _moderator(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins edit the catalogue.")
