"""Admin → Mail: the outbox, to answer "did the customer get it?" (what was sent, to whom, when, by which job)."""

from __future__ import annotations

import re
from typing import Any

from .. import db
from ..domain.actor import Actor
from ..domain.errors import Forbidden, Invalid, NotFound
from ..domain.paging import keyset_page

PAGE_SIZE = 50
STATUSES = ("queued", "sent", "failed", "suppressed")
_KIND = re.compile(r"[a-z0-9_.]{1,60}")
# An address is looked up exactly when it looks complete (something@domain.tld); anything shorter, or ending in
# "*", matches every address that starts with it.
_COMPLETE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _admin_only(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins read the outbox.")


def search(address: str | None) -> tuple[str | None, bool]:
    """The address to look for (lower case) and whether it is a prefix."""
    if not address:
        return None, False
    text = address.strip().lower()
    if text.endswith("*"):
        return text.rstrip("*") or None, True
    return text, _COMPLETE.fullmatch(text) is None


def page(
    address: str | None, status: str | None, kind: str | None, cursor: str | None, *, actor: Actor
) -> tuple[list[dict[str, Any]], str | None]:
    """Messages newest first, by recipient address (exact or prefix), status and kind; Invalid for a bad filter."""
    _admin_only(actor)
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}.", field="status")
    if kind is not None and not _KIND.fullmatch(kind):
        raise Invalid("kind is a name such as account.verify or listing_review.", field="kind")
    if address is not None and len(address) > 320:
        raise Invalid("An email address has at most 320 characters.", field="to")
    text, prefix = search(address)
    return keyset_page("mail.admin_page", cursor, PAGE_SIZE, address=text, prefix=prefix, status=status, kind=kind)


def message(outbox_id: int, *, actor: Actor) -> dict[str, Any]:
    """One outbox message with its job's state; NotFound for an unknown id."""
    _admin_only(actor)
    row = db.optional("mail.admin_message", outbox_id=outbox_id)
    if row is None:
        raise NotFound("There is no such message in the outbox.")
    return row


def html_part(outbox_id: int, *, actor: Actor) -> str:
    """The HTML part of an outbox message, as the recipient's mail program shows it; NotFound for an unknown id, a
    text-only message, or one whose body was blanked once sent (it held a one-time link)."""
    _admin_only(actor)
    row = db.optional("mail.admin_html", outbox_id=outbox_id)
    html = row["html_body"] if row else None
    if html is None:
        raise NotFound("This message has no HTML part to show.")
    return str(html)
