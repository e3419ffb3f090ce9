"""Exceptions of the data module. Views catch these, never psycopg's."""

from __future__ import annotations


class DatabaseError(Exception):
    """A statement failed. ``query`` and ``location`` name the SQL; ``__cause__`` keeps psycopg's exception."""

    sqlstate: str | None = None

    def __init__(
        self,
        message: str,
        *,
        query: str | None = None,
        location: str | None = None,
        sqlstate: str | None = None,
        constraint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.query = query
        self.location = location
        self.sqlstate = sqlstate
        self.constraint = constraint


class QueryError(DatabaseError):
    """Any database error that has no more precise class here."""


class IntegrityError(DatabaseError):
    """A constraint refused the change; ``constraint`` is its name (e.g. ``users_email_key``)."""


class UniqueViolation(IntegrityError):
    pass


class ForeignKeyViolation(IntegrityError):
    pass


class CheckViolation(IntegrityError):
    pass


class NotNullViolation(IntegrityError):
    pass


class ExclusionViolation(IntegrityError):
    pass


class InvalidValue(QueryError):
    """PostgreSQL refused a value given to a statement (SQLSTATE class 22: text it cannot cast, a number out of range,
    NUL in text, a character not in the encoding…): bad input that got past validation, never a server fault."""


class TransactionConflict(DatabaseError):
    """Serialization failure (40001) or deadlock (40P01): the whole transaction may be retried."""


class QueryTimeout(DatabaseError):
    """The statement ran longer than ``statement_timeout`` (57014)."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached (down, restarting, or no connection free in time)."""


class NoResult(DatabaseError):
    """``one`` or ``scalar`` found no row."""


class TooManyRows(DatabaseError):
    """``one``, ``optional`` or ``scalar`` found more than one row."""


# Data exceptions (22xxx): invalid text representation, numeric value out of range, datetime field overflow, invalid
# datetime format, character not in repertoire, untranslatable character, string data right truncation …
DATA_EXCEPTION_CLASS = "22"
# Data exceptions that SQL causes, not a value given to it: a carsite bug (500), not bad input.
NOT_BAD_INPUT = {"22012"}  # division by zero

BY_SQLSTATE: dict[str, type[DatabaseError]] = {
    "23505": UniqueViolation,
    "23503": ForeignKeyViolation,
    "23514": CheckViolation,
    "23502": NotNullViolation,
    "23P01": ExclusionViolation,
    "40001": TransactionConflict,
    "40P01": TransactionConflict,
    "57014": QueryTimeout,
}
