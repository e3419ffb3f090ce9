"""Template filters and globals: money, distances, labels from the vocabulary, slugs, workflow actions."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

from flask import Flask

from ..domain.vocabulary import horsepower, label, status_label


def init_app(app: Flask) -> None:
    from ..selling import workflow

    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["km"] = km
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.filters["power"] = power
    app.jinja_env.filters["month_year"] = month_year
    app.jinja_env.globals["utc"] = UTC
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.globals["listing_actions"] = workflow.actions_for
    app.jinja_env.globals["is_public_status"] = workflow.is_public


def slugify(text: str) -> str:
    """The readable part of a car URL: 'VW Golf 1.4 TSI' -> 'vw-golf-1-4-tsi'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def money(value: Decimal | int | float | None) -> str:
    """€ 12,345 (cents only when there are any)."""
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return f"€\u202f{text}"


def km(value: int | None) -> str:
    return "" if value is None else f"{value:,} km"


def power(kw: int | None) -> str:
    """A power in kW with its metric horsepower: '110 kW (150 hp)'; '' when not stated."""
    return "" if kw is None else f"{kw:,} kW ({horsepower(kw):,} hp)"


def month_year(year: int, month: int | None) -> str:
    """A first registration as people write it: '06/2019', or the year alone without a month."""
    return f"{month:02d}/{year}" if month else str(year)
