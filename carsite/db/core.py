"""The Database: a psycopg pool plus named queries, result shapes, transactions and error translation."""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from . import errors
from .queries import PLAN_CACHE_MODES, Query, QueryRegistry

log = logging.getLogger("carsite.db")

ISOLATION = {
    "read committed": psycopg.IsolationLevel.READ_COMMITTED,
    "repeatable read": psycopg.IsolationLevel.REPEATABLE_READ,
    "serializable": psycopg.IsolationLevel.SERIALIZABLE,
}
# Connection-level failures: the server went away, is shutting down or refuses connections for now.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P")

F = TypeVar("F", bound=Callable[..., Any])
TUPLES_OK = psycopg.pq.ExecStatus.TUPLES_OK

_current: contextvars.ContextVar[psycopg.Connection | None] = contextvars.ContextVar("carsite_db_conn", default=None)
_recorders: contextvars.ContextVar[tuple[list[str], ...]] = contextvars.ContextVar("carsite_db_recorders", default=())
# Session-level statement timeout for one statement that must end before the request's deadline; _restore_timeout
# puts the connection's own value back before the pool has it. Data-module plumbing, not a query: not in queries/.
_SHORTEN_TIMEOUT = "SELECT set_config('statement_timeout', $1, false)"
_RESTORE_TIMEOUT = "RESET statement_timeout"
# How each plan mode of queries/*.sql (carsite.db.queries) is set on a connection; None is the connection's own
# plan_cache_mode (the server's default, or what the DBA set for the role or database), which RESET restores.
_PLAN_MODE: dict[str | None, str] = {
    **{mode: f"SET plan_cache_mode = {setting}" for mode, setting in PLAN_CACHE_MODES.items()},
    None: "RESET plan_cache_mode",
}
# Connection options: statement_timeout is added from config. JIT compilation is off because it costs carsite's
# statements more than it saves: PostgreSQL compiles any statement whose estimated cost passes jit_above_cost (the
# search statement's do at a million cars), 15-20 ms each time, for statements that run in 1-5 ms.
_SESSION_OPTIONS = "-c jit=off"


class Deadline:
    """How long the database may still take in this unit of work (a web request): pool waits and statements.

    ``down`` is set once a connection could not be had; later calls then fail at once instead of waiting again.
    """

    __slots__ = ("at", "down")

    def __init__(self, at: float) -> None:
        self.at = at
        self.down = False

    def remaining(self) -> float:
        return self.at - time.monotonic()


_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("carsite_db_deadline", default=None)


def start_deadline(seconds: float, *, started: float | None = None) -> Deadline:
    """Bound the database time of what runs next in this context to ``seconds`` from ``started`` (time.monotonic(),
    default now); ``end_deadline()`` lifts it. Without one (CLI, jobs) only the pool and statement timeouts apply."""
    deadline = Deadline((time.monotonic() if started is None else started) + seconds)
    _deadline.set(deadline)
    return deadline


def end_deadline() -> None:
    _deadline.set(None)


class QueryStats:
    """Counters for one named query."""

    __slots__ = ("calls", "errors", "max_ms", "total_ms")

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.total_ms = 0.0
        self.max_ms = 0.0

    def as_dict(self) -> dict[str, float]:
        mean = self.total_ms / self.calls if self.calls else 0.0
        return {
            "calls": self.calls,
            "errors": self.errors,
            "total_ms": round(self.total_ms, 3),
            "mean_ms": round(mean, 3),
            "max_ms": round(self.max_ms, 3),
        }


