"""Template filters and globals: money, distances, labels from the vocabulary, slugs, workflow actions."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

from flask import Flask

from ..domain.vocabulary import label, status_label


def init_app(app: Flask) -> None:
    from ..cars import makes
    from ..selling import workflow

    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["km"] = km
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.globals["utc"] = UTC
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.globals["listing_actions"] = workflow.actions_for
    app.jinja_env.globals["is_public_status"] = workflow.is_public
    app.jinja_env.globals["model_years"] = makes.years


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
