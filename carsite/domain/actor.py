"""Who is acting: a logged-in person, a visitor, or the system itself (CLI commands, background jobs)."""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = "system"
VISITOR = "visitor"


@dataclass(frozen=True)
class Actor:
    """The person or process behind a use case, with what the audit log records about them.

    ``role`` is an account role (user, seller, admin), ``visitor`` for someone not logged in, or ``system``.
    """

    user_id: int | None
    role: str
    email_verified: bool = False
    session_id: int | None = None
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def system(cls) -> Actor:
        """carsite itself: the CLI and background jobs. May do what an admin may; audited with no user."""
        return cls(user_id=None, role=SYSTEM, email_verified=True)

    @classmethod
    def visitor(cls, ip: str | None = None, user_agent: str = "") -> Actor:
        return cls(user_id=None, role=VISITOR, ip=ip, user_agent=user_agent)

    @classmethod
    def from_request(cls) -> Actor:
        """The actor of the current HTTP request (for views only: use cases take an Actor, never a request)."""
        from ..web.access import request_actor

        return request_actor()

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM

    @property
    def is_admin(self) -> bool:
        """Admins and the system may moderate and manage accounts."""
        return self.role in ("admin", SYSTEM)

    @property
    def is_seller(self) -> bool:
        return self.role in ("seller", "admin", SYSTEM)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None
