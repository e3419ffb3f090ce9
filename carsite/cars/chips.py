"""Active search filters in words, as removable chips ("Price up to €10,000", "Diesel", "Words: service history")
and as the "Showing results for …" line for filters read out of the search words."""

from __future__ import annotations

from typing import Any

from ..domain.numbers import distance, money
from ..domain.vocabulary import horsepower, label
from .search import DEFAULT_RADIUS_KM, Search, field_label

SKIP = ("sort", "radius_km")  # the distance is part of the place's chip


def describe(name: str, value: Any, locale: str = "en") -> str:
    """One filter in words."""
    if name == "q":
        return f"Words: {value}"
    if name == "price_min":
        return f"Price from {money(value, locale)}"
    if name == "price_max":
        return f"Price up to {money(value, locale)}"
    if name == "mileage_max":
        return f"Mileage up to {distance(value, locale)}"
    if name == "year_min":
        return f"Year from {value}"
    if name == "year_max":
        return f"Year up to {value}"
    if name == "city":
        return f"In {value}"
    if name in ("make", "model"):
        return str(value)
    if name in ("power_min", "power_max"):
        return f"{field_label(name)} {value} kW ({horsepower(value)} hp)"
    if name in ("accident_free", "photos"):
        return field_label(name)
    if name == "owners_max":
        return f"Owners up to {value}"
    if name == "seats_min":
        return f"{value}+ seats"
    if name == "doors":
        return f"{value} doors"
    if name in ("fuel", "transmission", "body", "condition", "colour"):
        return label(value)
    return f"{field_label(name)}: {label(value)}"


def _place(search: Search) -> str:
    radius = search.radius_km or DEFAULT_RADIUS_KM
    if search.place is None:
        return f"Near {search.near} (unknown place)"
    return f"Within {radius} km of {search.place.name}"


def of(search: Search, locale: str = "en") -> list[tuple[str, str, dict[str, Any]]]:
    """(text, what removing it says, the search's parameters without it) for each active filter; one year chip
    when the year range is a single year, removing the make removes the model too, removing the place its distance,
    and each chosen feature is a chip of its own."""
    active = search.active()
    chips = []
    for one in active.get("feature") or ():
        rest = dict(active, feature=[f for f in active["feature"] if f != one] or None)
        chips.append((one, f"Remove the filter {one}", {k: v for k, v in rest.items() if v is not None}))
    single_year = active.get("year_min") is not None and active.get("year_min") == active.get("year_max")
    for name, value in active.items():
        if name in SKIP or name == "feature" or (single_year and name == "year_max"):
            continue
        gone = {name, "year_max"} if single_year and name == "year_min" else {name}
        if name == "make":
            gone.add("model")
        if name == "near":
            gone.add("radius_km")
        if name == "near":
            text = _place(search)
        elif single_year and name == "year_min":
            text = f"Year {value}"
        else:
            text = describe(name, value, locale)
        rest = {k: v for k, v in active.items() if k not in gone}
        chips.append((text, f"Remove the filter {text}", rest))
    return chips


def read_from_words(typed: Search, interpreted: Search, locale: str = "en") -> list[str]:
    """The filters that the search words set (compared with the search as the fields gave it), in words."""
    names = [
        n
        for n in interpreted.filters()
        if n in typed.__dataclass_fields__ and n not in ("text", *SKIP) and getattr(interpreted, n) != getattr(typed, n)
    ]
    place = [_place(interpreted)] if interpreted.near != typed.near and interpreted.near else []
    if "year_min" in names and interpreted.year_min == interpreted.year_max:
        return [
            f"Year {interpreted.year_min}" if n == "year_min" else describe(n, getattr(interpreted, n), locale)
            for n in names
            if n != "year_max"
        ] + place
    return [describe(n, getattr(interpreted, n), locale) for n in names] + place