class Database:
    """Run named queries over a connection pool.

    Outside ``transaction()`` each call runs alone in autocommit mode (reads need no BEGIN/COMMIT); inside, all
    calls of the thread share one connection and nested blocks become savepoints.
    """

    def __init__(
        self,
        conninfo: str,
        queries: QueryRegistry,
        *,
        min_size: int = 2,
        max_size: int = 10,
        timeout: float = 5.0,
        connect_timeout: int = 5,
        max_idle: float = 300.0,
        max_lifetime: float = 1800.0,
        statement_timeout_ms: int = 30_000,
        slow_query_ms: float = 250.0,
        application_name: str = "carsite",
        start: bool = True,
    ) -> None:
        self.queries = queries
        self.slow_query_ms = slow_query_ms
        self.statement_timeout_ms = int(statement_timeout_ms)
        self._shortened: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()
        # The plan mode each connection is in, as its last query left it; a new connection is in None (its own).
        self._plan_modes: weakref.WeakKeyDictionary[psycopg.Connection, str | None] = weakref.WeakKeyDictionary()
        self._plan_mode_switches = 0
        self._stats: dict[str, QueryStats] = {}
        self._stats_lock = threading.Lock()
        self._heal_lock = threading.Lock()
        self.pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            max_idle=max_idle,
            max_lifetime=max_lifetime,
            name=application_name,
            open=False,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "cursor_factory": psycopg.RawCursor,
                "application_name": application_name,
                "connect_timeout": connect_timeout,
                "options": f"{_SESSION_OPTIONS} -c statement_timeout={int(statement_timeout_ms)}",
            },
        )
        if start:
            self.open()

    def open(self, wait: bool = False, timeout: float = 10.0) -> None:
        self.pool.open(wait=wait, timeout=timeout)

    def close(self) -> None:
        self.pool.close()

    # -- result shapes ---------------------------------------------------------------------------------------

    def one(self, name: str, /, **params: Any) -> dict[str, Any]:
        """Return exactly one row; NoResult when there is none, TooManyRows when there are more."""
        return self._run(name, params, _shape_one)

    def optional(self, name: str, /, **params: Any) -> dict[str, Any] | None:
        """Return the row, or None when there is none; TooManyRows when there are more."""
        return self._run(name, params, _shape_optional)

    def all(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Return every row (possibly none)."""
        return self._run(name, params, _shape_all)

    def scalar(self, name: str, /, **params: Any) -> Any:
        """Return the first column of exactly one row; NoResult when there is no row."""
        row = self._run(name, params, _shape_one)
        return next(iter(row.values()))

    def execute(self, name: str, /, **params: Any) -> int:
        """Run a statement and return the number of rows it affected (or returned)."""
        return self._run(name, params, _shape_rowcount)

    def _run(self, name: str, params: dict[str, Any], shape: Callable[[psycopg.Cursor, Query], Any]) -> Any:
        query = self.queries[name]
        args = query.bind(params)
        for recorder in _recorders.get():
            recorder.append(name)
        conn = _current.get()
        started = time.perf_counter()
        failed = True
        try:
            if conn is not None:
                result = self._execute(conn, query, args, shape)
            else:
                timeout = self._checkout_timeout()
                try:
                    with self.pool.connection(timeout) as conn:
                        try:
                            result = self._execute(conn, query, args, shape)
                        finally:
                            self._restore_timeout(conn)
                except (PoolTimeout, psycopg.OperationalError) as exc:
                    raise self._connection_error(exc, timeout) from exc
            failed = False
            return result
        finally:
            self._count(query, (time.perf_counter() - started) * 1000.0, failed)

    def _execute(
        self,
        conn: psycopg.Connection,
        query: Query,
        args: tuple[Any, ...],
        shape: Callable[[psycopg.Cursor, Query], Any],
    ) -> Any:
        try:
            self._fit_statement_timeout(conn)
            if query.params:  # PostgreSQL plans a statement without parameters alike in every mode
                self._fit_plan_mode(conn, query.plan)
            return shape(conn.execute(query.sql, args, prepare=query.prepare), query)
        except psycopg.Error as exc:
            raise self._translate(exc, query) from exc

    def _fit_plan_mode(self, conn: psycopg.Connection, mode: str | None) -> None:
        """Put the connection in the query's plan mode, only when its last query left it in another one.

        PostgreSQL reads plan_cache_mode when it executes a prepared statement, so the mode holds for the statement
        that follows. A session setting outlives the connection's time out of the pool, so there is nothing to
        reset on return; a rolled-back transaction or savepoint undoes a SET made inside it, which ``_transaction``
        mirrors."""
        if self._plan_modes.get(conn) == mode:
            return
        conn.execute(_PLAN_MODE[mode])
        self._plan_modes[conn] = mode
        with self._stats_lock:
            self._plan_mode_switches += 1

    # -- the request's deadline ------------------------------------------------------------------------------

    def _checkout_timeout(self) -> float | None:
        """How long to wait for a pooled connection: the pool's timeout, or less when the deadline is nearer."""
        deadline = _deadline.get()
        if deadline is None:
            return None
        if deadline.down:
            raise errors.DatabaseUnavailable("the database could not be reached earlier in this request")
        remaining = deadline.remaining()
        if remaining <= 0:
            raise errors.DatabaseUnavailable("this request's time for the database is spent")
        return min(self.pool.timeout, remaining)

    def _fit_statement_timeout(self, conn: psycopg.Connection) -> None:
        """Shorten the statement timeout when the deadline comes before the connection's own timeout would.

        Only then: a request with its budget mostly left (the usual case) costs no extra round trip, because the
        connection's statement_timeout is below the budget (config: 80 % of DB_REQUEST_BUDGET by default)."""
        deadline = _deadline.get()
        if deadline is None:
            return
        remaining_ms = int(deadline.remaining() * 1000)
        if self.statement_timeout_ms and remaining_ms >= self.statement_timeout_ms:
            return
        if remaining_ms <= 0:
            raise errors.QueryTimeout("this request's time for the database is spent")
        conn.execute(_SHORTEN_TIMEOUT, (str(remaining_ms),))
        self._shortened.add(conn)

    def _restore_timeout(self, conn: psycopg.Connection) -> None:
        """Give a connection whose timeout a deadline shortened its configured one back, before the pool has it.

        Done here rather than in the pool's ``reset`` callback: with one, psycopg_pool hands every returned
        connection to a worker thread, which slows every request. A connection that cannot be reset is closed,
        so the pool replaces it instead of lending it out with a short timeout."""
        if conn not in self._shortened:
            return
        self._shortened.discard(conn)
        if conn.broken or conn.closed:
            return
        try:
            conn.execute(_RESTORE_TIMEOUT)
        except psycopg.Error:
            conn.close()

    # -- connections and transactions ------------------------------------------------------------------------

    def _connection_error(self, exc: psycopg.Error, timeout: float | None = None) -> errors.DatabaseError:
        """Translate a failure to get or keep a connection (pool timeout, connect error, break at COMMIT)."""
        if isinstance(exc, PoolTimeout):
            deadline = _deadline.get()
            if deadline is not None:
                deadline.down = True
            waited = self.pool.timeout if timeout is None else timeout
            return errors.DatabaseUnavailable(f"no database connection within {waited:.3g} s: {exc}")
        translated = self._translate(exc, None)
        if isinstance(translated, errors.DatabaseUnavailable) and (deadline := _deadline.get()) is not None:
            deadline.down = True
        return translated

    def transaction(self, isolation: str | None = None, *, retries: int = 0, read_only: bool = False) -> Transaction:
        """Group calls in one transaction: ``with db.transaction():`` or, to retry, ``@db.transaction(retries=3)``.

        Nested blocks are savepoints. Retries (decorator form only) rerun the whole function on serialization
        failure or deadlock, with exponential backoff and jitter.
        """
        if isolation is not None and isolation not in ISOLATION:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATION)}")
        return Transaction(self, isolation, retries, read_only)

    @contextmanager
    def _transaction(self, isolation: str | None, read_only: bool) -> Iterator[None]:
        outer = _current.get()
        if outer is not None:
            if isolation is not None and outer.isolation_level != ISOLATION[isolation]:
                raise errors.DatabaseError("a nested transaction cannot change the isolation level")
            try:
                with self._plan_mode_kept_on_rollback(outer), outer.transaction():
                    yield
            except psycopg.Error as exc:
                raise self._translate(exc, None) from exc
            return
        timeout = self._checkout_timeout()
        try:
            with self.pool.connection(timeout) as conn:
                conn.isolation_level = ISOLATION[isolation] if isolation else None
                conn.read_only = read_only or None
                token = _current.set(conn)
                try:
                    with self._plan_mode_kept_on_rollback(conn), conn.transaction():
                        yield
                finally:
                    _current.reset(token)
                    if not conn.broken:
                        conn.isolation_level = None
                        conn.read_only = None
                    self._restore_timeout(conn)
        except (PoolTimeout, psycopg.Error) as exc:
            # Errors at COMMIT (serialization failures under SERIALIZABLE surface here) or from the pool.
            raise self._connection_error(exc, timeout) from exc

    @contextmanager
    def _plan_mode_kept_on_rollback(self, conn: psycopg.Connection) -> Iterator[None]:
        """Around a transaction or savepoint: when it fails (in its body or at COMMIT), PostgreSQL puts settings
        made inside it back as they were when it began, so the mode recorded for the connection goes back too."""
        before = self._plan_modes.get(conn)
        try:
            yield
        except BaseException:
            self._plan_modes[conn] = before
            raise

    @staticmethod
    def in_transaction() -> bool:
        return _current.get() is not None

    # -- errors, healing, statistics -------------------------------------------------------------------------

    def _translate(self, exc: psycopg.Error, query: Query | None) -> errors.DatabaseError:
        sqlstate = exc.sqlstate
        where = f"{query.name} ({query.location})" if query else "transaction"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"{where}: {first_line}"
        cls = errors.BY_SQLSTATE.get(sqlstate or "")
        if (
            cls is None
            and sqlstate not in errors.NOT_BAD_INPUT
            and (isinstance(exc, psycopg.DataError) or (sqlstate or "").startswith(errors.DATA_EXCEPTION_CLASS))
        ):
            # Also psycopg's own refusal to send NUL in text, which has no SQLSTATE.
            cls = errors.InvalidValue
        if cls is None:
            unavailable = isinstance(exc, psycopg.OperationalError) and (
                sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
            )
            cls = errors.DatabaseUnavailable if unavailable else errors.QueryError
        if cls is errors.DatabaseUnavailable:
            self.heal()
        return cls(
            message,
            query=query.name if query else None,
            location=query.location if query else None,
            sqlstate=sqlstate,
            constraint=getattr(exc.diag, "constraint_name", None),
        )

    def heal(self) -> None:
        """Drop broken idle connections after a failure, so a restarted server costs at most one request.

        psycopg_pool's ``check=`` callback backs off when several idle connections are stale and can reach the
        pool timeout; ``pool.check()`` tests each idle connection once and replaces the broken ones.
        """
        if not self._heal_lock.acquire(blocking=False):
            return
        try:
            log.warning("database connection failed; checking the pool's idle connections")
            self.pool.check()
        except Exception:  # the check itself must never turn a 503 into a 500
            log.exception("pool check failed")
        finally:
            self._heal_lock.release()

    def _count(self, query: Query, elapsed_ms: float, failed: bool) -> None:
        with self._stats_lock:
            stats = self._stats.get(query.name)
            if stats is None:
                stats = self._stats[query.name] = QueryStats()
            stats.calls += 1
            stats.errors += failed
            stats.total_ms += elapsed_ms
            if elapsed_ms > stats.max_ms:
                stats.max_ms = elapsed_ms
        if elapsed_ms >= self.slow_query_ms:
            log.warning("slow query %s (%s) took %.1f ms", query.name, query.location, elapsed_ms)

    def stats(self) -> dict[str, Any]:
        """Pool counters (psycopg_pool's get_stats), per-query calls, errors and timings, and how many statements
        set a connection's plan mode (each one round trip)."""
        with self._stats_lock:
            per_query = {name: s.as_dict() for name, s in sorted(self._stats.items())}
            switches = self._plan_mode_switches
        return {"pool": self.pool.get_stats(), "queries": per_query, "plan_mode_switches": switches}

    @staticmethod
    @contextmanager
    def record() -> Iterator[list[str]]:
        """Collect the names of the queries run in this context (tests use it to count queries per page)."""
        names: list[str] = []
        token = _recorders.set((*_recorders.get(), names))
        try:
            yield names
        finally:
            _recorders.reset(token)


