"""Messaging at scale: queries and database time per request of the inbox, a conversation and its poll.

    DATABASE_URL=postgresql://…/scratch python bench/messages.py [--conversations 100000] [--messages 1000000]
        [--busy 5000] [--users 20] [--runs 20] [--no-explain]

Uses the database in DATABASE_URL (a scratch one: it is migrated and filled) and tops it up to --conversations
conversations with about --messages messages between generated buyers and sellers (set-based SQL in
queries/bench.sql; a million messages take about five minutes once), one dealer with --busy conversations among
them. Then, for --users sampled members (the busiest seller and buyer, then random ones of each side), logged in
through the real login, it asks with the Flask test client: the inbox (GET /messages, and ?view=archived), a
conversation (GET /messages/<id>: the newest and a random one) and its poll (GET /messages/<id>/poll?after=…):
once with the ETag it got (304 expected), once from three messages back (200 with new messages). Printed: per
request kind the status codes seen, the queries per request (max), and the database time per request (p50 / p95,
from the data module's own per-query timings: round trips included, the Python around them left out); then the
EXPLAIN ANALYZE of every messages.* query those pages ran, with the values of the busiest seller's requests, and
of the new-message mail scan (rolled back). Targets: at most 4 queries a page, 1 for a 304, p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carsite import create_app, db, seed  # noqa: E402
from carsite.accounts import passwords  # noqa: E402
from carsite.db import Database, tools  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402
from carsite.messages import mailing  # noqa: E402

PASSWORD = "bench messaging password"  # noqa: S105 - the generated accounts of a scratch database
SELLERS = 2_000
BUYERS = 20_000
CARS = 20_000
BUSY = "bench-seller-1@bench.carsite.test"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def prepare(app: Any, conversations: int, messages: int, busy: int) -> None:
    Runner(app.config["DATABASE_URL"], ROOT / "migrations").migrate()
    with app.app_context():
        seed.demo()
        sizes = db.one("bench.messaging_sizes")
        if sizes["conversations"] >= conversations and sizes["members"]:
            print(f"{sizes['conversations']:,} conversations, {sizes['messages']:,} messages (kept)", file=sys.stderr)
            busy_seller(busy, per=max(1, round(messages / conversations)))
            return
        started = time.perf_counter()
        hashed = passwords.hash_password(PASSWORD)
        for role, count in (("seller", SELLERS), ("user", BUYERS)):
            db.execute("bench.messaging_accounts", role=role, count=count, password_hash=hashed)
        have = db.scalar("bench.count_cars")
        if have < CARS:
            seed.generate(CARS - have)
        # each step commits, with fresh statistics for the next one (the planner must know messages is large)
        db.execute("bench.analyze")
        while db.one("bench.messaging_sizes")["conversations"] < conversations:
            missing = conversations - db.one("bench.messaging_sizes")["conversations"]
            db.execute("bench.messaging_conversations", count=missing)
        db.execute("bench.analyze")
        db.execute("bench.messaging_messages", per_conversation=max(1, round(messages / conversations)))
        db.execute("bench.messaging_vacuum")
        db.execute("bench.messaging_last_messages")
        db.execute("bench.messaging_members")
        db.execute("bench.messaging_vacuum")
        busy_seller(busy, per=max(1, round(messages / conversations)))
        sizes = db.one("bench.messaging_sizes")
        print(
            f"generated {sizes['conversations']:,} conversations, {sizes['members']:,} members, "
            f"{sizes['messages']:,} messages in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def busy_seller(count: int, per: int) -> None:
    """Top bench-seller-1 (the busiest seller sampled) up to ``count`` conversations: a dealer's large inbox."""
    have = db.scalar("bench.messaging_conversations_of_user", email=BUSY)
    if have >= count:
        return
    db.execute("bench.messaging_busy_seller", count=count - have)
    db.execute("bench.analyze")
    db.execute("bench.messaging_messages", per_conversation=per)
    db.execute("bench.analyze")
    db.execute("bench.messaging_last_messages")
    db.execute("bench.messaging_members")
    db.execute("bench.messaging_vacuum")
    print(f"{BUSY}: {db.scalar('bench.messaging_conversations_of_user', email=BUSY):,} conversations", file=sys.stderr)


