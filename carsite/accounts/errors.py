"""The accounts area's refusals."""

from __future__ import annotations

from ..domain.errors import DomainError, Forbidden


class WrongPassword(DomainError):
    """The email or password is not correct (401); the message never says which."""

    status = 401


class AccountInactive(Forbidden):
    """The account is switched off (403)."""