class Transaction:
    """What ``Database.transaction`` returns: a context manager, or a decorator that can retry."""

    def __init__(self, db: Database, isolation: str | None, retries: int, read_only: bool) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self._db = db
        self._isolation = isolation
        self._retries = retries
        self._read_only = read_only
        self._cm: Any = None

    def __enter__(self) -> None:
        if self._retries:
            raise TypeError("a with-block cannot be rerun: use @db.transaction(retries=N) on a function")
        self._cm = self._db._transaction(self._isolation, self._read_only)
        self._cm.__enter__()

    def __exit__(self, *exc_info: Any) -> bool | None:
        cm, self._cm = self._cm, None
        return cm.__exit__(*exc_info)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            attempt = 0
            while True:
                try:
                    with self._db._transaction(self._isolation, self._read_only):
                        return func(*args, **kwargs)
                except errors.TransactionConflict:
                    # Only the outermost transaction can be rerun; a nested one passes the conflict up.
                    if attempt >= self._retries or Database.in_transaction():
                        raise
                    time.sleep(backoff(attempt))
                    attempt += 1
                    log.info("retrying %s after a transaction conflict (attempt %d)", func.__qualname__, attempt)

        return wrapper  # type: ignore[return-value]


def backoff(attempt: int, base: float = 0.01, cap: float = 1.0) -> float:
    """Full-jitter exponential backoff: a random delay up to base * 2**attempt, at most ``cap`` seconds."""
    return random.uniform(0, min(cap, base * (2**attempt)))


