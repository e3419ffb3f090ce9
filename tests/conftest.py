"""Fixtures: one real PostgreSQL per run; a database of its own for every test, cloned from a template.

Two templates are built once per run: one migrated by carsite's own runner, and a copy of it with the demo data.
A test gets a clone of the first (of the second when it uses `demo`), dropped afterwards.

By default the server is a throwaway embedded one; CARSITE_TEST_DATABASE_URL points the suite at another server
(CI sets it to the machine's PostgreSQL service, so two major versions are covered).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from functools import cached_property
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from psycopg import sql

from carsite import create_app, seed
from carsite.db import Database, QueryRegistry
from carsite.db.embedded import FAST_UNSAFE_SETTINGS, EmbeddedServer
from carsite.db.migrate import Runner

ROOT = Path(__file__).resolve().parent.parent
TEST_QUERIES = Path(__file__).resolve().parent / "queries"
_names = itertools.count(1)
CONNECTED = sql.SQL("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = %s)")


class PgServer:
    """A PostgreSQL server the tests may create databases on (over one admin connection, kept open)."""

    def __init__(self, url: str, embedded: EmbeddedServer | None = None) -> None:
        self.url = url
        self.embedded = embedded
        self._admin: psycopg.Connection | None = None

    def url_for(self, dbname: str) -> str:
        return psycopg.conninfo.make_conninfo(self.url, dbname=dbname)

    def admin(self, statement: sql.Composable, params: tuple = ()) -> psycopg.Cursor:
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url, autocommit=True)
        return self._admin.execute(statement, params)

    @cached_property
    def clone_strategy(self) -> sql.Composable:
        """How CREATE DATABASE copies a template. FILE_COPY copies files but waits for two checkpoints: free with
        fsync off (the embedded server), costly elsewhere, where WAL_LOG (the default since 15) is faster for these
        small databases. Measured with bench/clean_state.py."""
        version, fsync = self.admin(
            sql.SQL("SELECT current_setting('server_version_num')::int, current_setting('fsync')")
        ).fetchone()
        if version >= 150000 and fsync == "off":
            return sql.SQL(" STRATEGY = FILE_COPY")
        return sql.SQL("")

    def create_database(self, prefix: str = "carsite_t", template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (which nobody may be connected to)."""
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template)) + self.clone_strategy
        self.admin(create)
        return name

    def seal(self, name: str) -> None:
        """Refuse connections to a template, so a stray one fails where it is made, not at the next clone."""
        self.admin(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        # DROP DATABASE waits for backends still on their way out (a pool just closed) in steps of 100 ms; they
        # are gone within a few ms, so wait for them in short steps first. FORCE ends any a test left open.
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and self.admin(CONNECTED, (name,)).fetchone()[0]:
            time.sleep(0.002)
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()


def in_memory_folder() -> str | None:
    """/dev/shm when it has room, else None (the temp folder). Each test creates and drops a database; on this
    a busy virtual disk the file creation and removal alone cost several times what they cost in memory."""
    try:
        if shutil.disk_usage("/dev/shm").free >= 4 * 2**30:
            return "/dev/shm"
    except OSError:
        pass
    return None


@pytest.fixture(scope="session", autouse=True)
def queries_parsed_once():
    """QueryRegistry.load once per set of query files: every test builds an app, and parsing the project's queries
    is a third of what building one costs. Files are known by name, size and change time, so a test that writes its
    own gets them read; a file that fails to load raises every time."""
    load = QueryRegistry.load.__func__
    loaded: dict[tuple, QueryRegistry] = {}

    def cached(cls, directory: Path, relative_to: Path | None = None) -> QueryRegistry:
        files = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(Path(directory).glob("*.sql")))
        key = (cls, Path(directory).resolve(), relative_to, files)
        if key not in loaded:
            loaded[key] = load(cls, directory, relative_to)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueryRegistry, "load", classmethod(cached))
        yield


@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get("CARSITE_TEST_DATABASE_URL")
    if url:
        server = PgServer(url)
        yield server
        server.close()
        return
    folder = Path(tempfile.mkdtemp(prefix="carsite-test-pg-", dir=in_memory_folder()))
    embedded = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    server = PgServer(embedded.url("postgres"), embedded)
    try:
        yield server
    finally:
        server.close()
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


