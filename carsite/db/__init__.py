"""The data module: named SQL from ``queries/*.sql`` over a psycopg pool.

Views call the module functions (``db.one("cars.car_by_id", car_id=5)``); they use the Database that
``create_app`` put in ``app.extensions["carsite.db"]``. Nothing else in carsite imports psycopg.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import current_app

from .core import Database, Deadline, Transaction, backoff, end_deadline, start_deadline
from .errors import (
    CheckViolation,
    DatabaseError,
    DatabaseUnavailable,
    ForeignKeyViolation,
    IntegrityError,
    NoResult,
    NotNullViolation,
    QueryError,
    QueryTimeout,
    TooManyRows,
    TransactionConflict,
    UniqueViolation,
)
from .queries import ParameterError, Query, QueryFileError, QueryRegistry, UnknownQuery

__all__ = [
    "CheckViolation",
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Deadline",
    "ForeignKeyViolation",
    "IntegrityError",
    "NoResult",
    "NotNullViolation",
    "ParameterError",
    "Query",
    "QueryError",
    "QueryFileError",
    "QueryRegistry",
    "QueryTimeout",
    "TooManyRows",
    "Transaction",
    "TransactionConflict",
    "UniqueViolation",
    "UnknownQuery",
    "all",
    "backoff",
    "current",
    "end_deadline",
    "execute",
    "one",
    "optional",
    "scalar",
    "start_deadline",
    "transaction",
]


def current() -> Database:
    """The Database of the current Flask app."""
    return current_app.extensions["carsite.db"]


def one(name: str, /, **params: Any) -> dict[str, Any]:
    """Exactly one row (NoResult / TooManyRows otherwise)."""
    return current().one(name, **params)


def optional(name: str, /, **params: Any) -> dict[str, Any] | None:
    """The row, or None."""
    return current().optional(name, **params)


def all(name: str, /, **params: Any) -> list[dict[str, Any]]:  # noqa: A001 - the result shape's name
    """Every row."""
    return current().all(name, **params)


def scalar(name: str, /, **params: Any) -> Any:
    """The first column of exactly one row."""
    return current().scalar(name, **params)


def execute(name: str, /, **params: Any) -> int:
    """Run a statement; the affected row count."""
    return current().execute(name, **params)


def transaction(isolation: str | None = None, *, retries: int = 0, read_only: bool = False) -> _AppTransaction:
    """One transaction for the calls inside (see Database.transaction); usable at import time as a decorator."""
    return _AppTransaction(isolation, retries, read_only)


class _AppTransaction:
    """Finds the app's Database only when the block is entered or the decorated function is called."""

    def __init__(self, isolation: str | None, retries: int, read_only: bool) -> None:
        self._args = (isolation, retries, read_only)
        self._active: list[Transaction] = []

    def _make(self) -> Transaction:
        isolation, retries, read_only = self._args
        return current().transaction(isolation, retries=retries, read_only=read_only)

    def __enter__(self) -> None:
        tx = self._make()
        tx.__enter__()
        self._active.append(tx)

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self._active.pop().__exit__(*exc_info)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self._make()(func)(*args, **kwargs)

        return wrapper
