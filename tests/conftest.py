"""Fixtures: one real PostgreSQL per run, migrated by carsite's own runner; a clean state for every test.

By default the server is a throwaway embedded one; CARSITE_TEST_DATABASE_URL points the suite at another server
(CI sets it to the machine's PostgreSQL service, so two major versions are covered).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from carsite import create_app
from carsite.db import Database, QueryRegistry
from carsite.db.embedded import FAST_UNSAFE_SETTINGS, EmbeddedServer
from carsite.db.migrate import Runner

ROOT = Path(__file__).resolve().parent.parent
TEST_QUERIES = Path(__file__).resolve().parent / "queries"
_names = itertools.count(1)


class PgServer:
    """A PostgreSQL server the tests may create databases on."""

    def __init__(self, url: str, embedded: EmbeddedServer | None = None) -> None:
        self.url = url
        self.embedded = embedded

    def url_for(self, dbname: str) -> str:
        return psycopg.conninfo.make_conninfo(self.url, dbname=dbname)

    def create_database(self, prefix: str = "carsite_t") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get("CARSITE_TEST_DATABASE_URL")
    if url:
        yield PgServer(url)
        return
    folder = Path(tempfile.mkdtemp(prefix="carsite-test-pg-"))
    server = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    try:
        yield PgServer(server.url("postgres"), server)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(pg_server: PgServer):
    """The suite's main database: new for every run, built from the migrations by carsite's runner."""
    name = pg_server.create_database("carsite_test")
    url = pg_server.url_for(name)
    Runner(url, ROOT / "migrations").migrate()
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def clean_db(database_url: str) -> str:
    """Empty every table (but the migration records) before the test."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        ).fetchone()[0]
        if tables:
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return database_url


@pytest.fixture
def make_app(clean_db: str, tmp_path: Path):
    apps = []

    def factory(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://localhost",  # absolute URLs come from BASE_URL; the test client's host
            "DATABASE_URL": clean_db,
            "DB_POOL_MIN": 1,
            "DB_POOL_MAX": 4,
            "MAIL_DIR": str(tmp_path / "mail"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "VIEW_FLUSH_SECONDS": 0,
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["carsite.views"].close()
        app.extensions["carsite.db"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def demo(app):
    """The app with the demo accounts and cars loaded."""
    from carsite import seed

    with app.app_context():
        seed.demo()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def probe_db(clean_db: str):
    """A Database over the app's schema with the test-only queries in tests/queries."""
    database = Database(clean_db, QueryRegistry.load(TEST_QUERIES, relative_to=ROOT), min_size=1, max_size=4, timeout=5)
    yield database
    database.close()


@pytest.fixture
def fresh_database(pg_server: PgServer):
    """An empty database of its own (for migration tests); dropped afterwards."""
    names = []

    def factory() -> str:
        name = pg_server.create_database()
        names.append(name)
        return pg_server.url_for(name)

    yield factory
    for name in names:
        pg_server.drop_database(name)
