"""The tiny migration runner: numbered plain-SQL files, one transaction each, recorded in schema_migrations.

The runner's own bookkeeping SQL lives here (DESIGN.md's one exception to "SQL lives in .sql files").
"""

from __future__ import annotations

import getpass
import hashlib
import itertools
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import psycopg

from .sqltext import SQLSyntaxError, Token, normalized, split_statements, strip_blank, tokenize

FILE_NAME = re.compile(r"(\d{4})_([a-z0-9][a-z0-9_]*?)(\.down)?\.sql")
NO_TRANSACTION = re.compile(r"--\s*migrate:\s*no-transaction\s*$", re.IGNORECASE)
# Fixed key for pg_try_advisory_lock; advisory locks are per database, so one key serves every carsite database.
LOCK_KEY = 0x0CA75173
BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL,
    applied_by  text NOT NULL
)"""


class MigrationError(Exception):
    """A migration cannot be discovered, checked or applied; the message names the file."""


@dataclass(frozen=True)
class Statement:
    line: int
    sql: str


@dataclass(frozen=True)
class Script:
    path: Path
    no_transaction: bool
    statements: tuple[Statement, ...]
    checksum: str

    @classmethod
    def read(cls, path: Path) -> Script:
        text = path.read_text(encoding="utf-8")
        try:
            tokens = tokenize(text)
        except SQLSyntaxError as exc:
            raise MigrationError(f"{path.name}:{exc.line}: {exc}") from None
        no_tx = any(t.kind == "line_comment" and NO_TRANSACTION.match(t.text) for t in _header_comments(tokens))
        pieces = split_statements(tokens)
        if not no_tx and _has_begin_atomic(tokens):
            # SQL-standard function bodies hold semicolons; send such a file whole.
            pieces = [strip_blank(tokens)]
        statements = tuple(Statement(s[0].line, "".join(t.text for t in s)) for s in map(strip_blank, pieces))
        if not statements:
            raise MigrationError(f"{path.name}: has no SQL statement")
        digest = hashlib.sha256()
        digest.update(b"no-transaction\n" if no_tx else b"transaction\n")
        digest.update(normalized(tokens).encode())
        return cls(path, no_tx, statements, digest.hexdigest())


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Script
    down: Script | None

    @property
    def file_name(self) -> str:
        return self.up.path.name

    @property
    def checksum(self) -> str:
        return self.up.checksum


@dataclass(frozen=True)
class StatusRow:
    version: int
    name: str
    state: str  # applied, pending, changed, missing
    applied_at: object = None
    detail: str = ""


def _header_comments(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        if not token.is_blank:
            break
        out.append(token)
    return out


def _has_begin_atomic(tokens: list[Token]) -> bool:
    words = [t.text.upper() for t in tokens if t.kind == "word"]
    return any(a == "BEGIN" and b == "ATOMIC" for a, b in itertools.pairwise(words))


def discover(directory: Path) -> list[Migration]:
    """Read every migration file; a bad name, a duplicate or missing number, or a lone .down file is an error."""
    ups: dict[int, Path] = {}
    downs: dict[int, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        match = FILE_NAME.fullmatch(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_summary.sql (or .down.sql)")
        version = int(match.group(1))
        target = downs if match.group(3) else ups
        if version in target:
            raise MigrationError(f"{path.name}: duplicate migration number {version:04d} (also {target[version].name})")
        target[version] = path
    for version, path in downs.items():
        if version not in ups or _summary(ups[version]) != _summary(path):
            raise MigrationError(f"{path.name}: no matching up migration")
    expected = 1
    migrations = []
    for version in sorted(ups):
        if version != expected:
            raise MigrationError(f"{ups[version].name}: numbers must be contiguous; {expected:04d} is missing")
        expected += 1
        path = ups[version]
        down = Script.read(downs[version]) if version in downs else None
        migrations.append(Migration(version, _summary(path), Script.read(path), down))
    return migrations


def _summary(path: Path) -> str:
    """The summary part of a migration file name that discover() already matched."""
    match = FILE_NAME.fullmatch(path.name)
    assert match is not None
    return match.group(2)


def _error_line(statement: Statement, exc: psycopg.Error) -> int:
    position = exc.diag.statement_position
    if position and position.isdigit():
        return statement.line + statement.sql[: int(position) - 1].count("\n")
    return statement.line


class Runner:
    """Apply, inspect and roll back migrations of one database."""

    def __init__(
        self, conninfo: str, directory: Path, *, lock_timeout: float = 120.0, echo: Callable[[str], None] | None = None
    ) -> None:
        self.conninfo = conninfo
        self.directory = directory
        self.lock_timeout = lock_timeout
        self.echo = echo or (lambda message: None)
        self.applied_by = f"{getpass.getuser()}@{socket.gethostname()}"

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo, autocommit=True, application_name="carsite-migrate")
        # A migration's RAISE NOTICE is its report to the operator (0025: cars it could not map to the catalogue);
        # it carries SQLSTATE 00000. PostgreSQL's own notices ("relation … already exists, skipping" from IF NOT
        # EXISTS, sqlstate 42P07 and the like) are not news.
        conn.add_notice_handler(
            lambda notice: (
                self.echo(f"  {notice.message_primary}")
                if notice.severity == "NOTICE" and notice.sqlstate == "00000"
                else None
            )
        )
        return conn

    @contextmanager
    def locked(self) -> Iterator[psycopg.Connection]:
        """Hold the migration lock on a dedicated session; yield another connection to work on.

        A blocking pg_advisory_lock would deadlock with CREATE INDEX CONCURRENTLY (which waits for every other
        transaction, including a waiting lock request), so poll pg_try_advisory_lock instead.
        """
        with self._connect() as lock_conn:
            deadline = time.monotonic() + self.lock_timeout
            announced = False
            while not _one_value(lock_conn, "SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)):
                if time.monotonic() > deadline:
                    raise MigrationError(f"another process holds the migration lock (waited {self.lock_timeout:g} s)")
                if not announced:
                    self.echo("waiting for another migration to finish …")
                    announced = True
                time.sleep(0.1)
            try:
                with self._connect() as conn:
                    conn.execute(BOOKKEEPING)
                    yield conn
            finally:
                if not lock_conn.broken:
                    lock_conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def _applied(self, conn: psycopg.Connection) -> dict[int, tuple[str, str, object]]:
        exists = _one_value(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return {}
        rows = conn.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        return {version: (name, checksum, applied_at) for version, name, checksum, applied_at in rows}

    def status(self, migrations: list[Migration] | None = None) -> list[StatusRow]:
        """Every migration file and every recorded version, each with its state."""
        migrations = discover(self.directory) if migrations is None else migrations
        with self._connect() as conn:
            applied = self._applied(conn)
        return compare(migrations, applied)

    def migrate(self, target: int | None = None) -> list[Migration]:
        """Apply pending migrations in order (up to ``target``); refuse when an applied file changed or vanished."""
        migrations = discover(self.directory)
        done = []
        with self.locked() as conn:
            rows = compare(migrations, self._applied(conn))
            problems = [r for r in rows if r.state in ("changed", "missing")]
            if problems:
                raise MigrationError("; ".join(r.detail for r in problems))
            pending = {r.version for r in rows if r.state == "pending"}
            for migration in migrations:
                if migration.version in pending and (target is None or migration.version <= target):
                    self._apply(conn, migration)
                    done.append(migration)
        return done

    def _apply(self, conn: psycopg.Connection, migration: Migration) -> None:
        started = time.perf_counter()
        self.echo(f"applying {migration.file_name}")
        script = migration.up
        if script.no_transaction:
            self._run_statements(conn, script)
            self._record(conn, migration, started)
        else:
            with conn.transaction():
                self._run_statements(conn, script)
                self._record(conn, migration, started)

    def _record(self, conn: psycopg.Connection, migration: Migration, started: float) -> None:
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, duration_ms, applied_by)"
            " VALUES (%s, %s, %s, %s, %s)",
            (
                migration.version,
                migration.name,
                migration.checksum,
                round((time.perf_counter() - started) * 1000),
                self.applied_by,
            ),
        )

    def _run_statements(self, conn: psycopg.Connection, script: Script) -> None:
        for number, statement in enumerate(script.statements, 1):
            try:
                conn.execute(statement.sql)  # no parameters: sent as written, '%' included
            except psycopg.Error as exc:
                line = _error_line(statement, exc)
                message = str(exc).strip().splitlines()[0]
                hint = ""
                if script.no_transaction:
                    hint = (
                        " (no-transaction migration: statements before this one stay applied; a failed"
                        " CREATE INDEX CONCURRENTLY leaves an INVALID index to drop before retrying)"
                    )
                raise MigrationError(f"{script.path.name}:{line} (statement {number}): {message}{hint}") from exc

    def rollback(self, steps: int = 1) -> list[Migration]:
        """Undo the newest ``steps`` applied migrations with their .down.sql files."""
        migrations = {m.version: m for m in discover(self.directory)}
        undone = []
        with self.locked() as conn:
            applied = sorted(self._applied(conn), reverse=True)[:steps]
            for version in applied:
                migration = migrations.get(version)
                if migration is None or migration.down is None:
                    name = migration.file_name if migration else f"{version:04d}"
                    raise MigrationError(f"{name}: no .down.sql file, cannot roll back")
                self.echo(f"rolling back {migration.file_name}")
                down = migration.down
                if down.no_transaction:
                    self._run_statements(conn, down)
                    conn.execute("DELETE FROM schema_migrations WHERE version = %s", (version,))
                else:
                    with conn.transaction():
                        self._run_statements(conn, down)
                        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (version,))
                undone.append(migration)
        return undone


def compare(migrations: list[Migration], applied: dict[int, tuple[str, str, object]]) -> list[StatusRow]:
    """Match files against recorded versions: applied, pending, changed (checksum differs) or missing (no file)."""
    rows = []
    by_version = {m.version: m for m in migrations}
    for migration in migrations:
        record = applied.get(migration.version)
        if record is None:
            rows.append(StatusRow(migration.version, migration.name, "pending"))
        elif record[1] != migration.checksum:
            rows.append(
                StatusRow(
                    migration.version,
                    migration.name,
                    "changed",
                    record[2],
                    f"{migration.file_name} changed after it was applied "
                    f"(recorded checksum {record[1][:12]}, file now {migration.checksum[:12]}); "
                    "write a new migration instead of editing an applied one",
                )
            )
        else:
            rows.append(StatusRow(migration.version, migration.name, "applied", record[2]))
    for version, (name, _checksum, applied_at) in sorted(applied.items()):
        if version not in by_version:
            rows.append(
                StatusRow(
                    version,
                    name,
                    "missing",
                    applied_at,
                    f"{version:04d}_{name}.sql was applied but its file is missing",
                )
            )
    return rows


def new_migration(directory: Path, summary: str) -> Path:
    """Create the next numbered, empty migration file and return its path."""
    slug = re.sub(r"[^a-z0-9]+", "_", summary.lower()).strip("_")
    if not slug:
        raise MigrationError("the summary needs letters or digits, e.g. 'add mileage to cars'")
    existing = discover(directory)
    path = directory / f"{len(existing) + 1:04d}_{slug}.sql"
    path.write_text(f"-- Why: {summary}.\n", encoding="utf-8")
    return path


# -- schema dump ---------------------------------------------------------------------------------------------------

NOISE = re.compile(
    r"^(-- Dumped (from|by) .*|\\(un)?restrict .*|SET .*|SELECT pg_catalog\.set_config\(.*|-- Started on .*|"
    r"-- Completed on .*|"
    # Some server builds stamp a private attribute option on every column; it is not part of the migrations.
    r"ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);)$"
)


def pg_dump_path() -> str:
    """The pg_dump of the embedded server when installed (newest, dumps older servers too), else the one on PATH."""
    try:
        from .embedded import bin_dir

        candidate = bin_dir() / "pg_dump"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("pg_dump")
    if not found:
        raise MigrationError("pg_dump not found: install the PostgreSQL client tools")
    return found


def dump_schema(conninfo: str) -> str:
    """Return ``pg_dump --schema-only`` cleaned of version-specific noise, so it diffs stably."""
    result = subprocess.run(
        [pg_dump_path(), "--schema-only", "--no-owner", "--no-privileges", "--no-tablespaces", "--dbname", conninfo],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise MigrationError(f"pg_dump failed: {result.stderr.strip()}")
    return clean_dump(result.stdout)


def clean_dump(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines() if not NOISE.match(line)]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    header = "-- Generated by `python -m carsite db dump-schema` from the migrations. Do not edit by hand.\n"
    return header + "\n".join(out) + "\n"


def _one_value(conn: psycopg.Connection, statement: LiteralString, params: tuple[Any, ...] = ()) -> Any:
    """The single value of a bookkeeping query that always returns one row."""
    row = conn.execute(statement, params).fetchone()
    assert row is not None
    return row[0]
