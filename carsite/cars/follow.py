"""Saved cars followed: price drops and "no longer available" notices for the people who saved them.

A periodic job compares each saved car with what its follower last heard (favorites.price_seen, gone_told_at) and
tells them once: a drop below the lowest price they heard of (a rise tells nobody, and a drop back to a price they
already knew tells nothing new), and a sale, withdrawal or deletion. Each batch's notices and the record of them
commit together, so a notice is neither lost nor repeated; a price change that rolled back was never seen.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from .. import db, jobs
from ..domain import numbers
from ..notifications import Notice, notify_many

BATCH = 200


@jobs.task(
    queue="notify", name="carsite.cars.follow.tell_followers", retry=jobs.Backoff(attempts=3), periodic="*/5 * * * *"
)
def tell_followers() -> dict[str, int]:
    """Tell every follower what changed about their saved cars; how many of each notice were sent."""
    told = {"price_drop": 0, "car_unavailable": 0}
    while True:
        with db.transaction():
            rows = db.all("favorites.price_drops", limit=BATCH)
            notify_many("price_drop", [_price_drop(row) for row in rows])
            if rows:
                db.execute("favorites.heard_price", ids=[r["id"] for r in rows], prices=[r["price"] for r in rows])
        told["price_drop"] += len(rows)
        if len(rows) < BATCH:
            break
    while True:
        with db.transaction():
            rows = db.all("favorites.gone", limit=BATCH)
            notify_many("car_unavailable", [_gone(row) for row in rows])
            if rows:
                db.execute("favorites.told_gone", ids=[r["id"] for r in rows])
        told["car_unavailable"] += len(rows)
        if len(rows) < BATCH:
            break
    return told


def _price_drop(row: dict[str, Any]) -> Notice:
    locale = current_app.config["LOCALE"]
    old, new = numbers.money(row["price_seen"], locale), numbers.money(row["price"], locale)
    return Notice(
        row["user_id"],
        f"Price drop: {row['title']} now {new}",
        body=f"It was {old} when you last heard; it is now {new}.",
        url=f"/cars/{row['car_id']}",
        mail_template="price_drop",
        context={"old_price": old, "new_price": new, "car_title": row["title"]},
    )


def _gone(row: dict[str, Any]) -> Notice:
    what = "sold" if row["status"] == "sold" else "no longer listed"
    return Notice(
        row["user_id"],
        f"{row['title']} is {what}",
        body="A car you saved is no longer for sale. Its page stays for your reference.",
        url=f"/cars/{row['car_id']}",
        mail_template="car_unavailable",
        context={"car_title": row["title"], "what": what},
    )
