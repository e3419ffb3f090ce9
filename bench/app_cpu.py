"""The app's own CPU per request (Python, Jinja, psycopg's client side), page by page, anonymous and logged in.

    python bench/app_cpu.py [--requests 300] [--profile 15]

Uses the configured database (DATABASE_URL, or the embedded one in the instance folder); a few thousand cars are
enough for the Python share (`python -m carsite seed --cars 5000`). Each page is sent straight to the WSGI app
(no HTTP server, no test client) with a prebuilt environ, so the figures are the app's work alone: process CPU
time per request (PostgreSQL's CPU is in another process and not counted), rounds interleaved across pages so
load on a shared machine hits every page alike. With --profile N, cProfile's top N functions per page (own CPU
time). To compare with an earlier commit, copy this file into a worktree of it (`git worktree add`) and run both
against the same database one after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.test import EnvironBuilder

from carsite import create_app
from carsite.cars.search import Search, run
from carsite.seed import DEMO_PASSWORD

LOGIN = "buyer@demo.carsite.test"


def login_cookie(app: Any) -> str:
    """The Cookie header of a session logged in as the demo buyer (through the real login form)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"csrf_token": token, "email": LOGIN, "password": DEMO_PASSWORD})
    if answer.status_code not in (302, 303):
        sys.exit(f"login as {LOGIN} failed ({answer.status_code}): run `python -m carsite seed` first")
    client.get("/")  # a browser's first page after login puts the CSRF token in the session; later ones do not
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def environ_for(app: Any, path: str, cookie: str | None) -> dict:
    headers = [("Cookie", cookie)] if cookie else []
    with app.app_context():
        return EnvironBuilder(path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()


def send(app: Any, environ: dict) -> int:
    status: list[str] = []
    body = app(dict(environ), lambda s, h, exc_info=None: status.append(s))
    try:
        for _ in body:
            pass
    finally:
        getattr(body, "close", lambda: None)()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N per page")
    args = parser.parse_args()

    app = create_app({"DB_POOL_MIN": 1, "DB_POOL_MAX": 2})
    with app.app_context():
        listed = run(Search(limit=1)).cars
        if not listed:
            sys.exit("no cars: run `python -m carsite seed --cars 5000` first")
    car = app.test_client().get(f"/cars/{listed[0]['id']}").headers["Location"]
    cookie = login_cookie(app)
    paths = {
        "home": "/",
        "car page": car,
        "filtered search": "/cars?make=BMW&fuel=diesel",
        "text search": "/cars?q=toyta+corola+service",
        "API list": "/api/v1/cars",
    }
    pages = {}
    for name, path in paths.items():
        pages[name] = environ_for(app, path, None)
        pages[f"{name} (logged in)"] = environ_for(app, path, cookie)
    for name, environ in pages.items():  # warm up: templates, prepared statements, caches
        for _ in range(30):
            status = send(app, environ)
        if status != 200:
            sys.exit(f"{name}: HTTP {status}")

    per_round = max(1, args.requests // args.rounds)
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.rounds):
        for name, environ in pages.items():
            started = time.process_time()
            for _ in range(per_round):
                send(app, environ)
            times[name].append((time.process_time() - started) / per_round * 1000)

    print(f"app CPU per request (ms), {per_round * args.rounds} requests per page, median of {args.rounds} rounds")
    print(f"{'page':<30} {'median':>7} {'min':>7} {'vs anon':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        anonymous = name.removesuffix(" (logged in)")
        ratio = f"{median / statistics.median(times[anonymous]) * 100 - 100:+.0f}%" if anonymous != name else ""
        print(f"{name:<30} {median:>7.2f} {min(values):>7.2f} {ratio:>8}")

    if args.profile:
        for name, environ in pages.items():
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(100):
                send(app, environ)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(f"\n== {name}: top {args.profile} by own CPU time, 100 requests")
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    app.extensions["carsite.db"].close()


if __name__ == "__main__":
    main()
