"""Sign-up and email confirmation.

Signing up never tells the caller whether an address already has an account: a new address gets an account and
a confirmation link, a taken one gets a note to its owner ("log in or reset your password"), and both answer
with the same page after the same kind of work (a password hash, an insert attempt, an audit row, a mail) and no
sooner than a fixed floor (timing.py). The new account is therefore not logged in at once; the confirmation
link logs it in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app

from .. import db, mail
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Invalid
from . import passwords, timing


def register(*, name: str, email: str, password: str, phone: str | None, actor: Actor) -> None:
    """Create a plain user account and mail its confirmation link, or, when the address already has an account,
    mail its owner instead. The same outcome for the caller either way, after at least the answer floor; a mail
    that cannot be sent is logged."""
    with timing.no_sooner_than_floor():
        _register(name=name, email=email, password=password, phone=phone, actor=actor)


def _register(*, name: str, email: str, password: str, phone: str | None, actor: Actor) -> None:
    password_hash = passwords.hash_password(password)  # also for a taken address: the same work either way
    try:
        with db.transaction():
            user_id = db.scalar(
                "users.insert_user",
                name=name,
                email=email,
                password_hash=password_hash,
                role="user",
                phone=phone or None,
                address=None,
            )
            audit.record("account.register", actor=replace(actor, user_id=user_id), subject_id=user_id)
            send_verification(user_id, name, email)  # the account and its confirmation mail commit together
    except db.UniqueViolation as exc:
        if exc.constraint != "users_email_key":
            raise
        _tell_owner(email, actor=actor)


def _tell_owner(email: str, *, actor: Actor) -> None:
    """Mail the owner of a taken address that someone tried to sign up with it."""
    account = db.optional("users.login_candidate", email=email)
    if account is None:  # deleted between the insert and now: nobody to tell
        return
    site = current_app.config["SITE_NAME"]
    with db.transaction():
        audit.record("account.register_taken", actor=actor, subject_id=account["id"])
        mail.queue(
            account["email"],
            f"Someone tried to sign up for {site} with your address",
            "signup_taken",
            kind="account.signup_taken",
            user_id=account["id"],
            channel=mail.ACCOUNT,
            name=account["name"],
            login_url=mail.link("auth.login"),
            reset_url=mail.link("auth.forgot"),
        )


def send_verification(user_id: int, name: str, email: str) -> None:
    """Queue a mail with a new confirmation link (earlier ones stop working), in one transaction with the token."""
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
        mail.queue(
            email,
            f"Confirm your email for {current_app.config['SITE_NAME']}",
            "verify",
            kind="account.verify",
            user_id=user_id,
            sensitive=True,
            channel=mail.ACCOUNT,
            name=name,
            url=mail.link("auth.confirm", token=token),
            hours=hours,
        )


def confirm_email(token: str, *, actor: Actor) -> dict[str, Any]:
    """Confirm the address behind a single-use link and return the account (``is_active`` says whether it may log
    in); Invalid when the link is unknown, expired or used."""
    with db.transaction():
        row = db.optional("tokens.use_token", token_hash=passwords.token_hash(token), purpose="verify_email")
        if row is None:
            raise Invalid(
                "This confirmation link is invalid, expired or already used. Log in and send a new one from "
                "your account page."
            )
        db.execute("users.mark_email_verified", user_id=row["user_id"])
        audit.record("account.email_verified", actor=replace(actor, user_id=row["user_id"]), subject_id=row["user_id"])
        return db.one("users.user_by_id", user_id=row["user_id"])
