"""Ask a seller before saving a price far below comparable cars ("€18.90 for a 2019 Golf: did you mean €18,900?").

It runs on the price the form parsed, before the listing is saved, and only when the price is new (a new listing, or
a price other than the one the form showed). The seller can keep the price as typed: the confirmation names that
exact price, so confirming one price never lets another through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import db
from ..cars.pricing import MIN_COMPARABLES

#: Ask when a price is below this share of the comparables' median ...
FAR_BELOW = Decimal("0.2")
#: ... or below this many euros while the comparables' median is at least THOUSANDS.
FLOOR = Decimal("500")
THOUSANDS = Decimal("1000")


@dataclass(frozen=True)
class PriceQuestion:
    """What the form asks: the price as parsed, the car, the comparables' median and a likelier price, if any."""

    price: Decimal
    make: str
    model: str
    year: int
    median: Decimal
    comparables: int
    suggestion: Decimal | None

    @property
    def token(self) -> str:
        """The value a confirmation of exactly this price carries."""
        return confirmation_token(self.price)


def confirmation_token(price: Decimal | int | float | str) -> str:
    return format(Decimal(str(price)).normalize(), "f")


def question(
    values: dict[str, Any], *, car_id: int | None = None, confirmed: str | None = None
) -> PriceQuestion | None:
    """The question to ask before saving ``values`` (a listing form's parsed values), or None when the price is not
    far below the median of at least MIN_COMPARABLES listed cars of the same make and model built within a year of
    it (any mileage: a slip of a factor of ten or a thousand is no matter of kilometres), or when ``confirmed``
    names this very price. ``car_id``, the listing being edited, is left out of its comparables."""
    price = Decimal(str(values["price"]))
    if confirmed is not None and confirmed == confirmation_token(price):
        return None
    found = db.one(
        "pricing.comparable_median", make=values["make"], model=values["model"], year=values["year"], car_id=car_id
    )
    median = found["median"]
    if median is None or found["comparables"] < MIN_COMPARABLES:
        return None
    if not (price < median * FAR_BELOW or (price < FLOOR and median >= THOUSANDS)):
        return None
    return PriceQuestion(
        price=price,
        make=values["make"],
        model=values["model"],
        year=values["year"],
        median=median,
        comparables=found["comparables"],
        suggestion=likelier(price, median),
    )


def likelier(price: Decimal, median: Decimal) -> Decimal | None:
    """The price times 10, 100 or 1,000 (a slipped decimal separator or lost zeros) nearest the median, when it lands
    within a factor of two of it; None otherwise."""
    if price <= 0:
        return None
    best = min((price * factor for factor in (10, 100, 1000)), key=lambda p: abs(math.log(p / median)))
    return best.quantize(Decimal("1")) if median / 2 <= best <= median * 2 else None