def app_config(database_url: str, folder: Path, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://localhost",  # absolute URLs come from BASE_URL: the test client's host
        "DATABASE_URL": database_url,
        "DB_POOL_MIN": 1,
        "DB_POOL_MAX": 4,
        "MAIL_DIR": str(folder / "mail"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "VIEW_FLUSH_SECONDS": 0,
        **overrides,
    }


def close_app(app: Flask) -> None:
    app.extensions["carsite.views"].close()
    app.extensions["carsite.db"].close()


CATALOGUE_TABLES = ("makes", "models", "catalogue_aliases")


@pytest.fixture(scope="session")
def migrated_template(pg_server: PgServer):
    """The schema, built once per run by carsite's own runner (so every run tests the migrations); cloned per test."""
    name = pg_server.create_database("carsite_template")
    url = pg_server.url_for(name)
    Runner(url, ROOT / "migrations").migrate()
    with psycopg.connect(url, autocommit=True) as conn:
        # The migrations ANALYZE cars while it is empty, and a table analyzed empty is planned as empty (a Seq Scan
        # even by primary key) until analyzed again. TRUNCATE forgets that: the clean state tests are written for.
        # The catalogue of makes and models and the data versions are reference data the migrations seed: kept.
        tables = conn.execute(
            "SELECT string_agg(format('%%I', tablename), ', ') FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> ALL(%s)",
            ([*CATALOGUE_TABLES, "data_versions", "schema_migrations"],),
        ).fetchone()[0]
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        conn.execute("ANALYZE " + ", ".join(CATALOGUE_TABLES))
    pg_server.seal(name)
    yield name
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def demo_template(pg_server: PgServer, migrated_template: str, tmp_path_factory: pytest.TempPathFactory):
    """The migrated template plus the demo data, seeded (and its password hashed) once per run."""
    name = pg_server.create_database("carsite_template_demo", template=migrated_template)
    url = pg_server.url_for(name)
    app = create_app(app_config(url, tmp_path_factory.mktemp("demo-template")))
    try:
        with app.app_context():
            seed.demo()
    finally:
        close_app(app)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # once here rather than by autovacuum in every clone
    pg_server.seal(name)
    yield name
    pg_server.drop_database(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, pg_server: PgServer):
    """This test's own database, cloned from the migrated template (from the demo template when the test uses
    `demo`), dropped after the test and after the fixtures that use it."""
    template = request.getfixturevalue("demo_template" if "demo" in request.fixturenames else "migrated_template")
    name = pg_server.create_database(template=template)
    yield pg_server.url_for(name)
    pg_server.drop_database(name)


@pytest.fixture
def clean_db(database_url: str) -> str:
    """This test's database: migrated, with nothing in it but the migration records (and the demo data with `demo`)."""
    return database_url


@pytest.fixture
def make_app(clean_db: str, tmp_path: Path):
    apps = []

    def factory(**overrides) -> Flask:
        """An app over this test's database (or the DATABASE_URL given); its pools close before the database goes."""
        app = create_app(app_config(clean_db, tmp_path, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        close_app(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app with the demo accounts and cars: its database is a clone of the demo template (see database_url)."""
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


_phase_seconds = dict.fromkeys(("setup", "call", "teardown"), 0.0)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _phase_seconds[report.when] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    """Where the time went, beside the slowest steps (--durations): fixtures are what the suite can make cheaper."""
    total = sum(_phase_seconds.values())
    if total:
        parts = ", ".join(f"{when} {seconds:.1f} s ({seconds / total:.0%})" for when, seconds in _phase_seconds.items())
        terminalreporter.write_line(f"time in tests: {parts}")


def logged_in_client(app: Flask, role: str):
    """A test client logged in as a new account of ``role`` (email ``<role>@example.com``)."""
    from .helpers import login, make_user

    make_user(app, f"{role}@example.com", role=role)
    client = app.test_client()
    login(client, f"{role}@example.com")
    return client


@pytest.fixture
def seller(app):
    """A client logged in as a confirmed seller, seller@example.com."""
    return logged_in_client(app, "seller")


@pytest.fixture
def admin(app):
    """A client logged in as an admin, admin@example.com."""
    return logged_in_client(app, "admin")


@pytest.fixture(scope="module")
def restartable_server():
    """An embedded PostgreSQL of the module's own, migrated, that tests may stop and start (their own server, so
    the suite's shared one never restarts under other tests)."""
    # Not under pytest's basetemp: as root, the server runs as another user, and pytest keeps that tree at 0700.
    folder = Path(tempfile.mkdtemp(prefix="carsite-restartable-"))
    server = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    server.ensure_database("carsite")
    Runner(server.url("carsite"), ROOT / "migrations").migrate()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)
