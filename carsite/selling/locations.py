"""Where a listed car stands: coordinates from its city by the bundled place list (``carsite.domain.places``),
set when a listing is saved and, for cars saved before, by ``python -m carsite listings locate``."""

from __future__ import annotations

from typing import Any

from .. import db
from ..domain import places


def coordinates(city: str | None) -> dict[str, float | None]:
    """The latitude and longitude of a city as listing columns; both None for a place the list does not know."""
    place = places.find(city)
    return {"latitude": place.latitude if place else None, "longitude": place.longitude if place else None}


def with_coordinates(values: dict[str, Any]) -> dict[str, Any]:
    """A listing's values with the coordinates of its city added."""
    return {**values, **coordinates(values.get("city"))}


def locate_all() -> tuple[int, list[tuple[str, int]]]:
    """Give every car without coordinates those of its city (set-based, one statement); returns how many cars
    were located and the cities (with their number of cars) the place list does not know."""
    known: dict[str, places.Place] = {}
    unknown: list[tuple[str, int]] = []
    for row in db.all("selling.unlocated_cities"):
        place = places.find(row["city"])
        if place:
            known[row["city"]] = place
        else:
            unknown.append((row["city"], int(row["cars"])))
    if not known:
        return 0, unknown
    located = db.execute(
        "selling.locate_cities",
        cities=list(known),
        latitudes=[p.latitude for p in known.values()],
        longitudes=[p.longitude for p in known.values()],
    )
    return located, unknown
