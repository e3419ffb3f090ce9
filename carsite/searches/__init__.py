"""Saved searches and their alerts.

A saved search keeps the filters exactly as /cars read them (``Search.filters()`` after ``interpret``), so an alert
means what the page showed; its canonical query string (sorted, without sort, cursor and limit) opens it again and
tells duplicates apart. Alerts list the cars *published* (cars.published_at: when they went live) since the search
was last checked, matched in one query by the SQL function search.cars uses (car_matches_filters).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import current_app

from .. import db, jobs, mail
from ..cars.search import Search
from ..db.errors import CheckViolation, UniqueViolation
from ..domain.actor import Actor
from ..domain.errors import Conflict, Invalid, NotFound
from ..notifications import Notice, notify_many

FREQUENCIES = ("instant", "daily", "weekly")
NAME_MAX = 80
PER_MAIL = 10
SETTLE = timedelta(seconds=60)  # a car approved in a transaction still open at the run's start is seen next time


def query_string(search: Search) -> str:
    """The canonical query string of a search's filters (sort, cursor and limit are irrelevant to alerts)."""
    active = {k: v for k, v in search.active().items() if k != "sort"}
    pairs = []
    for key in sorted(active):
        value = active[key]
        for one in sorted(value) if isinstance(value, list) else [value]:
            pairs.append((key, str(one)))
    return urlencode(pairs)


def _jsonable(values: dict[str, Any]) -> str:
    return json.dumps({k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items() if k != "text"})


def describe(search: Search) -> str:
    """A search in words, e.g. "BMW 3 Series, diesel, under €20,000"."""
    parts = [" ".join(p for p in (search.make, search.model) if p)]
    if search.text:
        parts.append(f"“{search.text}”")
    parts += [v.replace("_", " ") for v in (search.fuel, search.body, search.transmission, search.condition) if v]
    if search.colour:
        parts.append(search.colour)
    if search.price_min is not None and search.price_max is not None:
        parts.append(f"€{search.price_min:,.0f}–€{search.price_max:,.0f}")
    elif search.price_max is not None:
        parts.append(f"under €{search.price_max:,.0f}")
    elif search.price_min is not None:
        parts.append(f"over €{search.price_min:,.0f}")
    if search.year_min is not None and search.year_min == search.year_max:
        parts.append(str(search.year_min))
    else:
        if search.year_min is not None:
            parts.append(f"from {search.year_min}")
        if search.year_max is not None:
            parts.append(f"until {search.year_max}")
    if search.mileage_max is not None:
        parts.append(f"up to {search.mileage_max:,} km")
    if search.city:
        parts.append(f"in {search.city}")
    if search.near:
        parts.append(f"within {search.radius_km or 50} km of {search.near}")
    text = ", ".join(p for p in parts if p) or "All cars"
    return text[:NAME_MAX]


def save(search: Search, name: str, frequency: str, *, actor: Actor) -> int:
    """Save an interpreted search for the actor; Invalid for a bad name or frequency, Conflict for a duplicate
    (its message names the existing one) or a 51st search."""
    if actor.user_id is None:
        raise Invalid("Log in to save searches.")
    name = " ".join((name or "").split()) or describe(search)
    if len(name) > NAME_MAX:
        raise Invalid(f"The name must be at most {NAME_MAX} characters.", field="name")
    if frequency not in FREQUENCIES:
        raise Invalid("The frequency is instant, daily or weekly.", field="frequency")
    query = query_string(search)
    try:
        return int(
            db.scalar(
                "saved_searches.insert",
                user_id=actor.user_id,
                name=name,
                query=query,
                filters=_jsonable(search.filters()),
                words=search.text,
                frequency=frequency,
            )
        )
    except UniqueViolation:
        existing = db.optional("saved_searches.by_query", user_id=actor.user_id, query=query)
        raise Conflict(f"You saved this search already, as “{existing['name'] if existing else name}”.") from None
    except CheckViolation as exc:
        if exc.constraint != "saved_searches_limit":
            raise
        raise Conflict("You have 50 saved searches, the most we keep: delete one to save another.") from None


def of(actor: Actor) -> list[dict[str, Any]]:
    return db.all("saved_searches.of_user", user_id=actor.user_id)


