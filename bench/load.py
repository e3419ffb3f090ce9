"""Pages under load: `python -m carsite serve` with 1 process and with 2, driven over real HTTP with keep-alive clients.

    python bench/load.py [--cars 1000000] [--seconds 10] [--clients 8] [--threads 8] [--database-url URL]

Without --database-url it uses the embedded server's database "carsite_bench" topped up to --cars, as
bench/search.py does; with one (e.g. the PostgreSQL 15 service's million-car database) it writes nothing but what
serving the pages writes (a login, view counts, rate-limit counters). Both servers run at once (only one is
loaded at a time), so each page's runs on 1 and on 2 processes follow each other. Per page it prints requests/s
for 1 and 2 processes and their ratio, then for 2 processes: latency p50 / p99, CPU per request of the app and of
PostgreSQL, queries per request, and the share of requests each process served.

How it measures:
- Load: ``--clients`` client processes (not threads: no GIL between them), each with one keep-alive connection
  that sends the next request as soon as the last response is read. They run on the same machine and take CPU from
  the server; their own CPU per request is printed too, so one can see when they are the bottleneck.
- App CPU: utime + stime (/proc/<pid>/stat, through psutil) of the serve process and its workers, before and after
  the run, divided by the requests served.
- PostgreSQL CPU: the same for the cluster's processes that do this run's work: the backends connected to this
  database plus the cluster's background processes (checkpointer, WAL writer, autovacuum...), as
  `pg_stat_activity` lists them, minus this script's own connection. The server must run on this machine. Client
  backends of other databases are left out, so other work on a shared server does not count (other clients of the
  same database do); a backend that ends during the run loses its CPU (the app's pool keeps its connections open,
  so that is rare).
- Queries per request: the named queries one request runs (``Database.record``, as the query-count tests count),
  in this process, on a repeat of the request after a first one warmed the caches.
- Share per process: which worker holds each client connection, read from the kernel's socket tables at the end
  of the run (bench/serving.py connection_owners), weighted by the requests each connection sent. The kernel deals
  connections to the workers' sockets by a hash of the client's address and port, so with few clients the shares
  are lumpy (of 8 connections, one worker gets 6 or more in 29 % of runs); more clients even them out.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import database_url, percentile, prepare  # noqa: E402
from bench.serving import connection_owners, serving, wait_listening, workers  # noqa: E402
from carsite import create_app, db, seed  # noqa: E402
from carsite.web.filters import slugify  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Run:
    rate: float
    latencies: list[float]
    errors: int
    app_ms: float
    pg_ms: float
    client_ms: float
    shares: list[float]


def pages(app) -> dict[str, tuple[str, bool]]:
    """Page name → (path, logged in)."""
    with app.app_context():
        car = db.all("bench.some_listed_car")[0]
    car_page = f"/cars/{car['id']}/{slugify(car['title'])}"
    return {
        "home": ("/", False),
        "car page": (car_page, False),
        "filtered search": ("/cars?make=BMW&fuel=diesel", False),
        "text search": ("/cars?q=toyta+corola+service", False),
        "API list": ("/api/v1/cars", False),
        "make by price": ("/cars?make=Toyota&sort=price_asc", False),
        "home, logged in": ("/", True),
        "car page, logged in": (car_page, True),
        "/healthz": ("/healthz", False),
    }


def log_in(base: str, email: str, password: str) -> str:
    """Log in through the real form; the Cookie header that carries the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login", timeout=10) as response:
        match = TOKEN.search(response.read().decode())
    assert match, "no CSRF token on /login"
    form = urllib.parse.urlencode({"csrf_token": match.group(1), "email": email, "password": password}).encode()
    request = urllib.request.Request(base + "/login", data=form, headers={"Referer": base + "/login"})
    with opener.open(request, timeout=10) as response:
        assert response.status == 200, response.status
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    with opener.open(base + "/account", timeout=10) as response:
        assert response.url.endswith("/account"), f"login failed: landed on {response.url}"
    return cookie


