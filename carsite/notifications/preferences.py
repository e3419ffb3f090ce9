"""Each person's notification settings: per kind (KINDS) and channel, by mail and in the site; both off is "off".

The same table is shown to a logged-in person (/account/notifications) and, without a login, to whoever holds an
unsubscribe link of theirs (the signed token is the proof); saving from either goes through ``save``. Account and
security mails (sign-up, password) are not notifications and always come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import NotFound
from . import KINDS, Kind, stop_mail

CHANNELS = (("mail", "By mail"), ("site", "In the site"))
GONE = "This account no longer exists."


@dataclass(frozen=True)
class Choice:
    """One row of the settings table: a kind and its two channels as they are now (stored, or the defaults)."""

    kind: Kind
    by_mail: bool
    in_site: bool
    stored: bool

    def field(self, channel: str) -> str:
        """The form field of one channel of this kind (a checkbox, present when ticked)."""
        return f"{self.kind.name}-{channel}"

    def on(self, channel: str) -> bool:
        return self.by_mail if channel == "mail" else self.in_site


def person(user_id: int) -> dict[str, Any]:
    """The account the settings belong to (name, email, whether mail may go to it); NotFound when it is gone."""
    row = db.optional("notifications.person", user_id=user_id)
    if row is None:
        raise NotFound(GONE)
    return row


def choices(user_id: int) -> list[Choice]:
    """Every kind in KINDS' order with the person's channels for it: their stored choice, else the kind's default
    (stored rows of kinds no longer in KINDS are left out)."""
    stored = {row["kind"]: row for row in db.all("notifications.settings", user_id=user_id)}
    found = []
    for name, kind in KINDS.items():
        row = stored.get(name)
        if row is None:
            found.append(Choice(kind, kind.by_mail, kind.in_site, stored=False))
        else:
            found.append(Choice(kind, row["by_mail"], row["in_site"], stored=True))
    return found


def read_form(form: Mapping[str, str]) -> dict[str, tuple[bool, bool]]:
    """The (by mail, in the site) choices of a submitted settings form, for every kind: a ticked box is present
    (any value), an unticked one is absent; fields that name no kind are ignored."""
    return {name: (f"{name}-mail" in form, f"{name}-site" in form) for name in KINDS}


def save(user_id: int, chosen: Mapping[str, tuple[bool, bool]], *, actor: Actor) -> None:
    """Store the person's channels for the kinds given (each then counts as their choice, not a default) and audit
    the change; ``actor`` is the person, or a visitor holding their unsubscribe link. KeyError for an unknown kind."""
    kinds = [KINDS[name].name for name in chosen]
    with db.transaction():
        db.execute(
            "notifications.set_settings",
            user_id=user_id,
            kinds=kinds,
            by_mail=[chosen[name][0] for name in kinds],
            in_site=[chosen[name][1] for name in kinds],
        )
        audit.record(
            "notifications.settings",
            actor=actor,
            subject_id=user_id,
            off_by_mail=sorted(name for name in kinds if not chosen[name][0]),
            off_in_site=sorted(name for name in kinds if not chosen[name][1]),
        )


def stop(user_id: int, kind: str, *, actor: Actor) -> None:
    """No more mail of one kind for the person (the one-click unsubscribe), audited."""
    with db.transaction():
        stop_mail(user_id, kind)
        audit.record("notifications.unsubscribe", actor=actor, subject_id=user_id, kind=kind)
