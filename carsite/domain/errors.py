"""Domain errors: what a use case refuses, in words a person can act on. ``web.errors`` maps each to one HTTP
status (``status``), the same for pages, the API and JSON clients; a CLI command prints the message."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message for the person and, where one field is at fault, its name."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """A value is wrong (400)."""

    status = 400


class Forbidden(DomainError):
    """The actor may not do this, and knows the thing exists (403)."""

    status = 403


class NotFound(DomainError):
    """No such thing, or not one the actor may see (404: ids cannot be probed)."""

    status = 404


class Conflict(DomainError):
    """The current state does not allow it: someone else got there first, or the rule forbids it now (409)."""

    status = 409
