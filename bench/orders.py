"""Buying under contention: 50 buyers racing for one car, then 1,000 reservations over 1,000 cars from 16 threads.

    DATABASE_URL=postgresql://…/scratch python bench/orders.py [--racers 50] [--reservations 1000] [--threads 16]

Uses the database in DATABASE_URL (a scratch one: it is migrated and filled with the demo, generated cars and
bench accounts; each run takes cars no order touched before). Every reservation is the real use case
(carsite.orders.reservations.reserve: the conditional UPDATE of the car, the order, its timeline, the conversation
and its notice, the seller's notification, one transaction) called from real threads on the app's own pool
(DB_POOL_MAX raised to the thread count). Printed: for the race, wins / "no longer available" refusals / other
errors and the latency p50 / p95 / max; for the throughput run, orders per second, latency p50 / p95 / max and the
errors; then the database's own check: cars with two live orders (0 expected) and cars reserved without an order
(0 expected). Targets: exactly one winner, 0 double sales, 0 errors other than the expected refusals.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carsite import create_app, db, seed  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402
from carsite.domain.actor import Actor  # noqa: E402
from carsite.domain.errors import Conflict  # noqa: E402
from carsite.orders import reservations  # noqa: E402

DETAILS = reservations.BuyerDetails("Bench Buyer", "Benchstraße 1, 10115 Berlin", "", "")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def prepare(app: Any, cars: int, buyers: int) -> tuple[list[int], list[int]]:
    Runner(app.config["DATABASE_URL"], ROOT / "migrations").migrate()
    with app.app_context():
        seed.demo()
        db.execute("bench.messaging_accounts", role="user", count=buyers, password_hash="!")  # noqa: S106 - bench accounts nobody logs in to
        found = [r["id"] for r in db.all("bench.orders_available_cars", count=cars)]
        if len(found) < cars:
            seed.generate(int((cars - len(found)) * 1.3) + 100)
            found = [r["id"] for r in db.all("bench.orders_available_cars", count=cars)]
        people = [r["id"] for r in db.all("bench.orders_buyers", count=buyers)]
    return found, people


def reserve(app: Any, car_id: int, buyer_id: int) -> tuple[str, float]:
    actor = Actor(user_id=buyer_id, role="user", email_verified=True)
    started = time.perf_counter()
    with app.app_context():
        try:
            reservations.reserve(car_id, str(uuid.uuid4()), DETAILS, actor=actor)
            outcome = "won"
        except Conflict as exc:
            outcome = "refused" if exc.message == reservations.GONE else f"conflict: {exc.message}"
        except Exception as exc:
            outcome = f"error: {type(exc).__name__}: {exc}"
    return outcome, time.perf_counter() - started


def race(app: Any, car_id: int, buyers: list[int]) -> None:
    barrier = threading.Barrier(len(buyers))
    results: list[tuple[str, float]] = []
    lock = threading.Lock()

    def run(buyer_id: int) -> None:
        barrier.wait()
        result = reserve(app, car_id, buyer_id)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = [o for o, _ in results]
    times = [t * 1000 for _, t in results]
    others = [o for o in outcomes if o not in ("won", "refused")]
    print(f"race: {len(buyers)} buyers for car {car_id}")
    print(
        f"  won {outcomes.count('won')}, refused (409 'no longer available') {outcomes.count('refused')}, "
        f"other {len(others)}"
    )
    for line in sorted(set(others))[:5]:
        print(f"    {line}")
    print(f"  latency ms: p50 {percentile(times, 0.5):.1f}, p95 {percentile(times, 0.95):.1f}, max {max(times):.1f}")


def throughput(app: Any, cars: list[int], buyers: list[int], threads: int) -> None:
    work: queue.Queue[tuple[int, int]] = queue.Queue()
    for n, car_id in enumerate(cars):
        work.put((car_id, buyers[n % len(buyers)]))
    results: list[tuple[str, float]] = []
    lock = threading.Lock()

    def run() -> None:
        while True:
            try:
                car_id, buyer_id = work.get_nowait()
            except queue.Empty:
                return
            result = reserve(app, car_id, buyer_id)
            with lock:
                results.append(result)

    started = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    outcomes = [o for o, _ in results]
    times = [t * 1000 for _, t in results]
    others = [o for o in outcomes if o != "won"]
    print(f"throughput: {len(cars)} reservations over {len(cars)} cars from {threads} threads")
    print(
        f"  {outcomes.count('won') / wall:.0f} orders/s ({outcomes.count('won')} in {wall:.1f} s), errors {len(others)}"
    )
    for line in sorted(set(others))[:5]:
        print(f"    {line}")
    print(f"  latency ms: p50 {percentile(times, 0.5):.1f}, p95 {percentile(times, 0.95):.1f}, max {max(times):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--reservations", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a scratch database.")
    app = create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "bench",
            "DB_POOL_MAX": max(args.threads, args.racers),
            "DB_POOL_MIN": 2,
            "MAIL_DIR": str(ROOT / "instance" / "bench-mail"),
        }
    )
    cars, buyers = prepare(app, args.reservations + 1, max(args.racers, args.reservations))
    race(app, cars[0], buyers[: args.racers])
    throughput(app, cars[1:], buyers, args.threads)
    with app.app_context():
        check = db.one("bench.orders_live_per_car", car_ids=cars)
    print(
        f"check: {check['live_orders']} live orders over {len(cars)} cars; double sales {check['double_sales']}, "
        f"cars reserved without an order {check['orphaned']}"
    )


if __name__ == "__main__":
    main()
