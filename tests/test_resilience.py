"""PostgreSQL restarts and outages: at most one failed request, no hang, friendly 503s, then recovery by itself.

These tests need a server they may restart, so they run their own embedded PostgreSQL whatever the suite uses.
"""

from __future__ import annotations

import logging
import time

import pytest

from carsite import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(restartable_server):
    return restartable_server


@pytest.fixture
def app(server):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": server.url("carsite"),
            "DB_POOL_MIN": 4,
            "DB_POOL_MAX": 4,
            "DB_POOL_TIMEOUT": 2.0,
            "DB_CONNECT_TIMEOUT": 2,
        }
    )
    app.extensions["carsite.db"].pool.wait(timeout=10)  # four idle connections: all will be stale after a restart
    yield app
    app.extensions["carsite.db"].close()


def timed_get(client, path, **kwargs):
    started = time.monotonic()
    response = client.get(path, **kwargs)
    return response, time.monotonic() - started


def test_restart_costs_at_most_one_request_and_nothing_hangs(server, app):
    client = app.test_client()
    assert all(client.get("/cars").status_code == 200 for _ in range(8))
    server.restart()
    results = [timed_get(client, "/cars") for _ in range(12)]
    statuses = [r.status_code for r, _ in results]
    assert statuses.count(200) >= 11, statuses
    assert set(statuses) <= {200, 503}
    assert statuses[1:] == [200] * 11
    assert max(seconds for _, seconds in results) < 3


def test_outage_answers_friendly_503s_then_recovers(server, app, caplog):
    client = app.test_client()
    assert client.get("/").status_code == 200
    server.stop()
    try:
        with caplog.at_level(logging.ERROR, logger="carsite"):
            page, seconds = timed_get(client, "/cars")
        assert page.status_code == 503
        assert seconds < 5
        assert b"briefly unavailable" in page.data
        assert b"Traceback" not in page.data and b"psycopg" not in page.data
        assert page.headers["Retry-After"] == "30"
        assert "database unavailable" in caplog.text
        as_json, seconds = timed_get(client, "/cars", headers={"Accept": "application/json"})
        assert as_json.status_code == 503 and seconds < 5
        assert as_json.json["error"]["status"] == 503
        assert client.get("/healthz").status_code == 200  # the process is alive
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json == {"status": "unavailable", "database": "unreachable"}
    finally:
        server.start_stopped()
    statuses = [client.get("/cars").status_code for _ in range(6)]
    assert statuses.count(503) <= 1 and statuses[-5:] == [200] * 5, statuses
    assert client.get("/readyz").status_code == 200
