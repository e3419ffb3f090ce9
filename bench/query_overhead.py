"""Per-query overhead of carsite's data module against plain psycopg, on the same pool and the same SQL.

    python bench/query_overhead.py [--rounds 20] [--per-round 500]

Uses the configured database (DATABASE_URL, or the embedded one in the instance folder, seeded on first start).
Calls alternate in rounds so drift on a busy machine hits both sides alike; figures are per call, in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carsite import create_app, db
from carsite.cars.search import Search, run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=500)
    args = parser.parse_args()

    app = create_app({"DB_POOL_MIN": 1, "DB_POOL_MAX": 1})
    database = app.extensions["carsite.db"]
    query = database.queries["cars.car_by_id"]
    with app.app_context():
        listed = run(Search(limit=1)).cars
        if not listed:
            sys.exit("no cars: run `python -m carsite seed` first")
        car_id = listed[0]["id"]

        def plain() -> dict:
            with database.pool.connection() as conn:
                return conn.execute(query.sql, (car_id,)).fetchone()

        def module() -> dict:
            return database.one("cars.car_by_id", car_id=car_id)

        def app_function() -> dict:
            return db.one("cars.car_by_id", car_id=car_id)

        sides = {"plain psycopg": plain, "Database.one": module, "db.one (app)": app_function}
        assert plain() == module() == app_function()
        for fn in sides.values():  # warm up: connection, prepared statements, caches
            for _ in range(200):
                fn()
        timings: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, fn in sides.items():
                for _ in range(args.per_round):
                    started = time.perf_counter_ns()
                    fn()
                    timings[name].append((time.perf_counter_ns() - started) / 1000)
    database.close()

    base = statistics.median(timings["plain psycopg"])
    print(f"one-row primary-key lookup (cars.car_by_id), {args.rounds * args.per_round} calls per side")
    print(f"{'side':<16} {'median µs':>10} {'p95 µs':>9} {'p99 µs':>9} {'overhead':>9}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:<16} {median:>10.1f} {percentile(values, 0.95):>9.1f} {percentile(values, 0.99):>9.1f} "
            f"{(median / base - 1) * 100:>8.1f}%"
        )
    worst = max(statistics.median(v) for v in timings.values()) / base - 1
    print(f"target: at most 15% slower at the median -> {'met' if worst <= 0.15 else 'NOT met'} ({worst * 100:.1f}%)")


if __name__ == "__main__":
    main()
