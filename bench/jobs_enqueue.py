"""What queueing background work costs a web request: a mail and a bare job, each deferred in the transaction of
the write that causes it.

    python bench/jobs_enqueue.py [--runs 2000] [--database-url URL]

Uses --database-url, else the configured database (DATABASE_URL, or the embedded one in the instance folder).
Each run is one transaction like a request's: "mail.queue" renders a template and writes the outbox row and its
job in one statement; "jobs.defer" queues a bare job; "commit" is the whole transaction with its commit. Figures
are per run, in milliseconds. The rows are deleted afterwards and no worker runs meanwhile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carsite import create_app, db, jobs, mail
from carsite.jobs import maintenance


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    config: dict = {"DB_POOL_MIN": 1, "DB_POOL_MAX": 1, "BASE_URL": "http://bench.example"}
    if args.database_url:
        config["DATABASE_URL"] = args.database_url
    app = create_app(config)
    timings: dict[str, list[float]] = {"mail.queue": [], "jobs.defer": [], "transaction + commit": []}
    with app.app_context():
        for n in range(args.runs + 100):  # the first 100 warm up: connection, prepared statements, templates
            started = time.perf_counter()
            with db.transaction():
                t0 = time.perf_counter()
                mail.queue(
                    f"bench{n}@example.com", "Bench", "verify", kind="bench.enqueue", name="Bench", url="x", hours=1
                )
                t1 = time.perf_counter()
                jobs.defer(maintenance.prune)
                t2 = time.perf_counter()
            done = time.perf_counter()
            if n >= 100:
                timings["mail.queue"].append((t1 - t0) * 1000)
                timings["jobs.defer"].append((t2 - t1) * 1000)
                timings["transaction + commit"].append((done - started) * 1000)
    with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:  # leave no work behind
        conn.execute(
            "DELETE FROM procrastinate_jobs WHERE id IN (SELECT job_id FROM mail_outbox WHERE kind = 'bench.enqueue')"
            " OR (task_name = 'carsite.jobs.prune' AND status = 'todo')"
        )
        conn.execute("DELETE FROM mail_outbox WHERE kind = 'bench.enqueue'")
    app.extensions["carsite.db"].close()
    print(f"{args.runs} runs, milliseconds per run")
    print(f"{'':24} {'median':>8} {'p95':>8} {'max':>8}")
    for name, values in timings.items():
        print(f"{name:24} {statistics.median(values):8.3f} {percentile(values, 0.95):8.3f} {max(values):8.3f}")


if __name__ == "__main__":
    main()