def update(
    search_id: int,
    *,
    actor: Actor,
    name: str | None = None,
    frequency: str | None = None,
    paused: bool | None = None,
) -> None:
    """Rename, change frequency, pause or resume; NotFound when not the actor's."""
    if name is not None:
        name = " ".join(name.split())
        if not 1 <= len(name) <= NAME_MAX:
            raise Invalid(f"The name must be 1 to {NAME_MAX} characters.", field="name")
    if frequency is not None and frequency not in FREQUENCIES:
        raise Invalid("The frequency is instant, daily or weekly.", field="frequency")
    row = db.optional(
        "saved_searches.update",
        search_id=search_id,
        user_id=actor.user_id,
        name=name,
        frequency=frequency,
        paused=paused,
    )
    if row is None:
        raise NotFound("There is no such saved search.")


def delete(search_id: int, *, actor: Actor) -> None:
    if db.optional("saved_searches.delete", search_id=search_id, user_id=actor.user_id) is None:
        raise NotFound("There is no such saved search.")


# -- alerts ----------------------------------------------------------------------------------------------------------

CHUNK = 200


def run_alerts(frequency: str, *, now: datetime | None = None) -> dict[str, int]:
    """One alert run for a frequency: every match in one query, then a notification (mail on the alerts queue) per
    search with new cars, in chunks: each chunk's searches are marked checked in the transaction of their
    notifications (a handful of statements per chunk, whatever its size). Figures of the run."""

    settle = timedelta(seconds=float(current_app.config.get("ALERT_SETTLE_SECONDS", SETTLE.total_seconds())))
    horizon = (now or datetime.now(UTC)) - settle
    rows = db.all("saved_searches.matches", frequency=frequency, horizon=horizon, per_mail=PER_MAIL)
    found = [r for r in rows if r["total"]]
    alerted = 0
    for start in range(0, len(found), CHUNK):
        chunk = found[start : start + CHUNK]
        with db.transaction():
            advanced = set(_advance(chunk, horizon, alerted=True))
            notices = [_notice(row) for row in chunk if row["id"] in advanced]
            notify_many("saved_search", notices, channel=mail.BULK)
            alerted += len(notices)
    # Searches with nothing new move on only from the checked_until they were matched at: one saved, changed or
    # checked by another run since then is left for the next run, never skipped past cars it was not tested on.
    quiet = len(_advance([r for r in rows if not r["total"]], horizon, alerted=False))
    return {"searches_alerted": alerted, "matches": sum(int(r["total"]) for r in rows), "checked_quiet": quiet}


def _advance(rows: list[dict[str, Any]], horizon: datetime, *, alerted: bool) -> list[int]:
    if not rows:
        return []
    return [
        r["id"]
        for r in db.all(
            "saved_searches.advance",
            ids=[r["id"] for r in rows],
            seen=[r["checked_until"] for r in rows],
            horizon=horizon,
            alerted=alerted,
        )
    ]


def _notice(row: dict[str, Any]) -> Notice:
    total = int(row["total"])
    url = f"/cars?{row['query']}" if row["query"] else "/cars"
    return Notice(
        row["user_id"],
        f"{total} new car{'s' if total != 1 else ''} for “{row['name']}”",
        url=url,
        mail_template="saved_search_alert",
        context={
            "cars": [{**c, "url": mail.link("cars.show", car_id=c["id"])} for c in row["cars"]],
            "total": total,
            "search_name": row["name"],
            "manage_url": mail.link("searches.index"),
        },
    )


@jobs.task(queue="alerts", name="carsite.searches.instant", retry=jobs.Backoff(attempts=3), periodic="*/5 * * * *")
def instant() -> None:
    run_alerts("instant")


@jobs.task(queue="alerts", name="carsite.searches.daily", retry=jobs.Backoff(attempts=3), periodic="0 7 * * *")
def daily() -> None:
    run_alerts("daily")


@jobs.task(queue="alerts", name="carsite.searches.weekly", retry=jobs.Backoff(attempts=3), periodic="0 7 * * 1")
def weekly() -> None:
    run_alerts("weekly")
