"""Admins manage accounts: roles, deactivation, deletion. The rule that the site keeps an active admin lives in
the SQL of each write (queries/users.sql), so two admins demoting each other at once cannot both succeed."""

from __future__ import annotations

from typing import Any

from .. import db, images
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..domain.paging import keyset_page
from ..domain.vocabulary import ROLES

PAGE_SIZE = 50
LAST_ADMIN = "This is the last active admin account; make another admin first."


def _admin_only(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins manage accounts.")


def account(user_id: int, *, actor: Actor) -> dict[str, Any]:
    """One account; NotFound when there is none."""
    _admin_only(actor)
    row = db.optional("users.user_by_id", user_id=user_id)
    if row is None:
        raise NotFound("There is no such account.")
    return row


def accounts_page(
    text: str | None, role: str | None, cursor: str | None, *, actor: Actor
) -> tuple[list[dict[str, Any]], str | None]:
    """Accounts newest first, matching a name or email fragment and a role; Invalid for an unknown role."""
    _admin_only(actor)
    if role is not None and role not in ROLES:
        raise Invalid("role must be user, seller or admin.", field="role")
    return keyset_page("users.admin_page", cursor, PAGE_SIZE, text=text, role=role)


def _refused(user_id: int) -> Exception:
    """Why a guarded write changed nothing: no such account, or it is the last active admin."""
    row = db.optional("users.user_by_id", user_id=user_id)
    return NotFound("There is no such account.") if row is None or row["deleted_at"] else Conflict(LAST_ADMIN)


def set_role(user_id: int, role: str, *, actor: Actor) -> str:
    """Change an account's role; returns the previous one. Conflict for the last active admin."""
    _admin_only(actor)
    if role not in ROLES:
        raise Invalid("role must be user, seller or admin.", field="role")
    row = db.optional("users.set_role", user_id=user_id, role=role)
    if row is None:
        raise _refused(user_id)
    if row["previous"] != role:
        audit.record("role.change", actor=actor, subject_id=user_id, old=row["previous"], new=role)
    return row["previous"]


def deactivate(user_id: int, *, actor: Actor) -> None:
    """Switch an account off and end its sessions at once; Conflict for oneself and for the last active admin."""
    _admin_only(actor)
    if user_id == actor.user_id:
        raise Conflict("You cannot deactivate your own account.")
    with db.transaction():
        if db.optional("users.set_active", user_id=user_id, active=False) is None:
            raise _refused(user_id)
        db.execute("sessions.revoke_user_sessions", user_id=user_id)
        audit.record("account.deactivate", actor=actor, subject_id=user_id)


def reactivate(user_id: int, *, actor: Actor) -> None:
    _admin_only(actor)
    if db.optional("users.set_active", user_id=user_id, active=True) is None:
        raise NotFound("There is no such account, or it was deleted.")
    audit.record("account.reactivate", actor=actor, subject_id=user_id)


def delete(user_id: int, *, actor: Actor) -> None:
    """Delete softly: personal data scrubbed, sessions ended, cars and orders kept consistent."""
    _admin_only(actor)
    if user_id == actor.user_id:
        raise Conflict("You cannot delete your own account here.")
    with db.transaction():
        row = db.optional("users.soft_delete", user_id=user_id)
        if row is None:
            existing = db.optional("users.user_by_id", user_id=user_id)
            if existing is None or existing["deleted_at"]:
                raise NotFound("There is no such account, or it was already deleted.")
            raise Conflict(LAST_ADMIN)
        db.execute("sessions.revoke_user_sessions", user_id=user_id)
        audit.record("account.delete", actor=actor, subject_id=user_id)
    images.remove("avatars", row["avatar"])
