"""Logging in: checking a password, upgrading old hashes, recording who logged in."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import db
from ..domain import audit
from ..domain.actor import Actor
from . import passwords
from .errors import AccountInactive, WrongPassword


def authenticate(email: str, password: str, *, actor: Actor) -> dict[str, Any]:
    """The account this email and password log in to. WrongPassword when either is wrong (as slow for an unknown
    email as for a known one), AccountInactive when the account is switched off. An older hash is upgraded."""
    account = db.optional("users.login_candidate", email=email)
    if account is None:
        passwords.burn_time(password)
    if account is None or not passwords.check_password(account["password_hash"], password):
        audit.record("login.failed", actor=actor, subject_id=account["id"] if account else None)
        raise WrongPassword("The email or password is not correct.", field="password")
    if not account["is_active"]:
        audit.record("login.refused_inactive", actor=actor, subject_id=account["id"])
        raise AccountInactive(
            "This account has been deactivated. Contact us if you think this is a mistake.", field="email"
        )
    if passwords.needs_rehash(account["password_hash"]):
        db.execute(
            "users.upgrade_password_hash",
            user_id=account["id"],
            old_hash=account["password_hash"],
            new_hash=passwords.hash_password(password),
        )
    return account


def logged_in(account: dict[str, Any], *, remember: bool, actor: Actor) -> None:
    """Record a successful login (after the session was opened)."""
    db.execute("users.record_login", user_id=account["id"])
    audit.record(
        "login",
        actor=replace(actor, user_id=account["id"], role=account["role"]),
        subject_id=account["id"],
        remember=remember,
    )


def reauthenticate(password: str, *, actor: Actor) -> None:
    """Check the logged-in person's password again before a sensitive action; WrongPassword when it is wrong."""
    account = db.one("users.user_by_id", user_id=actor.user_id)
    if not passwords.check_password(account["password_hash"], password):
        audit.record("login.failed", actor=actor, subject_id=actor.user_id, reauthenticate=True)
        raise WrongPassword("The password is not correct.", field="password")
    audit.record("login.reauthenticated", actor=actor, subject_id=actor.user_id)


def logged_out(*, actor: Actor) -> None:
    if actor.is_authenticated:
        audit.record("logout", actor=actor, subject_id=actor.user_id)
