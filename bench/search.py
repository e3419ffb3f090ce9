"""Search at scale: database time and plans of every search shape, then HTTP throughput of the real pages.

    python bench/search.py [--cars 1000000] [--runs 30] [--seconds 10] [--clients 8] [--database-url URL]

Without --database-url it uses a database "carsite_bench" on the embedded server in the instance folder and tops
it up to --cars generated cars (a million takes a few minutes once). Figures: per search shape, the median and 95th
percentile of the time the database call takes (client side, so it includes the round trip), the 95th percentile of
the facet query and of both together, whether the plans scan cars sequentially (and "one plan" for the shapes
search.cars_unfiltered serves); then requests/s and latency percentiles for the home page, a filtered search and a car
page, beside /healthz of the same app in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.search_shapes import SHAPES  # noqa: E402
from carsite import create_app, db, seed  # noqa: E402
from carsite.cars.search import facet_query, interpret, page_query, parse  # noqa: E402
from carsite.db import tools  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def database_url(given: str | None) -> str:
    if given:
        return given
    from carsite.db.embedded import EmbeddedServer

    server = EmbeddedServer(ROOT / "instance" / "postgres").start()
    server.ensure_database("carsite_bench")
    return server.url("carsite_bench")


def prepare(app, cars: int) -> None:
    Runner(app.config["DATABASE_URL"], ROOT / "migrations").migrate()
    with app.app_context():
        seed.demo()
        have = db.scalar("bench.count_cars")
        if have < cars:
            print(f"generating {cars - have:,} cars …", file=sys.stderr)
            seed.generate(cars - have, progress=seed.print_progress)
            db.execute("bench.vacuum_cars")
            db.execute("bench.compact_counts")
            db.execute("bench.analyze")
        print(f"{db.scalar('bench.count_cars'):,} cars, {db.scalar('bench.count_listed'):,} listed")


def search_shapes(app, runs: int) -> list[float]:
    registry = app.extensions["carsite.db"].queries
    url = app.config["DATABASE_URL"]
    print(f"\n{'search shape':<62} {'p50 ms':>7} {'p95 ms':>7} {'facets p95':>10} {'both p95':>8}  plan")
    all_p95 = []
    shapes = list(SHAPES) + [{"sort": s, "deep": "1"} for s in ("newest", "price_asc", "mileage_asc", "year_desc")]
    with app.app_context():
        for shape in shapes:
            args = {k: v for k, v in shape.items() if k != "deep"}
            search = interpret(parse(MultiDict(args)))
            if shape.get("deep"):  # a page deep in the results: 2,000 rows in, through cursors
                for _ in range(20):
                    page = app.test_client().get(
                        "/api/v1/cars",
                        query_string={**args, "limit": 100, **({"cursor": search.cursor} if search.cursor else {})},
                    )
                    search = interpret(parse(MultiDict({**args, "cursor": page.json["next_cursor"]})))
            name, params = page_query(search)
            facet_name, facet_params, _exact = facet_query(search)
            scans = tools.sequential_scans(tools.plan(url, registry[name], params), "cars")
            scans += tools.sequential_scans(tools.plan(url, registry[facet_name], facet_params), "cars")
            times, facet_times, both = [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                db.all(name, **params)
                middle = time.perf_counter()
                db.all(facet_name, **facet_params)
                ended = time.perf_counter()
                times.append((middle - started) * 1000)
                facet_times.append((ended - middle) * 1000)
                both.append((ended - started) * 1000)
            label = "&".join(f"{k}={v}" for k, v in shape.items()) or "(no filter, newest)"
            verdict = ("SEQ SCAN" if scans else "indexes") + (", one plan" if name == "search.cars_unfiltered" else "")
            all_p95.append(percentile(both, 0.95))
            print(
                f"{label[:62]:<62} {statistics.median(times):>7.2f} {percentile(times, 0.95):>7.2f} "
                f"{percentile(facet_times, 0.95):>10.2f} {all_p95[-1]:>8.2f}  {verdict}"
            )
    worst = max(all_p95)
    print(f"worst 95th percentile of results and facets together: {worst:.1f} ms (target < 25 ms)")
    return all_p95


def load(port: int, path: str, seconds: float, clients: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            bad += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - started), latencies, errors


def http_bench(app, seconds: float, clients: int) -> None:
    from waitress.server import create_server

    with app.app_context():
        car = db.all("bench.some_listed_car")[0]
    from carsite.web.filters import slugify

    paths = {
        "/healthz (trivial)": "/healthz",
        "home page": "/",
        "filtered search": "/cars?make=BMW&fuel=diesel&year_min=2015&sort=price_asc",
        "text search": "/cars?q=toyta+corola+service",
        "radius + details": "/cars?near=Muenchen&radius_km=50&power_min=100&accident_free=1&sort=price_asc",
        "car page": f"/cars/{car['id']}/{slugify(car['title'])}",
    }
    server = create_server(app, host="127.0.0.1", port=0, threads=clients)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = server.effective_port
    print(f"\nHTTP: one waitress process, {clients} threads, {clients} keep-alive clients, {seconds:g} s each")
    print(f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'vs trivial':>10} {'errors':>6}")
    base = None
    for name, path in paths.items():
        load(port, path, 1.0, clients)  # warm up
        rate, latencies, errors = load(port, path, seconds, clients)
        base = base or rate
        print(
            f"{name:<20} {rate:>8.0f} {percentile(latencies, 0.5):>8.2f} {percentile(latencies, 0.95):>8.2f} "
            f"{percentile(latencies, 0.99):>8.2f} {rate / base:>9.2f}x {errors:>6}"
        )
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    app = create_app(
        {
            "DATABASE_URL": database_url(args.database_url),
            "DB_POOL_MIN": 2,
            "DB_POOL_MAX": args.clients,
            "RATELIMIT_ENABLED": False,
            "DB_SLOW_QUERY_MS": 10_000,
            "DB_STATEMENT_TIMEOUT_MS": 600_000,  # the one-time vacuum after generating a million cars
        }
    )
    prepare(app, args.cars)
    search_shapes(app, args.runs)
    if not args.skip_http:
        http_bench(app, args.seconds, args.clients)
    app.extensions["carsite.views"].close()
    app.extensions["carsite.db"].close()


if __name__ == "__main__":
    main()
