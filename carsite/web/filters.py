"""Template filters and globals: money, distances, labels from the vocabulary, slugs, workflow actions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

from flask import Flask, current_app

from ..domain import numbers
from ..domain.vocabulary import (
    horsepower,
    label,
    slugify,
    status_label,
)


def init_app(app: Flask) -> None:
    from ..cars import makes, pricing
    from ..selling import expiry, workflow

    # The locale is fixed when the app is built: the filters a page calls most take it bound, not from the app's
    # config on every call (a hundred calls per result page).
    locale = str(app.config.get("LOCALE", "en"))
    app.jinja_env.filters["money"] = partial(numbers.money, locale=locale)
    app.jinja_env.filters["km"] = partial(numbers.distance, locale=locale)
    app.jinja_env.filters["grouped"] = partial(numbers.count, locale=locale)
    app.jinja_env.filters["day"] = partial(numbers.day, locale=locale)
    app.jinja_env.filters["month"] = partial(numbers.month, locale=locale)
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.filters["price_rating"] = pricing.LABELS.get
    app.jinja_env.globals["price_verdict"] = pricing.verdict
    app.jinja_env.filters["power"] = power
    app.jinja_env.filters["month_year"] = month_year
    app.jinja_env.globals["utc"] = UTC
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.globals["listing_actions"] = workflow.actions_for
    app.jinja_env.globals["is_public_status"] = workflow.is_public
    app.jinja_env.globals["listing_expires_at"] = expiry.expires_at
    app.jinja_env.globals["listing_renewable"] = expiry.renewable
    app.jinja_env.globals["model_years"] = makes.years


def _locale() -> str:
    return str(current_app.config.get("LOCALE", "en"))


def money(value: Decimal | int | float | None) -> str:
    """A price in the site's locale: €\u202f12,345 or 12.345 € (cents only when there are any)."""
    return numbers.money(value, _locale())


def km(value: int | None) -> str:
    """A mileage in the site's locale: 150,000 km."""
    return numbers.distance(value, _locale())


def grouped(value: int) -> str:
    """A count with the locale's thousands separator."""
    return numbers.count(value, _locale())


def day(value: date | datetime | None) -> str:
    """A date in the site's locale: 2 Dec 2026."""
    return numbers.day(value, _locale())


def month(value: date | datetime) -> str:
    """A month and year: Dec 2026."""
    return numbers.month(value, _locale())


def moment(value: datetime | None, seconds: bool = False) -> str:
    """A date and time (UTC) in the site's locale: 2 Dec 2026 14:05 (14:05:09 with seconds)."""
    if value is None:
        return ""
    at = value.astimezone(UTC) if value.utcoffset() is not None else value
    return f"{numbers.day(at, _locale())} {at:%H:%M:%S}" if seconds else f"{numbers.day(at, _locale())} {at:%H:%M}"


def power(kw: int | None) -> str:
    """A power in kW with its metric horsepower: '110 kW (150 hp)'; '' when not stated."""
    return "" if kw is None else f"{grouped(kw)} kW ({grouped(horsepower(kw) or 0)} hp)"


def month_year(year: int, month: int | None) -> str:
    """A first registration as people write it: '06/2019', or the year alone without a month."""
    return f"{month:02d}/{year}" if month else str(year)
