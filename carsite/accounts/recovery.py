"""Forgotten passwords: a single-use emailed link, and choosing a new password with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flask import current_app

from .. import db, mail
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Invalid
from . import passwords, timing


def request_reset(email: str, *, actor: Actor) -> None:
    """Mail a reset link when the address has an active account, or a note saying it has none otherwise. Both
    cases do the same kind of work (a lookup, one committed write, a mail) and take at least the answer floor, so
    neither the answer nor its timing tells the caller whether the address is known; a mail that cannot be sent is
    logged."""
    with timing.no_sooner_than_floor():
        _request_reset(email, actor=actor)


def _request_reset(email: str, *, actor: Actor) -> None:
    account = db.optional("users.login_candidate", email=email)
    site = current_app.config["SITE_NAME"]
    if account is None or not account["is_active"]:
        with db.transaction():
            audit.record("password.reset_unknown", actor=actor, subject_id=None if account is None else account["id"])
            mail.queue(
                email,
                f"No {site} account to reset",
                "reset_unknown",
                kind="account.reset_unknown",
                channel=mail.ACCOUNT,
                signup_url=mail.link("auth.register"),
            )
        return
    token, digest = passwords.new_token()
    minutes = int(current_app.config["RESET_PASSWORD_MINUTES"])
    with db.transaction():
        db.scalar(
            "tokens.create_token",
            user_id=account["id"],
            purpose="reset_password",
            token_hash=digest,
            lifetime_seconds=minutes * 60,
        )
        audit.record("password.reset_requested", actor=actor, subject_id=account["id"])
        mail.queue(
            account["email"],
            f"Reset your {site} password",
            "reset",
            kind="account.reset",
            user_id=account["id"],
            sensitive=True,
            channel=mail.ACCOUNT,
            name=account["name"],
            minutes=minutes,
            url=mail.link("auth.reset", token=token),
        )


def check_reset_token(token: str) -> None:
    """Invalid when the reset link is unknown, expired or used."""
    if db.optional("tokens.peek_token", token_hash=passwords.token_hash(token), purpose="reset_password") is None:
        raise Invalid("This password reset link is invalid, expired or already used. Ask for a new one.")


def reset_password(token: str, new_password: str, *, actor: Actor) -> int:
    """Set a new password with a reset link; every session of the account ends. Returns the account's id."""
    with db.transaction():
        row = db.optional("tokens.use_token", token_hash=passwords.token_hash(token), purpose="reset_password")
        if row is None:
            raise Invalid("This password reset link was used a moment ago. Ask for a new one.")
        user_id = row["user_id"]
        db.execute("users.change_password", user_id=user_id, password_hash=passwords.hash_password(new_password))
        db.execute("tokens.spend_user_tokens", user_id=user_id, purpose="reset_password")
        db.execute("users.mark_email_verified", user_id=user_id)  # the link proved the address
        db.execute("sessions.revoke_user_sessions", user_id=user_id)
        audit.record("password.reset", actor=replace(actor, user_id=user_id), subject_id=user_id)
        account = db.one("users.user_by_id", user_id=user_id)
        tell_password_changed(user_id, account["name"], account["email"], how="reset with an emailed link")
    return user_id


def tell_password_changed(user_id: int, name: str, email: str, *, how: str) -> None:
    """Queue "your password was changed" (call it in the change's transaction): when and how, and where to reset it
    if it was not the owner; no secret, so the body is kept. Transactional: sent whatever the settings say."""
    mail.queue(
        email,
        f"Your {current_app.config['SITE_NAME']} password was changed",
        "password_changed",
        kind="account.password_changed",
        user_id=user_id,
        channel=mail.ACCOUNT,
        name=name,
        how=how,
        when=datetime.now(UTC).strftime("%d %B %Y at %H:%M"),
        reset_url=mail.link("auth.forgot"),
    )
