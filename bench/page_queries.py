"""Which queries each public page runs, and the database time they take (round trips included), per page.

    python bench/page_queries.py [--runs 50]

Uses the configured database (DATABASE_URL, or the embedded one in the instance folder). Each page is asked once
(what a process pays after a change: "first") and then --runs times ("again": what it pays until the next change);
printed: the queries of each with their median milliseconds, and the median database milliseconds per request
(from the data module's own per-query timings, so the Python around them is left out). Run it on a quiet machine
and compare side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carsite import create_app, db
from carsite.db import Database

PAGES = [
    ("home", "/"),
    ("search, no filter", "/cars"),
    ("filtered search", "/cars?make=BMW&fuel=diesel"),
    ("text search", "/cars?q=toyta+corola+service"),
    ("car page", None),  # the newest listed car
    ("API list", "/api/v1/cars"),
    ("API filtered", "/api/v1/cars?make=vw&model=golf"),
]


def database_ms(database: Database) -> dict[str, float]:
    return {name: q["total_ms"] for name, q in database.stats()["queries"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    app = create_app({"DB_POOL_MIN": 1, "DB_POOL_MAX": 2})
    database: Database = app.extensions["carsite.db"]
    with app.app_context():
        car = db.all("bench.some_listed_car")
    client = app.test_client()
    print(f"{'page':20} {'':6} {'db ms':>7}  queries")
    for label, path in PAGES:
        if path is None:
            if not car:
                continue
            path = client.get(f"/cars/{car[0]['id']}").headers.get("Location", f"/cars/{car[0]['id']}")
        for kind, runs in (("first", 1), ("again", args.runs)):
            times: list[float] = []
            each: dict[str, list[float]] = {}
            for _ in range(runs):
                before = database_ms(database)
                with Database.record() as names:
                    status = client.get(path).status_code
                after = database_ms(database)
                times.append(sum(after[n] - before.get(n, 0) for n in after))
                for name in after:
                    each.setdefault(name, []).append(after[name] - before.get(name, 0))
            shown = ", ".join(f"{n} {statistics.median(each[n]):.2f}" for n in dict.fromkeys(names))
            print(f"{label:20} {kind:6} {statistics.median(times):7.2f}  {len(names)}: {shown} [{status}]")


if __name__ == "__main__":
    main()