def _shape_one(cursor: psycopg.Cursor, query: Query) -> dict[str, Any]:
    _needs_rows(cursor, query)
    if cursor.rowcount != 1:
        cls = errors.NoResult if cursor.rowcount == 0 else errors.TooManyRows
        raise cls(
            f"{query.name} ({query.location}): expected one row, got {cursor.rowcount}",
            query=query.name,
            location=query.location,
        )
    return cast(dict[str, Any], cursor.fetchone())


def _shape_optional(cursor: psycopg.Cursor, query: Query) -> dict[str, Any] | None:
    _needs_rows(cursor, query)
    if cursor.rowcount > 1:
        raise errors.TooManyRows(
            f"{query.name} ({query.location}): expected at most one row, got {cursor.rowcount}",
            query=query.name,
            location=query.location,
        )
    return cast("dict[str, Any] | None", cursor.fetchone())


def _shape_all(cursor: psycopg.Cursor, query: Query) -> list[dict[str, Any]]:
    _needs_rows(cursor, query)
    return cast(list[dict[str, Any]], cursor.fetchall())


def _shape_rowcount(cursor: psycopg.Cursor, query: Query) -> int:
    return cursor.rowcount


def _needs_rows(cursor: psycopg.Cursor, query: Query) -> None:
    # The result status, not cursor.description: description builds a Column object per column on every access.
    result = cursor.pgresult
    if result is None or result.status != TUPLES_OK:
        raise errors.QueryError(
            f"{query.name} ({query.location}) returns no rows; call execute() instead",
            query=query.name,
            location=query.location,
        )
