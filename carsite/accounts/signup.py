"""Sign-up and email confirmation."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, render_template

from .. import db, mail
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Invalid
from . import passwords


def register(*, name: str, email: str, password: str, phone: str | None, actor: Actor) -> int:
    """Create a plain user account; Conflict (naming ``email``) when the address already has one."""
    try:
        with db.transaction():
            user_id = db.scalar(
                "users.insert_user",
                name=name,
                email=email,
                password_hash=passwords.hash_password(password),
                role="user",
                phone=phone or None,
                address=None,
            )
            audit.record("account.register", actor=replace(actor, user_id=user_id), subject_id=user_id)
    except db.UniqueViolation as exc:
        if exc.constraint != "users_email_key":
            raise
        raise Conflict(
            "An account with this email already exists. Log in, or reset your password.", field="email"
        ) from None
    return user_id


def send_verification(user_id: int, name: str, email: str) -> None:
    """Mail a new confirmation link (earlier ones stop working); mail.MailError when it cannot be sent."""
    token, digest = passwords.new_token()
    hours = int(current_app.config["VERIFY_EMAIL_HOURS"])
    with db.transaction():
        db.execute("tokens.spend_user_tokens", user_id=user_id, purpose="verify_email")
        db.scalar(
            "tokens.create_token",
            user_id=user_id,
            purpose="verify_email",
            token_hash=digest,
            lifetime_seconds=hours * 3600,
        )
    mail.send(
        email,
        f"Confirm your email for {current_app.config['SITE_NAME']}",
        render_template("mail/verify.txt", name=name, url=mail.link("auth.confirm", token=token), hours=hours),
    )


def confirm_email(token: str, *, actor: Actor) -> int:
    """Confirm the address behind a single-use link; Invalid when the link is unknown, expired or used."""
    with db.transaction():
        row = db.optional("tokens.use_token", token_hash=passwords.token_hash(token), purpose="verify_email")
        if row is None:
            raise Invalid(
                "This confirmation link is invalid, expired or already used. Log in and send a new one from "
                "your account page."
            )
        db.execute("users.mark_email_verified", user_id=row["user_id"])
        audit.record("account.email_verified", actor=replace(actor, user_id=row["user_id"]), subject_id=row["user_id"])
    return row["user_id"]
