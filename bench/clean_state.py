"""What a clean database costs a test: TRUNCATE of every table against a clone of a template database.

    python bench/clean_state.py [--rounds 30] [--server-url URL]

Without --server-url it starts a throwaway embedded PostgreSQL with the settings the test suite uses; with one
(say the machine's PostgreSQL service) it creates and drops its own databases there. Each round does what a test
does to its database (one insert, then a fresh connection that runs a query), then resets it:

- truncate: TRUNCATE every table but the migration records (the empty case only: demo data would be re-seeded);
- clone (WAL_LOG / FILE_COPY): CREATE DATABASE … TEMPLATE … STRATEGY …, used by the test, then DROP … WITH (FORCE),
  for the migrated template and for one migrated and demo-seeded.

Figures are per round, in milliseconds (median and 95th percentile); the reset and the first connection are timed
together, since a new database also costs its first connection (no relation cache file yet).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carsite import create_app, seed  # noqa: E402
from carsite.db.embedded import FAST_UNSAFE_SETTINGS, EmbeddedServer  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402

TABLES = (
    "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables"
    " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
)
TOUCH = "INSERT INTO users (name, email, password_hash) VALUES ('Ann', 'ann@example.com', '!')"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def first(conn: psycopg.Connection, statement: str) -> Any:
    """The first value of a statement that returns a row."""
    row = conn.execute(statement).fetchone()
    assert row is not None
    return row[0]


class Server:
    def __init__(self, url: str) -> None:
        self.url = url

    def url_for(self, name: str) -> str:
        return psycopg.conninfo.make_conninfo(self.url, dbname=name)

    def admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(statement)

    def create(self, name: str, template: str | None = None, strategy: str | None = None) -> None:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        if strategy:
            statement += sql.SQL(" STRATEGY = {}").format(sql.SQL(strategy))
        self.admin(statement)

    def drop(self, name: str) -> None:
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def use(url: str, touch: bool = True) -> None:
    """What a test does: a new connection, a query, a write."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT count(*) FROM cars").fetchone()
        if touch:
            conn.execute(TOUCH)


def measure(rounds: int, reset: Callable[[], str], after: Callable[[str], None]) -> tuple[list[float], list[float]]:
    """Per round: the reset with the first connection, and the clean-up after the test (ms)."""
    before, cleanup = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        url = reset()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT 1").fetchone()
        before.append((time.perf_counter() - started) * 1000)
        use(url)
        started = time.perf_counter()
        after(url)
        cleanup.append((time.perf_counter() - started) * 1000)
    return before, cleanup


def run(server: Server, rounds: int) -> None:
    tag = f"carsite_bench_clean_{os.getpid()}"
    migrated, demo = f"{tag}_migrated", f"{tag}_demo"
    made = [migrated, demo]
    try:
        server.create(migrated)
        Runner(server.url_for(migrated), ROOT / "migrations").migrate()
        server.create(demo, template=migrated)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": server.url_for(demo)})
        started = time.perf_counter()
        with app.app_context():
            seed.demo()
        seeding = (time.perf_counter() - started) * 1000
        app.extensions["carsite.views"].close()
        app.extensions["carsite.db"].close()
        with psycopg.connect(server.url, autocommit=True) as conn:
            version = first(conn, "SHOW server_version")
            fsync = first(conn, "SHOW fsync")
        print(f"PostgreSQL {version} (fsync {fsync}), {rounds} rounds; seeding the demo data once: {seeding:.0f} ms")

        work = f"{tag}_work"
        server.create(work, template=migrated)
        made.append(work)
        work_url = server.url_for(work)

        def truncate() -> str:
            with psycopg.connect(work_url, autocommit=True) as conn:
                conn.execute(f"TRUNCATE {first(conn, TABLES)} RESTART IDENTITY CASCADE")
            return work_url

        results = {"truncate (empty)": measure(rounds, truncate, lambda url: None)}
        counter = iter(range(10**6))
        for template in (migrated, demo):
            for strategy in ("WAL_LOG", "FILE_COPY"):

                def clone(template: str = template, strategy: str = strategy) -> str:
                    name = f"{tag}_c{next(counter)}"
                    server.create(name, template=template, strategy=strategy)
                    return server.url_for(name)

                label = f"clone {'empty' if template == migrated else 'demo'} {strategy}"
                results[label] = measure(rounds, clone, lambda url: server.drop(str(conninfo_to_dict(url)["dbname"])))
        print(f"{'reset':<24} {'p50 ms':>8} {'p95 ms':>8}   of which drop: {'p50':>6} {'p95':>6}")
        for label, (before, cleanup) in results.items():
            total = [b + c for b, c in zip(before, cleanup, strict=True)]
            print(
                f"{label:<24} {statistics.median(total):>8.1f} {percentile(total, 0.95):>8.1f}"
                f"                 {statistics.median(cleanup):>6.1f} {percentile(cleanup, 0.95):>6.1f}"
            )
    finally:
        for name in made:
            server.drop(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--server-url", help="a PostgreSQL server to create the databases on")
    args = parser.parse_args()
    if args.server_url:
        run(Server(args.server_url), args.rounds)
        return
    folder = Path(tempfile.mkdtemp(prefix="carsite-bench-pg-"))
    embedded = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    try:
        run(Server(embedded.url("postgres")), args.rounds)
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
