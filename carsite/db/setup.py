"""Connect the app to its database: a configured DATABASE_URL, or the embedded server in the instance folder."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from .core import Database
from .migrate import Runner, discover
from .queries import QueryRegistry

log = logging.getLogger("carsite")


def init_app(app: Flask) -> None:
    """Open the pool (starting the embedded server first when there is no DATABASE_URL)."""
    fresh = False
    if not app.config.get("DATABASE_URL"):
        from .embedded import EmbeddedServer

        data_dir = Path(app.config["EMBEDDED_DATA_DIR"] or Path(app.instance_path) / "postgres")
        server = EmbeddedServer(data_dir).start()
        fresh = server.ensure_database("carsite")
        app.config["DATABASE_URL"] = server.url("carsite")
        app.extensions["carsite.embedded"] = server

    registry = QueryRegistry.load(Path(app.config["QUERIES_DIR"]))
    database = Database(
        app.config["DATABASE_URL"],
        registry,
        min_size=int(app.config["DB_POOL_MIN"]),
        max_size=int(app.config["DB_POOL_MAX"]),
        timeout=float(app.config["DB_POOL_TIMEOUT"]),
        connect_timeout=int(app.config["DB_CONNECT_TIMEOUT"]),
        max_idle=float(app.config["DB_MAX_IDLE"]),
        max_lifetime=float(app.config["DB_MAX_LIFETIME"]),
        statement_timeout_ms=int(app.config["DB_STATEMENT_TIMEOUT_MS"]),
        slow_query_ms=float(app.config["DB_SLOW_QUERY_MS"]),
    )
    app.extensions["carsite.db"] = database
    app.extensions["carsite.migrations"] = discover(Path(app.config["MIGRATIONS_DIR"]))
    atexit.register(database.close)

    if fresh:
        log.info("new embedded database: applying migrations and loading demo data")
        runner(app).migrate()
        app.extensions["carsite.demo_pending"] = bool(app.config["EMBEDDED_DEMO_DATA"])


def load_demo_if_new(app: Flask) -> None:
    """Load the demo data into an embedded database created by this start (init_app), once the app is complete:
    the demo goes through the use cases, whose mail builds links to every area's pages."""
    if app.extensions.pop("carsite.demo_pending", False):
        from .. import seed

        with app.app_context():
            seed.demo()


def runner(app: Flask, echo: Callable[[str], None] | None = None) -> Runner:
    """The migration runner for this app's database."""
    return Runner(app.config["DATABASE_URL"], Path(app.config["MIGRATIONS_DIR"]), echo=echo)
