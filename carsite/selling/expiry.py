"""Listing expiry: a live listing expires LISTING_DAYS after it went live or was renewed (cars.listed_at), with a
reminder LISTING_REMINDER_DAYS before; renewing is one click from either mail, or a button on the seller's pages.

An hourly job (``expire_listings``) does both passes set-based, in batches: each batch's UPDATE marks the cars
(reminded, or expired) and returns them, and the owners' notifications (``listing_expiry``, per their settings) go
out in the same transaction, so a notice is neither lost nor repeated. A listing never expires sooner than
LISTING_REMINDER_DAYS after its reminder, so a late job, a changed setting or listings older than the feature
still get their warning. Reserved and sold cars never expire; an expired car leaves search, counts and the sitemap
but keeps its page with a notice.

The renewal link carries a signed, expiring token bound to the car, its owner and the listed_at it was sent for:
renewing moves listed_at on, so a link renews once, and a listing renewed or changed meanwhile refuses it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import db, jobs, mail
from ..cars import pricing
from ..domain import audit, numbers
from ..domain.actor import Actor
from ..domain.errors import Conflict, NotFound
from ..domain.vocabulary import slugify
from ..notifications import Notice, notify_many

BATCH = 200
RENEW_SALT = "carsite.renew-listing"
#: A renewal link works this long after its mail (the expiry notice sends a fresh one).
RENEW_LINK_DAYS = 30


def live_days() -> int:
    return int(current_app.config["LISTING_DAYS"])


def reminder_days() -> int:
    return int(current_app.config["LISTING_REMINDER_DAYS"])


def expires_at(car: dict[str, Any]) -> datetime | None:
    """When a live listing expires: LISTING_DAYS after listed_at, never sooner than LISTING_REMINDER_DAYS after its
    reminder; None for a listing that is not live (a reserved or sold car never expires)."""
    if car["status"] != "available" or car.get("listed_at") is None:
        return None
    at: datetime = car["listed_at"] + timedelta(days=live_days())
    reminded = car.get("expiry_reminded_at")
    if reminded is not None and reminder_days():
        at = max(at, reminded + timedelta(days=reminder_days()))
    return at


def renewable(car: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether its owner may renew the listing now: expired, or live and reminded or within the reminder window
    (the rule of the query selling.renew_listing)."""
    if car["status"] == "expired":
        return True
    if car["status"] != "available" or car.get("listed_at") is None:
        return False
    now = now or datetime.now(UTC)
    window_opens = car["listed_at"] + timedelta(days=live_days() - reminder_days())
    return car.get("expiry_reminded_at") is not None or window_opens <= now


# -- the job ----------------------------------------------------------------------------------------------------


@jobs.task(
    queue="notify", name="carsite.selling.expiry.expire_listings", retry=jobs.Backoff(attempts=3), periodic="41 * * * *"
)
def expire_listings() -> dict[str, int]:
    """Remind the owners of listings about to expire, and expire those due; how many of each."""
    return remind_and_expire(datetime.now(UTC))


def remind_and_expire(now: datetime) -> dict[str, int]:
    """Both passes of the expiry job as of ``now`` (tests pass a later one); how many were reminded and expired."""
    done = {"reminded": 0, "expired": 0}
    while True:
        with db.transaction():
            # Without reminders (LISTING_REMINDER_DAYS 0) the mark falls on the expiry day and tells nobody: it only
            # makes the listing due, so expiry has one rule and one index either way.
            rows = db.all(
                "selling.remind_expiring", now=now, remind_after_days=live_days() - reminder_days(), limit=BATCH
            )
            if reminder_days():
                notify_many("listing_expiry", [_remind(row) for row in rows])
                done["reminded"] += len(rows)
        if len(rows) < BATCH:
            break
    while True:
        with db.transaction():
            rows = db.all(
                "selling.expire_listings", now=now, live_days=live_days(), reminder_days=reminder_days(), limit=BATCH
            )
            notify_many("listing_expiry", [_expired(row) for row in rows])
            for row in rows:
                audit.record("listing.expire", actor=Actor.system(), subject_id=row["seller_id"], car_id=row["id"])
        done["expired"] += len(rows)
        if rows:  # they left the listed cars: their models' medians change (after the commit, so the refresh sees it)
            pricing.refresh_models(*((r["make"], r["model"]) for r in rows))
        if len(rows) < BATCH:
            break
    return done


def _remind(row: dict[str, Any]) -> Notice:
    when = numbers.day(expires_at(row), current_app.config["LOCALE"])
    return Notice(
        row["seller_id"],
        f"Your “{row['title']}” expires on {when}"[:300],
        body="Renew it to keep it listed: one click from the mail, or from your listings.",
        url=f"/sell/{row['id']}",
        mail_template="listing_expiring",
        mail_subject=f"Your listing “{row['title']}” expires on {when}"[:200],
        context={
            "car_title": row["title"],
            "expires_on": when,
            "renew_url": renew_url(row["id"], row["seller_id"], row["listed_at"]),
        },
    )


