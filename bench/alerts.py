"""Saved-search alerts at scale: one alert run over a day's new cars against thousands of saved searches.

    python bench/alerts.py --database-url URL [--searches 10000] [--new-cars 2000] [--runs 1]

The database must hold the cars already (``python -m carsite seed --cars 1000000``). The benchmark creates accounts
named alerts-bench-N, gives them --searches saved searches of mixed shapes (make; make and model; with a price cap,
a year or mileage bound; price range and fuel; body and year; gearbox and mileage; city; free text), saved through
the same use case as the "Save this search" button, then backdates --new-cars random listed cars into the last day
(as if approved today) and runs one daily alert run: every match found, each alerted search's notification and
mail queued. Printed: the run time, matches found, searches alerted, mails queued, and the queries issued; then the
median cost of queueing one mail inside a transaction (mail.queue), as a web request would.
Everything it made is removed at the next start (the cars keep their backdated published_at).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import MultiDict  # noqa: E402

from carsite import create_app, db, mail, searches  # noqa: E402
from carsite.cars.search import interpret, parse  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402
from carsite.domain.actor import Actor  # noqa: E402
from carsite.domain.errors import Conflict  # noqa: E402

FUELS = ("petrol", "diesel", "hybrid", "electric")
BODIES = ("sedan", "estate", "suv", "hatchback", "coupe")
WORDS = ("leather", "navigation", "panorama", "towbar", "heated seats", "camera", "xenon", "sport")


def shapes(rng: random.Random, models: list[list[str]], cities: list[str]) -> dict[str, str]:
    """One saved search's query, of a shape drawn at random."""
    make, model = rng.choice(models)
    price = str(rng.choice((5000, 8000, 10000, 15000, 20000, 30000, 45000)))
    kind = rng.randrange(9)
    if kind == 0:
        return {"make": make}
    if kind == 1:
        return {"make": make, "model": model}
    if kind == 2:
        return {"make": make, "model": model, "price_max": price}
    if kind == 3:
        return {
            "make": make,
            "year_min": str(rng.randrange(2012, 2023)),
            "mileage_max": str(rng.randrange(5, 20) * 10000),
        }
    if kind == 4:
        low = rng.choice((3000, 6000, 9000, 12000))
        return {
            "price_min": str(low),
            "price_max": str(low + rng.choice((3000, 6000, 10000))),
            "fuel": rng.choice(FUELS),
        }
    if kind == 5:
        return {"body": rng.choice(BODIES), "year_min": str(rng.randrange(2014, 2023))}
    if kind == 6:
        return {
            "transmission": "automatic",
            "mileage_max": str(rng.randrange(3, 15) * 10000),
            "fuel": rng.choice(FUELS),
        }
    if kind == 7:
        return {"city": rng.choice(cities), **({"make": make} if rng.random() < 0.5 else {})}
    return {"q": rng.choice(WORDS), **({"price_max": price} if rng.random() < 0.5 else {})}


def prepare(app, count: int, new_cars: int, seed: int) -> None:
    rng = random.Random(seed)
    with app.app_context():
        removed = db.scalar("bench.alert_reset")
        if removed:
            print(f"removed {removed:,} saved searches of an earlier run", file=sys.stderr)
        users = [r["id"] for r in db.all("bench.alert_users", count=max(1, count // 40 + 1))]
        vocabulary = db.one("bench.alert_vocabulary")
        made = Counter[str]()
        started = time.perf_counter()
        i = 0
        while made["saved"] < count and i < count * 3:
            i += 1
            actor = Actor(user_id=users[i % len(users)], role="user", email_verified=True)
            args = shapes(rng, vocabulary["models"], vocabulary["cities"])
            try:
                searches.save(interpret(parse(MultiDict(args))), "", rng.choice(("daily",)), actor=actor)
                made["saved"] += 1
            except Conflict:
                made["duplicate"] += 1
        print(
            f"{made['saved']:,} saved searches for {len(users):,} accounts ({made['duplicate']:,} duplicates skipped) "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        with db.transaction():
            db.execute("bench.replica_role")
            db.execute("bench.alert_clear_day")
            moved = db.scalar("bench.alert_publish_day", count=new_cars)
        db.execute("bench.analyze_alerts")
        print(f"{moved:,} listed cars published within the last day", file=sys.stderr)


def alert_run(app) -> None:
    with app.app_context():
        before = db.scalar("bench.alert_outbox")
        with db.Database.record() as names:
            started = time.perf_counter()
            figures = searches.run_alerts("daily")
            elapsed = time.perf_counter() - started
        queued = db.scalar("bench.alert_outbox") - before
    by_name = Counter(names)
    print(f"\none daily alert run: {elapsed:.2f} s")
    print(f"  matches found      {figures['matches']:>10,}")
    print(f"  searches alerted   {figures['searches_alerted']:>10,}")
    print(f"  searches quiet     {figures['checked_quiet']:>10,}")
    print(f"  mails queued       {queued:>10,}")
    print(f"  queries issued     {len(names):>10,}   " + ", ".join(f"{n} {c:,}" for n, c in by_name.most_common(6)))


def enqueue_cost(app, runs: int) -> None:
    with app.app_context():
        user = db.all("bench.alert_users", count=1)[0]["id"]
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            with db.transaction():
                mail.queue(
                    "alerts-bench-1@bench.carsite.test",
                    "Benchmark",
                    "saved_search_alert",
                    kind="saved_search",
                    user_id=user,
                    unsubscribe=True,
                    channel=mail.BULK,
                    name="Alert Bench",
                    cars=[],
                    total=0,
                    search_name="bench",
                    url="http://localhost/cars",
                    title="Benchmark",
                    body="",
                )
                inside = time.perf_counter() - started
            times.append(inside * 1000)
    times.sort()
    print(
        f"\nmail.queue inside a transaction (render, outbox row and job, before COMMIT), {runs:,} runs: "
        f"median {statistics.median(times):.3f} ms, p95 {times[int(len(times) * 0.95)]:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--new-cars", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=1, help="alert runs (each after preparing afresh)")
    parser.add_argument("--enqueue-runs", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=12)
    options = parser.parse_args()
    app = create_app(
        {"DATABASE_URL": options.database_url, "DB_STATEMENT_TIMEOUT_MS": 600_000, "ALERT_SETTLE_SECONDS": 60}
    )
    Runner(options.database_url, ROOT / "migrations").migrate()
    with app.app_context():
        print(f"{db.scalar('bench.count_cars'):,} cars, {db.scalar('bench.count_listed'):,} listed", file=sys.stderr)
    for run in range(options.runs):
        prepare(app, options.searches, options.new_cars, options.seed + run)
        alert_run(app)
    enqueue_cost(app, options.enqueue_runs)
    with app.app_context():
        db.scalar("bench.alert_reset")


if __name__ == "__main__":
    main()
