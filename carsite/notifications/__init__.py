"""Notifications: in the site (the bell) and by mail, as each person chose per kind.

``notify(user_id, kind, ...)`` is what every sender calls, inside the transaction of the change it reports: it reads
the person's channels for the kind (``notification_settings``, or the kind's defaults), adds an in-site notification
and queues the mail accordingly. Mail of a kind goes only to an active account whose address is confirmed, and always
with a one-click unsubscribe link for that kind (a signed, expiring token that needs no login).

Kinds are registered in KINDS; a sender of a new kind adds it there, with its label and defaults, and the settings
page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import db, mail


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    description: str
    by_mail: bool = True
    in_site: bool = True


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("listing_review", "Your listings reviewed", "When a listing of yours is approved or sent back."),
        Kind(
            "listing_expiry",
            "Listings about to expire",
            "Before a live listing of yours expires (with a one-click renewal), and when it has.",
        ),
        Kind("saved_search", "Saved search alerts", "New cars that match a search you saved."),
        Kind("price_drop", "Price drops", "When a car you saved gets cheaper."),
        Kind("car_unavailable", "Saved cars gone", "When a car you saved is sold or no longer listed."),
        Kind(
            "inquiry",
            "New buyers for your cars",
            "When a buyer writes to you about one of your cars for the first time (their later messages: Unread "
            "messages).",
        ),
        Kind(
            "test_drive",
            "Test drives",
            "Test drives asked for, confirmed, moved or cancelled, and a reminder the day before.",
        ),
        Kind(
            "trade_in",
            "Trade-ins",
            "A car offered to you in part exchange, the seller's offer for yours, and the buyer's answer.",
        ),
        # In the site the messages counter shows them already; by mail, one per conversation after a short delay.
        Kind(
            "message",
            "Unread messages",
            "Messages in your conversations that you have not read a few minutes after they came: one mail per "
            "conversation.",
            in_site=False,
        ),
        Kind(
            "review",
            "Reviews",
            "A new review of you as a seller, the seller's reply to your review, and when moderators hid a review "
            "of yours.",
        ),
        Kind(
            "orders",
            "Reservations and sales",
            "When a car of yours is reserved, and every step of a reservation after that: accepted, sold, "
            "cancelled or lapsed.",
        ),
        Kind("report", "Your reports", "When our moderators have acted on something you reported.", by_mail=False),
    )
}

UNSUBSCRIBE_SALT = "carsite.unsubscribe"


@dataclass(frozen=True)
class Notice:
    """One notification for one person (see notify)."""

    user_id: int
    title: str
    url: str | None = None
    body: str = ""
    mail_template: str | None = None
    mail_subject: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def notify(
    user_id: int,
    kind: str,
    *,
    title: str,
    url: str | None = None,
    body: str = "",
    mail_template: str | None = None,
    mail_subject: str | None = None,
    channel: tuple[str, int] = mail.NOTIFICATION,
    **context: Any,
) -> dict[str, bool]:
    """Tell a person about something, in the site and/or by mail per their settings; call it in the transaction of
    the change. ``url`` is a site path (``/cars/5``). The mail (``mail/<mail_template>``) gets ``name``, ``title``,
    ``body``, ``url`` (absolute) and ``context``. Returns which channels were used."""
    notice = Notice(user_id, title, url, body, mail_template, mail_subject, context)
    used = notify_many(kind, [notice], channel=channel)
    return {"in_site": used["in_site"] == 1, "by_mail": used["by_mail"] == 1}


def notify_many(kind: str, notices: list[Notice], *, channel: tuple[str, int] = mail.NOTIFICATION) -> dict[str, int]:
    """``notify`` for many notices of one kind in three statements, whatever their number: the recipients' channels,
    the in-site notifications, the mails (each rendered here, queued together). Call it in the transaction of the
    change; how many notices went in the site and by mail."""
    found = KINDS[kind]
    used = {"in_site": 0, "by_mail": 0}
    if not notices:
        return used
    who = {
        row["id"]: row
        for row in db.all(
            "notifications.recipients",
            user_ids=list({n.user_id for n in notices}),
            kind=kind,
            default_mail=found.by_mail,
            default_site=found.in_site,
        )
    }
    in_site = [n for n in notices if n.user_id in who and who[n.user_id]["in_site"]]
    if in_site:
        db.execute(
            "notifications.insert_many",
            user_ids=[n.user_id for n in in_site],
            kind=kind,
            titles=[n.title for n in in_site],
            bodies=[n.body for n in in_site],
            urls=[n.url for n in in_site],
        )
        used["in_site"] = len(in_site)
    by_mail = []
    for n in notices:
        person = who.get(n.user_id)
        if person is None or not (person["by_mail"] and person["mail_allowed"] and n.mail_template):
            continue
        by_mail.append(
            mail.render(
                person["email"],
                n.mail_subject or n.title,
                n.mail_template,
                kind=kind,
                user_id=n.user_id,
                unsubscribe=True,
                name=person["name"],
                title=n.title,
                body=n.body,
                url=absolute(n.url) if n.url else None,
                **n.context,
            )
        )
    mail.queue_many(by_mail, channel=channel)
    used["by_mail"] = len(by_mail)
    return used


def absolute(path: str) -> str:
    """A site path as an absolute link from BASE_URL (for mails)."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + path


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)  # type: ignore[arg-type]


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps({"u": user_id, "k": kind})


def unsubscribe_url(user_id: int, kind: str) -> str:
    """The one-click unsubscribe link for a person and kind (mail.link: built from BASE_URL)."""
    return mail.link("notifications.unsubscribe", token=unsubscribe_token(user_id, kind))


class BadToken(Exception):
    """An unsubscribe link that is forged, damaged or older than UNSUBSCRIBE_DAYS."""


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (user id, kind) of an unsubscribe link; BadToken when it is not one of ours or has expired."""
    max_age = int(current_app.config["UNSUBSCRIBE_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise BadToken("This unsubscribe link has expired. Log in to change your notification settings.") from exc
    except BadSignature as exc:
        raise BadToken("This unsubscribe link is not valid. Log in to change your notification settings.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("k") not in KINDS:
        raise BadToken("This unsubscribe link is not valid. Log in to change your notification settings.")
    return data["u"], data["k"]


def stop_mail(user_id: int, kind: str) -> None:
    """No more mail of ``kind`` for the person (one-click unsubscribe); in-site notifications stay as they were."""
    db.execute("notifications.stop_mail", user_id=user_id, kind=kind, default_site=KINDS[kind].in_site)
