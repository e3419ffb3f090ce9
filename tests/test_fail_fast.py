"""A request's database time is bounded in total (pool wait + statements), and /healthz never waits for it."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from bench.serving import serve
from carsite import db
from carsite.db import Database, QueryRegistry

from .conftest import ROOT, TEST_QUERIES


def timed(call):
    started = time.monotonic()
    try:
        call()
    except db.DatabaseError as exc:
        return type(exc), time.monotonic() - started
    return None, time.monotonic() - started


def test_a_deadline_shortens_a_statement_and_the_connection_gets_its_timeout_back(probe_db):
    db.start_deadline(0.5)
    try:
        error, seconds = timed(lambda: probe_db.one("probe.sleep", seconds=3))
    finally:
        db.end_deadline()
    assert error is db.QueryTimeout and seconds < 1.5
    # the pool's reset gave the connection its configured statement_timeout again
    assert probe_db.scalar("probe.sleep", seconds=0.6) is not None


def test_the_pool_wait_is_cut_to_the_deadline_and_a_dead_server_fails_the_rest_at_once():
    unreachable = Database(
        "postgresql://postgres@127.0.0.1:1/nothing",
        QueryRegistry.load(TEST_QUERIES, relative_to=ROOT),
        min_size=1,
        max_size=2,
        timeout=10,
        connect_timeout=1,
    )
    try:
        db.start_deadline(1.0)
        try:
            first = timed(lambda: unreachable.one("probe.backend_pid"))
            second = timed(lambda: unreachable.one("probe.backend_pid"))
            third = timed(lambda: unreachable.transaction().__enter__())
        finally:
            db.end_deadline()
    finally:
        unreachable.close()
    assert first[0] is db.DatabaseUnavailable and first[1] < 3  # not the pool's 10 s
    assert second[0] is db.DatabaseUnavailable and second[1] < 0.2
    assert third[0] is db.DatabaseUnavailable and third[1] < 0.2


def get(url: str, timeout: float = 30) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


@pytest.mark.slow
def test_while_a_table_is_locked_every_request_answers_within_the_budget_and_healthz_at_once(demo, tmp_path):
    url = demo.config["DATABASE_URL"]
    budget = 2.0
    with serve(url, tmp_path / "serve.log", "--threads", "4", CARSITE_DB_REQUEST_BUDGET=str(budget)) as base:
        assert get(base + "/cars")[0] == 200
        with psycopg.connect(url) as locker:
            locker.execute("LOCK TABLE cars IN ACCESS EXCLUSIVE MODE")
            health: list[float] = []
            stop = threading.Event()

            def poll_health() -> None:
                while not stop.is_set():
                    status, seconds = get(base + "/healthz")
                    assert status == 200
                    health.append(seconds)
                    time.sleep(0.05)

            poller = threading.Thread(target=poll_health)
            poller.start()
            try:
                with ThreadPoolExecutor(20) as pool:
                    results = list(pool.map(lambda _: get(base + "/cars"), range(20)))
            finally:
                stop.set()
                poller.join()
            locker.rollback()
        assert get(base + "/cars")[0] == 200
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 503} and 503 in statuses, statuses
    assert max(seconds for _, seconds in results) < budget + 2, results
    assert health and max(health) < 0.5, health