def _expired(row: dict[str, Any]) -> Notice:
    return Notice(
        row["seller_id"],
        f"Your “{row['title']}” has expired"[:300],
        body="It is no longer in search results; renew it to put it back.",
        url=f"/sell/{row['id']}",
        mail_template="listing_expired",
        mail_subject=f"Your listing “{row['title']}” has expired"[:200],
        context={"car_title": row["title"], "renew_url": renew_url(row["id"], row["seller_id"], row["listed_at"])},
    )


# -- renewal ----------------------------------------------------------------------------------------------------


class BadToken(Exception):
    """A renewal link that is forged, damaged or older than RENEW_LINK_DAYS."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RENEW_SALT)  # type: ignore[arg-type]


def renew_token(car_id: int, owner_id: int, listed_at: datetime) -> str:
    return _serializer().dumps({"c": car_id, "u": owner_id, "l": listed_at.isoformat()})


def renew_url(car_id: int, owner_id: int, listed_at: datetime) -> str:
    """The one-click renewal link of a listing as listed at ``listed_at`` (built from BASE_URL, for mails)."""
    return mail.link("selling.renew_from_mail", token=renew_token(car_id, owner_id, listed_at))


def read_token(token: str) -> tuple[int, int, datetime]:
    """The (car id, owner id, listed_at) of a renewal link; BadToken when it is not one of ours or has expired."""
    invalid = "This renewal link is not valid. Log in and renew the listing from “Your listings”."
    try:
        data = _serializer().loads(token, max_age=RENEW_LINK_DAYS * 86400)
    except SignatureExpired as exc:
        raise BadToken("This renewal link has expired. Log in and renew the listing from “Your listings”.") from exc
    except BadSignature as exc:
        raise BadToken(invalid) from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("u"), int):
        raise BadToken(invalid)
    try:
        listed_at = datetime.fromisoformat(str(data.get("l")))
    except ValueError:
        raise BadToken(invalid) from None
    return data["c"], data["u"], listed_at


def car_of_link(token: str) -> tuple[dict[str, Any], datetime]:
    """The listing a renewal link speaks of and the listed_at it was sent for; BadToken for a bad link, NotFound
    when the car is gone or no longer its owner's."""
    car_id, owner_id, listed_at = read_token(token)
    car = db.optional("selling.car_for_renewal", car_id=car_id)
    if car is None or car["seller_id"] != owner_id:
        raise NotFound("This listing is no longer on the site.")
    return car, listed_at


def link_problem(car: dict[str, Any], listed_at: datetime) -> str | None:
    """Why a renewal link cannot renew its listing now (renewed or changed since the mail), or None."""
    if car["listed_at"] != listed_at:
        return "This link was used already, or the listing was renewed since: there is nothing to renew."
    if not renewable(car):
        return "This listing cannot be renewed now: it is not expired or about to expire."
    return None


def renew_from_link(token: str, *, actor: Actor) -> dict[str, Any]:
    """Renew the listing of a renewal link (the token is the owner's proof; no login needed); the renewed car.
    BadToken for a bad link, NotFound when the car is gone, Conflict when the link was used or the listing renewed
    or changed since (nothing changes then)."""
    car, listed_at = car_of_link(token)
    problem = link_problem(car, listed_at)
    if problem:
        raise Conflict(problem)
    return _renew(car, Actor(user_id=car["seller_id"], role="seller"), listed_at, actor)


def renew(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """The owner (or an admin) renews a listing from their pages; NotFound when it is not theirs, Conflict when it
    is not expired or about to expire."""
    car = db.optional("selling.listing_for_owner", car_id=car_id, user_id=actor.user_id, is_admin=actor.is_admin)
    if car is None:
        raise NotFound("There is no such listing among yours.")
    return _renew(car, actor, None, actor)


def _renew(car: dict[str, Any], owner: Actor, listed_at: datetime | None, actor: Actor) -> dict[str, Any]:
    with db.transaction():
        row = db.optional(
            "selling.renew_listing",
            car_id=car["id"],
            user_id=owner.user_id,
            is_admin=owner.is_admin,
            remind_after_days=live_days() - reminder_days(),
            listed_at=listed_at,
        )
        if row is None:
            raise Conflict("This listing cannot be renewed now: it is not expired or about to expire.")
        audit.record(
            "listing.renew",
            actor=actor,
            subject_id=row["seller_id"],
            car_id=row["id"],
            was=car["status"],
            by_link=listed_at is not None,
        )
    if car["status"] == "expired":  # it joins the listed cars again
        pricing.refresh_models((row["make"], row["model"]))
    return {**row, "expires_at": expires_at(row), "slug": slugify(row["title"])}