class Spy:
    """The data module's calls (name and values), for EXPLAIN with the values the pages really used."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.on = False
        original = Database._run

        def run(database: Database, name: str, params: dict[str, Any], shape: Any) -> Any:
            if self.on:
                self.calls.append((name, dict(params)))
            return original(database, name, params, shape)

        Database._run = run  # type: ignore[method-assign,assignment]


def total_ms(database: Database) -> float:
    return sum(q["total_ms"] for q in database.stats()["queries"].values())


def login(client: Any, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    assert response.status_code == 303, (email, response.status_code)


def measure(app: Any, users: int, runs: int, spy: Spy) -> None:
    database: Database = app.extensions["carsite.db"]
    with app.app_context():
        sample = db.all("bench.messaging_sample", per_role=max(1, (users - 2) // 2))
    results: dict[str, dict[str, list]] = {}

    def ask(kind: str, client: Any, path: str, headers: dict[str, str] | None = None) -> Any:
        before = total_ms(database)
        with Database.record() as names:
            response = client.get(path, headers=headers or {})
        spent = total_ms(database) - before
        row = results.setdefault(kind, {"ms": [], "queries": [], "status": [], "names": []})
        row["ms"].append(spent)
        row["queries"].append(len(names))
        row["status"].append(response.status_code)
        row["names"].append(tuple(names))
        return response

    print(
        f"\n{len(sample)} members sampled; busiest: "
        + ", ".join(f"{s['role']} {s['conversations']} conversations" for s in sample[:2])
    )
    for index, member in enumerate(sample):
        client = app.test_client()
        login(client, member["email"])
        with app.app_context():
            threads = db.all("bench.messaging_conversations_of", user_id=member["user_id"])
        spy.on = index == 0  # the busiest seller's requests are the ones explained
        for run in range(runs):
            ask("inbox GET /messages", client, "/messages")
            ask("inbox ?view=archived", client, "/messages?view=archived")
            for n, thread in enumerate(threads):
                label = "newest" if n == 0 else "random"
                ask(f"conversation ({label})", client, f"/messages/{thread['id']}")
                poll = f"/messages/{thread['id']}/poll?after={thread['last_message_id']}"
                first = ask("poll, nothing new", client, poll)
                etag = first.headers.get("ETag")
                if etag:
                    ask("poll If-None-Match (304)", client, poll, {"If-None-Match": etag})
                if thread["older_id"]:
                    ask("poll, 3 new (200)", client, f"/messages/{thread['id']}/poll?after={thread['older_id']}")
            if run == 0:
                spy.on = False
    print(f"\n{'request':<28} {'n':>5} {'status':<14} {'queries max':>11} {'db ms p50':>9} {'db ms p95':>9}")
    for kind, row in results.items():
        statuses = ",".join(f"{code}×{row['status'].count(code)}" for code in sorted(set(row["status"])))
        print(
            f"{kind:<28} {len(row['ms']):>5} {statuses:<14} {max(row['queries']):>11} "
            f"{statistics.median(row['ms']):>9.2f} {percentile(row['ms'], 0.95):>9.2f}"
        )
    print("\nqueries of each request (first of its kind):")
    for kind, row in results.items():
        print(f"  {kind}: {', '.join(row['names'][0]) or '(none)'}")


def explain(app: Any, spy: Spy) -> None:
    url = app.config["DATABASE_URL"]
    registry = app.extensions["carsite.db"].queries
    seen: set[str] = set()
    for name, params in spy.calls:
        if not name.startswith("messages.") or name in seen:
            continue
        seen.add(name)
        print(f"\n-- EXPLAIN ANALYZE {name} {params}")
        print(tools.explain(url, registry[name], params, analyze=True))
    params = {
        "now": datetime.now(UTC),
        "delay_minutes": int(app.config["MESSAGE_MAIL_DELAY_MINUTES"]),
        "horizon_days": mailing.MAIL_HORIZON_DAYS,
        "limit": mailing.BATCH,
    }
    print("\n-- EXPLAIN ANALYZE messages.mail_due (the new-message mail job's scan; rolled back)")
    print(tools.explain(url, registry["messages.mail_due"], params, analyze=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--busy", type=int, default=5_000, help="conversations of the one busy dealer")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a scratch database (it is migrated and filled with generated data)")
    app = create_app(
        {
            "RATELIMIT_ENABLED": False,
            "DB_POOL_MIN": 1,
            "DB_POOL_MAX": 2,
            "DB_SLOW_QUERY_MS": 10_000,
            "DB_STATEMENT_TIMEOUT_MS": 1_800_000,  # generating a million messages
            "VIEW_FLUSH_SECONDS": 0,
        }
    )
    prepare(app, args.conversations, args.messages, args.busy)
    spy = Spy()
    measure(app, args.users, args.runs, spy)
    if not args.no_explain:
        explain(app, spy)
    app.extensions["carsite.views"].close()
    app.extensions["carsite.db"].close()


if __name__ == "__main__":
    main()
