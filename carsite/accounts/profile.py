"""A person's own account: profile, photo, password, sessions, becoming a seller."""

from __future__ import annotations

from typing import Any

from .. import db, images
from ..contact import phone as contact_phone
from ..domain import audit
from ..domain.actor import Actor
from . import passwords, recovery
from .errors import WrongPassword

AVATAR_SIZE = 256


def account(actor: Actor) -> dict[str, Any]:
    """The actor's own account row."""
    return db.one("users.user_by_id", user_id=actor.user_id)


def live_sessions(actor: Actor) -> list[dict[str, Any]]:
    return db.all("sessions.live_sessions", user_id=actor.user_id)


def update(
    *, name: str, phone: str | None, address: str | None, phone_public: bool | None = None, actor: Actor
) -> None:
    """Save the profile; ``phone_public`` (sellers: whether car pages offer the phone number) when given."""
    with db.transaction():
        db.execute(
            "users.update_profile", user_id=actor.user_id, name=name, phone=phone or None, address=address or None
        )
        if not phone:  # whatever the role now: a car page never offers a number that is gone
            contact_phone.hide(actor=actor)
        elif phone_public is not None:
            contact_phone.set_public(phone_public, actor=actor)


def phone_public(actor: Actor) -> bool:
    """Whether the actor's car pages offer their phone number."""
    return contact_phone.is_public(actor=actor)


def set_avatar(data: bytes | None, *, actor: Actor) -> None:
    """Store a new avatar (images.ImageRejected when it is not an image we accept), or remove it with None."""
    name = images.save_square(data, "avatars", AVATAR_SIZE) if data is not None else None
    previous = db.one("users.set_avatar", user_id=actor.user_id, avatar=name)["previous"]
    images.remove("avatars", previous)


def change_password(current: str, new: str, *, actor: Actor) -> int:
    """Change the password after checking the current one (WrongPassword when wrong); every other session ends.
    Returns how many sessions ended."""
    me = account(actor)
    if not passwords.check_password(me["password_hash"], current):
        audit.record("password.change_failed", actor=actor, subject_id=actor.user_id)
        raise WrongPassword("The current password is not correct.", field="current")
    with db.transaction():
        db.execute("users.change_password", user_id=actor.user_id, password_hash=passwords.hash_password(new))
        ended = db.execute("sessions.revoke_other_sessions", user_id=actor.user_id, keep_session_id=actor.session_id)
        db.execute("tokens.spend_user_tokens", user_id=actor.user_id, purpose="reset_password")
        audit.record("password.change", actor=actor, subject_id=actor.user_id, other_sessions_ended=ended)
        recovery.tell_password_changed(me["id"], me["name"], me["email"], how="changed")
    return ended


def logout_others(*, actor: Actor) -> int:
    """End every other session of the actor; returns how many."""
    ended = db.execute("sessions.revoke_other_sessions", user_id=actor.user_id, keep_session_id=actor.session_id)
    audit.record("logout.others", actor=actor, subject_id=actor.user_id, sessions_ended=ended)
    return ended


def become_seller(*, actor: Actor) -> bool:
    """Let a confirmed plain user list cars; False when the account can already sell (or is not confirmed)."""
    if db.optional("users.become_seller", user_id=actor.user_id) is None:
        return False
    audit.record("role.change", actor=actor, subject_id=actor.user_id, old="user", new="seller", self_service=True)
    return True
