"""The default without DATABASE_URL: a private PostgreSQL in the instance folder, created, migrated and seeded."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from carsite import create_app

pytestmark = pytest.mark.slow


def own_folder() -> Path:
    """A folder outside pytest's basetemp (kept at 0700, which the server's own user could not enter as root)."""
    return Path(tempfile.mkdtemp(prefix="carsite-embedded-"))


def test_first_start_creates_migrates_and_seeds_later_starts_reuse(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data_dir = own_folder() / "pg"
    config = {"TESTING": True, "SECRET_KEY": "test", "EMBEDDED_DATA_DIR": str(data_dir), "DB_POOL_MIN": 1}
    app = create_app(config)
    server = app.extensions["carsite.embedded"]
    try:
        url = app.config["DATABASE_URL"]
        assert url.startswith("postgresql://") and "host=" in url  # a unix socket, no TCP port
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        assert client.get("/").status_code == 200
        with psycopg.connect(url) as conn:
            cars = conn.execute("SELECT count(*) FROM cars").fetchone()[0]
            assert cars >= 300
            settings = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()[0]
            assert "pg_stat_statements" in settings
        app.extensions["carsite.db"].close()

        again = create_app(config)  # reuses the running server and its data; no second seed
        assert again.config["DATABASE_URL"] == url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM cars").fetchone()[0] == cars
        again.extensions["carsite.db"].close()
    finally:
        server.stop()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def test_serve_stops_the_embedded_server_it_started_on_sigterm(tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys
    import time

    from carsite.db.embedded import running_pid

    from .conftest import ROOT

    data_dir = own_folder() / "pg"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CARSITE_EMBEDDED_DATA_DIR=str(data_dir), CARSITE_EMBEDDED_DEMO_DATA="false")
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "carsite", "serve", "--port", "0", "--processes", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not re.search(r"listening on", log_path.read_text()):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        assert running_pid(data_dir) is not None
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert running_pid(data_dir) is None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        shutil.rmtree(data_dir.parent, ignore_errors=True)
