"""Comparing 2 to 4 cars side by side."""

from __future__ import annotations

from typing import Any

from ..domain.errors import Invalid

COMPARE_MAX = 4
FIELDS = (
    ("Price", "price"),
    ("Year", "year"),
    ("Mileage", "mileage_km"),
    ("Fuel", "fuel"),
    ("Gearbox", "transmission"),
    ("Body", "body"),
    ("Colour", "colour"),
    ("Condition", "condition"),
    ("Location", "city"),
    ("Status", "status"),
)


def parse_ids(raw: str) -> list[int]:
    """Car ids from 'ids=12,40' (duplicates dropped); Invalid naming ``ids`` for anything else."""
    try:
        ids = list(dict.fromkeys(int(part) for part in raw.split(",") if part.strip()))
    except ValueError:
        raise Invalid("ids must be car numbers separated by commas, e.g. ids=12,40.", field="ids") from None
    if len(ids) > COMPARE_MAX or any(not (0 < i < 2**63) for i in ids):
        raise Invalid(f"Choose 2 to {COMPARE_MAX} cars to compare.", field="ids")
    return ids


def toggle(ids: list[int], car_id: int, *, remove: bool = False) -> tuple[list[int], bool]:
    """The comparison list with ``car_id`` added or taken off; False when adding would pass the limit."""
    if car_id in ids or remove:
        return [i for i in ids if i != car_id], True
    if len(ids) >= COMPARE_MAX:
        return ids, False
    return [*ids, car_id], True


def rows(cars: list[dict[str, Any]], *, only_differences: bool = False) -> list[tuple[str, list]]:
    """(label, values per car) for the facts and every feature any of the cars has."""
    table = [(label, [c[key] for c in cars]) for label, key in FIELDS]
    features = sorted({f for c in cars for f in c["features"]})
    table += [(feature, ["yes" if feature in c["features"] else "no" for c in cars]) for feature in features]
    if only_differences:
        table = [r for r in table if len({str(v) for v in r[1]}) > 1]
    return table