def client(port: int, path: str, headers: dict[str, str], start: float, stop: float, results, close) -> None:
    """One keep-alive connection; sends results, then holds the connection open until ``close`` is set."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect()
    latencies, errors = [], 0
    while time.monotonic() < start:
        time.sleep(0.001)
    while time.monotonic() < stop:
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - began) * 1000)
        errors += response.status != 200
    results.put((conn.sock.getsockname(), latencies, errors))
    close.wait(60)
    conn.close()


def cpu_ms(processes: list[psutil.Process]) -> dict[int, float]:
    times = {}
    for process in processes:
        try:
            t = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        times[process.pid] = (t.user + t.system) * 1000
    return times


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(ms - before.get(pid, 0.0) for pid, ms in after.items())


def cluster(app) -> list[psutil.Process]:
    with app.app_context():
        return [
            psutil.Process(row["pid"]) for row in db.all("bench.cluster_processes") if psutil.pid_exists(row["pid"])
        ]


def drive(app, server, port: int, path: str, headers: dict[str, str], seconds: float, clients: int) -> Run:
    context = multiprocessing.get_context("fork")
    results, close = context.Queue(), context.Event()
    start = time.monotonic() + 1.0  # every client connected before the clock starts
    stop = start + seconds
    procs = [
        context.Process(target=client, args=(port, path, headers, start, stop, results, close)) for _ in range(clients)
    ]
    for p in procs:
        p.start()
    while time.monotonic() < start - 0.2:
        time.sleep(0.01)
    served, database = [psutil.Process(server.pid), *workers(server)], cluster(app)
    app_before, pg_before, client_before = (
        cpu_ms(served),
        cpu_ms(database),
        cpu_ms([psutil.Process(p.pid) for p in procs]),
    )
    collected = [results.get(timeout=seconds + 60) for _ in procs]
    elapsed = time.monotonic() - start
    app_ms = spent(app_before, cpu_ms(served))
    pg_ms = spent(pg_before, cpu_ms(database))
    client_ms = spent(client_before, cpu_ms([psutil.Process(p.pid) for p in procs]))
    owners = connection_owners(server, port)
    close.set()
    for p in procs:
        p.join(10)
    latencies = [ms for _address, mine, _errors in collected for ms in mine]
    requests = max(len(latencies), 1)
    per_process: dict[int, int] = {w.pid: 0 for w in workers(server)}
    for address, mine, _errors in collected:
        owner = owners.get(tuple(address), 0)  # 0: a connection no worker holds any more
        per_process[owner] = per_process.get(owner, 0) + len(mine)
    shares = sorted((n / requests for n in per_process.values()), reverse=True)
    return Run(
        rate=len(latencies) / elapsed,
        latencies=latencies,
        errors=sum(e for _a, _l, e in collected),
        app_ms=app_ms / requests,
        pg_ms=pg_ms / requests,
        client_ms=client_ms / requests,
        shares=shares,
    )


def queries_per_request(app, paths: dict[str, tuple[str, bool]]) -> dict[str, int]:
    counts = {}
    anonymous, member = app.test_client(), app.test_client()
    html = member.get("/login").get_data(as_text=True)
    token = TOKEN.search(html).group(1)  # type: ignore[union-attr]
    member.post("/login", data={"csrf_token": token, "email": seed.DEMO_ACCOUNTS[3][1], "password": seed.DEMO_PASSWORD})
    for name, (path, logged_in) in paths.items():
        browser = member if logged_in else anonymous
        browser.get(path)
        with db.current().record() as names:
            browser.get(path)
        counts[name] = len(names)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8, help="keep-alive connections (one process each)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = database_url(args.database_url)
    settings = {"DATABASE_URL": url, "DB_POOL_MIN": 1, "DB_POOL_MAX": 1, "DB_STATEMENT_TIMEOUT_MS": 600_000}
    app = create_app(settings)
    if not args.database_url:
        prepare(app, args.cars)
    paths = pages(app)
    with app.app_context():
        queries = queries_per_request(app, paths)
    email = seed.DEMO_ACCOUNTS[3][1]
    env = {"CARSITE_DB_POOL_MAX": str(max(10, args.threads))}
    runs: dict[int, dict[str, Run]] = {1: {}, 2: {}}
    log_dir = Path(tempfile.mkdtemp(prefix="carsite-load-"))
    with ExitStack() as stack:
        servers = {}  # both run throughout, so each page's two runs are back to back (a shared machine drifts)
        for processes in (1, 2):
            log = log_dir / f"serve-{processes}.log"
            server, base = stack.enter_context(
                serving(url, log, "--processes", str(processes), "--threads", str(args.threads), **env)
            )
            port = int(base.rsplit(":", 1)[1])
            wait_listening(server, port, processes)
            print(log.read_text().splitlines()[-1], file=sys.stderr)
            servers[processes] = (server, port, log_in(base, email, seed.DEMO_PASSWORD))
        for name, (path, logged_in) in paths.items():
            for processes, (server, port, cookie) in servers.items():
                headers = {"Cookie": cookie} if logged_in else {}
                drive(app, server, port, path, headers, 1.0, args.clients)  # warm up every worker's caches
                run = runs[processes][name] = drive(app, server, port, path, headers, args.seconds, args.clients)
                print(
                    f"{processes} process(es) {name:<22} {run.rate:7.0f} req/s  app {run.app_ms:5.2f} ms  "
                    f"pg {run.pg_ms:5.2f} ms  client {run.client_ms:5.2f} ms  errors {run.errors}",
                    file=sys.stderr,
                )
    with app.app_context():
        cars = db.scalar("bench.count_listed")
    print(
        f"\n{cars:,} listed cars; {args.clients} keep-alive clients, {args.threads} threads per process, "
        f"{args.seconds:g} s per page; latency, CPU and shares with 2 processes\n"
    )
    print(
        "| page | req/s, 1 process | req/s, 2 | 2 ÷ 1 | p50 ms | p99 ms | app CPU ms/req | PostgreSQL CPU ms/req "
        "| total | queries/req | share per process |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name in paths:
        one, two = runs[1][name], runs[2][name]
        shares = " / ".join(f"{s:.0%}" for s in two.shares)
        print(
            f"| {name} | {one.rate:.0f} | {two.rate:.0f} | {two.rate / one.rate:.2f}× | "
            f"{percentile(two.latencies, 0.5):.1f} | {percentile(two.latencies, 0.99):.1f} | {two.app_ms:.2f} | "
            f"{two.pg_ms:.2f} | {two.app_ms + two.pg_ms:.2f} | {queries[name]} | {shares} |"
        )
    worst_client = max(r.client_ms for by_page in runs.values() for r in by_page.values())
    errors = sum(r.errors for by_page in runs.values() for r in by_page.values())
    print(f"\nload generator: at most {worst_client:.2f} ms CPU per request; {errors} non-200 responses")
    app.extensions["carsite.views"].close()
    app.extensions["carsite.db"].close()


if __name__ == "__main__":
    main()
