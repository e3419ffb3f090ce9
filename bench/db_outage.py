"""The database stalls or goes away: every request is still answered within the budget, /healthz at once.

    python bench/db_outage.py [--requests 40] [--threads 8] [--budget 5] [--cars 2000]

Starts an embedded PostgreSQL of its own (a temporary folder, removed at the end) and `python -m carsite serve`
(one process) on a free port of 127.0.0.1, then:

1. lock: another connection holds ``LOCK TABLE cars IN ACCESS EXCLUSIVE MODE`` while --requests concurrent clients
   load /cars (which reads cars) and one client polls /healthz every 50 ms;
2. down: the same with the PostgreSQL server stopped.

Prints, per phase, the status counts and the slowest answer of /cars, and the slowest /healthz. Every request has
a client timeout (budget + 30 s), so the script always ends.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.serving import serve  # noqa: E402
from carsite import create_app, seed  # noqa: E402
from carsite.db.embedded import FAST_UNSAFE_SETTINGS, EmbeddedServer  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402


def get(url: str, timeout: float) -> tuple[int | str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status: int | str = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        status = type(exc).__name__
    return status, time.monotonic() - started


def phase(name: str, base: str, requests: int, timeout: float) -> None:
    health: list[float] = []
    health_statuses: Counter[int | str] = Counter()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            status, seconds = get(base + "/healthz", timeout)
            health_statuses[status] += 1
            health.append(seconds)
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(requests) as pool:
            results = list(pool.map(lambda _: get(base + "/cars", timeout), range(requests)))
    finally:
        stop.set()
        poller.join()
    wall = time.monotonic() - started
    statuses = Counter(status for status, _ in results)
    slowest = max(seconds for _, seconds in results)
    print(
        f"{name:<5} /cars x{requests}: {dict(sorted(statuses.items(), key=str))}, max {slowest:.2f} s, "
        f"all answered after {wall:.2f} s | /healthz x{len(health)}: {dict(health_statuses)}, "
        f"max {max(health) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--budget", type=float, default=5.0, help="CARSITE_DB_REQUEST_BUDGET in seconds")
    parser.add_argument("--cars", type=int, default=2000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="carsite-outage-"))
    server = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    try:
        server.ensure_database("carsite")
        url = server.url("carsite")
        Runner(url, ROOT / "migrations").migrate()
        app = create_app({"DATABASE_URL": url, "VIEW_FLUSH_SECONDS": 0})
        with app.app_context():
            seed.demo()
            seed.generate(args.cars)
        app.extensions["carsite.views"].close()
        app.extensions["carsite.db"].close()
        timeout = args.budget + 30
        print(f"budget {args.budget:g} s, {args.threads} threads, {args.requests} concurrent clients")
        with serve(
            url, folder / "serve.log", "--threads", str(args.threads), CARSITE_DB_REQUEST_BUDGET=str(args.budget)
        ) as base:
            phase("ok", base, args.requests, timeout)
            with psycopg.connect(url) as locker:
                locker.execute("LOCK TABLE cars IN ACCESS EXCLUSIVE MODE")
                phase("lock", base, args.requests, timeout)
                locker.rollback()
            phase("ok", base, args.requests, timeout)
            server.stop()
            phase("down", base, args.requests, timeout)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
