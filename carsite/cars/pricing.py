"""Market price ratings: each listed car's asking price against the median of comparable listed cars.

The ratings are computed in SQL, set-based (``pricing.refresh`` rates every listed car in one statement, or the cars
of one make and model), and stored in ``car_price_ratings``; pages join that table by car id and never compute a
rating while someone waits. A stored rating names the price it rated: once the car asks another price, pages show
no verdict until the next refresh (which a price change triggers for its make and model).

Comparables of a car are the other listed cars of the same make and model, built within a year of it and in the
same mileage band. The bands and thresholds below are carsite's own choices: bands narrow where a kilometre costs
the most value (young, little-driven cars) and widen at high mileage, where prices depend less on each kilometre;
the thresholds call a price "high" only beyond a normal negotiating margin above the median.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import db, jobs

#: Lower bounds (km) of the mileage bands after the first: 0-19,999, 20,000-49,999, ... 200,000 and more.
MILEAGE_BANDS = (20_000, 50_000, 100_000, 150_000, 200_000)
#: A rating needs at least this many comparable cars (the car itself not counted).
MIN_COMPARABLES = 5
#: Great: at least 10 % below the median; good: 3 to 10 % below; fair: up to 10 % above; high: more.
GREAT_BELOW = Decimal("0.10")
GOOD_BELOW = Decimal("0.03")
FAIR_ABOVE = Decimal("0.10")

LABELS = {"great": "Great price", "good": "Good price", "fair": "Fair price", "high": "High price"}
MEANINGS = {
    "great": f"at least {GREAT_BELOW:.0%} below the median of similar cars",
    "good": f"{GOOD_BELOW:.0%} to {GREAT_BELOW:.0%} below the median of similar cars",
    "fair": f"between {GOOD_BELOW:.0%} below and {FAIR_ABOVE:.0%} above the median of similar cars",
    "high": f"more than {FAIR_ABOVE:.0%} above the median of similar cars",
}


@db.transaction(retries=3)
def refresh(make: str, model: str) -> int:
    """Rate the listed cars of ``make`` ``model`` (bounded work, for the web's statement timeout); returns how many
    rating rows changed. Refreshes that overlap take their row locks in one order; a deadlock with a status change
    in between is retried."""
    return _refresh(make, model)


@jobs.task(
    queue="maintenance", name="carsite.cars.pricing.nightly", retry=jobs.Backoff(attempts=3), periodic="17 3 * * *"
)
def nightly() -> None:
    """Rate every listed car at night: changes made outside carsite's use cases (a DBA's UPDATE, an import) get
    their verdicts within a day; carsite's own changes are rated at once."""
    refresh_all()


@db.transaction(retries=3)
def refresh_all() -> int:
    """Rate every listed car in one statement (from the command line or a job: the statement timeout is lifted for
    it); returns how many rating rows changed."""
    db.one("pricing.batch_settings")
    return _refresh(None, None)


def _refresh(make: str | None, model: str | None) -> int:
    return int(
        db.scalar(
            "pricing.refresh",
            make=make,
            model=model,
            bands=list(MILEAGE_BANDS),
            min_comparables=MIN_COMPARABLES,
            great=GREAT_BELOW,
            good=GOOD_BELOW,
            fair=FAIR_ABOVE,
        )
    )


def refresh_models(*models: tuple[str, str]) -> None:
    """Refresh the ratings of each (make, model) once, after a listing of it became public, left the site or
    changed its price, make, model, year or mileage."""
    for make, model in dict.fromkeys(models):
        refresh(make, model)


@jobs.task(queue="maintenance", name="carsite.cars.pricing.refresh_later", retry=jobs.Backoff(attempts=3))
def refresh_later(make: str, model: str) -> int:
    """The queued refresh of one model (see refresh_models_soon)."""
    return refresh(make, model)


def refresh_models_soon(*models: tuple[str, str]) -> None:
    """Queue the refresh of each (make, model) in the caller's transaction (it runs once that commits): for moves
    that many buyers make at once, such as reserving a car, where the medians can wait a moment for the worker and
    the request should not wait for them. Refreshes of one model never run side by side."""
    for make, model in dict.fromkeys(models):
        jobs.defer(refresh_later, lock=f"pricing:{make}:{model}", make=make, model=model)


def mileage_band(mileage_km: int) -> tuple[int, int | None]:
    """The band (lowest km, highest km or None for the open top band) that ``mileage_km`` falls in."""
    low, high = 0, None
    for bound in MILEAGE_BANDS:
        if mileage_km < bound:
            high = bound - 1
            break
        low = bound
    return low, high


@dataclass(frozen=True)
class Verdict:
    """A car's price rating as a page explains it."""

    rating: str
    label: str
    meaning: str
    median: Decimal
    difference: Decimal
    comparables: int
    years: tuple[int, int]
    mileage: tuple[int, int | None]


def verdict(car: dict[str, Any]) -> Verdict | None:
    """The rating a car row from the page queries carries (``price_rating`` and its figures), None without one."""
    rating = car.get("price_rating")
    if rating is None:
        return None
    return Verdict(
        rating=rating,
        label=LABELS[rating],
        meaning=MEANINGS[rating],
        median=car["price_median"],
        difference=car["price_difference"],
        comparables=car["price_comparables"],
        years=(car["year"] - 1, car["year"] + 1),
        mileage=mileage_band(car["mileage_km"]),
    )


def api_rating(car: dict[str, Any]) -> dict[str, Any] | None:
    """The ``price_rating`` object of the API's car shape; None without a current rating."""
    found = verdict(car)
    if found is None:
        return None
    return {
        "rating": found.rating,
        "median": float(found.median),
        "difference": float(found.difference),
        "comparables": found.comparables,
    }
