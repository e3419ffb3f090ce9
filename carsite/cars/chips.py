"""Active search filters in words, as removable chips ("Price up to €10,000", "Diesel", "Words: service history")
and as the "Showing results for …" line for filters read out of the search words."""

from __future__ import annotations

from typing import Any

from ..domain.numbers import distance, money
from ..domain.vocabulary import label
from .search import Search, field_label

SKIP = ("sort",)


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
    if name in ("fuel", "transmission", "body", "condition", "colour"):
        return label(value)
    return f"{field_label(name)}: {label(value)}"


def of(search: Search, locale: str = "en") -> list[tuple[str, str, dict[str, Any]]]:
    """(text, what removing it says, the search's parameters without it) for each active filter; one year chip
    when the year range is a single year, and removing the make removes the model too."""
    active = search.active()
    chips = []
    single_year = active.get("year_min") is not None and active.get("year_min") == active.get("year_max")
    for name, value in active.items():
        if name in SKIP or (single_year and name == "year_max"):
            continue
        gone = {name, "year_max"} if single_year and name == "year_min" else {name}
        if name == "make":
            gone.add("model")
        text = f"Year {value}" if single_year and name == "year_min" else describe(name, value, locale)
        rest = {k: v for k, v in active.items() if k not in gone}
        chips.append((text, f"Remove the filter {text}", rest))
    return chips


def read_from_words(typed: Search, interpreted: Search, locale: str = "en") -> list[str]:
    """The filters that the search words set (compared with the search as the fields gave it), in words."""
    names = [n for n in interpreted.filters() if n != "text" and getattr(interpreted, n) != getattr(typed, n)]
    if "year_min" in names and interpreted.year_min == interpreted.year_max:
        return [
            f"Year {interpreted.year_min}" if n == "year_min" else describe(n, getattr(interpreted, n), locale)
            for n in names
            if n != "year_max"
        ]
    return [describe(n, getattr(interpreted, n), locale) for n in names]
