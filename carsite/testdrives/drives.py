"""Test drives: asked for by the buyer of a conversation, answered by the other side, closed by either.

States: requested (with up to three times, ``proposed_by`` the side that proposed them) → confirmed (at one of them,
by the other side) → held or no_show (marked by the seller once it started); requested → declined (by the seller);
requested or confirmed → cancelled (by either side) or requested again with new times (a counter-proposal or a
reschedule, by either side). Only the drive's buyer and seller see it (404 for everyone else); the wrong side or a
state that does not allow the move is a Conflict (409) and changes nothing. Every move leaves a system message in
the conversation and tells the other side; a confirmation mails both sides an invitation, a cancellation of a
confirmed drive its cancellation, and a job reminds both the day before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from .. import db, jobs, mail
from ..cars import catalogue
from ..db.errors import ExclusionViolation
from ..domain.actor import Actor
from ..domain.errors import Conflict, Invalid, NotFound
from ..messages import conversations
from ..notifications import Notice, notify_many
from . import hours, invitations

NOT_FOUND = "No such test drive."
BOOKED = "That time is already booked for another test drive of this car. Please propose other times."
OPEN = "There is already an open test drive request in this conversation: reschedule or cancel it first."
ONLY_BUYER = "Only the buyer asks for a test drive here; answer the buyer's request instead."
NOT_FOR_SALE = "This car is no longer for sale, so no test drive can be booked."
NOTE_MAX = 1000
REMIND_BEFORE = timedelta(hours=24)
STATUS_LABELS = {
    "requested": "Requested",
    "confirmed": "Confirmed",
    "declined": "Declined",
    "cancelled": "Cancelled",
    "held": "Held",
    "no_show": "No-show",
}
ACTIONS = ("confirm", "propose", "decline", "cancel", "held", "no_show")


@dataclass(frozen=True)
class SlotInput:
    """Times as a form gives them: picked offered times and up to three date + time pairs."""

    picked: list[str]
    pairs: list[tuple[str, str]]

    @classmethod
    def from_form(cls, form: Any) -> SlotInput:
        getlist = form.getlist if hasattr(form, "getlist") else (lambda key: [form[key]] if key in form else [])
        pairs = [(form.get(f"date_{n}", "") or "", form.get(f"time_{n}", "") or "") for n in (1, 2, 3)]
        extra = [key for key in form if key.startswith(("date_", "time_")) and key[5:] not in ("1", "2", "3")]
        if any(form.get(key) for key in extra):
            raise Invalid(f"Propose at most {hours.MAX_SLOTS} times.", "slot")
        return cls([s for s in getlist("slot") if isinstance(s, str)], pairs)


# -- reading -------------------------------------------------------------------------------------------------------


def side_of(drive: Mapping[str, Any], actor: Actor) -> str:
    return "buyer" if actor.user_id == drive["buyer_id"] else "seller"


def other(side: str) -> str:
    return "seller" if side == "buyer" else "buyer"


def for_member(drive_id: int, *, actor: Actor) -> dict[str, Any]:
    """A drive with its car and people, for its buyer or seller; NotFound for anyone else."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    drive = db.optional("testdrives.drive_for_member", drive_id=drive_id, user_id=actor.user_id)
    if drive is None:
        raise NotFound(NOT_FOUND)
    return drive


def of_conversation(conversation_id: int, *, actor: Actor) -> list[dict[str, Any]]:
    """The test drives of a conversation the actor is a member of, newest first (NotFound for non-members)."""
    conversations.membership(conversation_id, actor=actor)
    return db.all("testdrives.of_conversation", conversation_id=conversation_id)


def ics(drive_id: int, *, actor: Actor) -> bytes:
    """The calendar file of a confirmed (or held) drive, for one of its members; Conflict while it has no time."""
    drive = for_member(drive_id, actor=actor)
    if drive["slot"] is None or drive["status"] not in ("confirmed", "held", "no_show", "cancelled"):
        raise Conflict("This test drive has no confirmed time yet.")
    method = "CANCEL" if drive["status"] == "cancelled" else "REQUEST"
    side = side_of(drive, actor)
    return invitations.calendar(
        drive, method=method, attendee=(drive[f"{side}_name"], drive[f"{side}_email"]), url=_link(drive)
    )


def when(start: datetime, end: datetime | None, zone_name: str, *, zone_label: bool = True) -> str:
    """A time in the seller's zone as people read it: "Mon 7 Dec 2026, 10:00–10:30 (Europe/Berlin)"."""
    zone = hours.zone_of(zone_name)
    local = start.astimezone(zone)
    text = f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
    if end is not None:
        text += f"–{end.astimezone(zone):%H:%M}"
    return f"{text} ({zone.key})" if zone_label else text


def slot_label(slot: Any, zone_name: str, *, zone_label: bool = False) -> str:
    return when(slot.lower, slot.upper, zone_name, zone_label=zone_label)


def clean_note(raw: str | None, label: str = "message") -> str:
    text = conversations.clean_text(raw, field="note", label=label, required=False)
    if len(text) > NOTE_MAX:
        raise Invalid(f"The {label} is too long: at most {NOTE_MAX:,} characters.", "note")
    return text


# -- asking --------------------------------------------------------------------------------------------------------


def request(
    conversation_id: int,
    times: SlotInput,
    note: str | None,
    *,
    actor: Actor,
    utm: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The buyer of a conversation asks for a test drive at up to three times (in the seller's zone, inside the
    seller's opening hours when published); the new drive. Records an inquiry, notes it in the conversation and
    tells the seller. NotFound for non-members; Conflict for the seller, a car no longer for sale, an open request,
    a block; Invalid for bad times."""
    conversation = conversations.membership(conversation_id, actor=actor)
    if conversation["role"] != "buyer":
        raise Conflict(ONLY_BUYER)
    car = catalogue.public_car(conversation["car_id"])
    if car["status"] != "available":
        raise Conflict(NOT_FOR_SALE)
    settings = hours.settings_of(conversation["seller_id"])
    slots = hours.check_slots(hours.read_slots(times.picked, times.pairs), settings, within_hours=True, now=now)
    text = clean_note(note)
    with db.transaction():
        drive = db.optional(
            "testdrives.insert_drive",
            conversation_id=conversation_id,
            starts=[s for s, _ in slots],
            ends=[e for _, e in slots],
            time_zone=settings.time_zone,
            note=text,
        )
        if drive is None:
            if db.optional("testdrives.open_drive_of_conversation", conversation_id=conversation_id):
                raise Conflict(OPEN)
            raise Conflict(conversations.BLOCKED)
        listed = "; ".join(when(s, e, settings.time_zone, zone_label=False) for s, e in slots)
        body = f"Test drive requested for {car['title']}: {listed} ({settings.time_zone})."
        if text:
            body += f"\n“{text}”"
        message = conversations.post_system(conversation_id, body)
        conversations.record_inquiry(
            conversations.Started(conversation_id, conversation["seller_id"], False),
            message,
            car_id=conversation["car_id"],
            actor=actor,
            kind="test_drive",
            source="test_drive",
            utm=utm,
            requested_date=slots[0][0].astimezone(settings.zone).date(),
        )
        _tell(conversation["seller_id"], "A test drive is requested", body, conversation_id)
    return dict(drive)


# -- moves ---------------------------------------------------------------------------------------------------------


def act(drive_id: int, action: str, form: Any, *, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """One move of a drive by one of its members (``action`` one of ACTIONS, ``form`` its fields); the changed
    drive. NotFound for non-members, Conflict for the wrong side or state (nothing changed), Invalid for bad input."""
    if action not in ACTIONS:
        raise NotFound(NOT_FOUND)
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    now = now or datetime.now(UTC)
    try:
        with db.transaction():
            drive = db.optional("testdrives.lock_drive_for_member", drive_id=drive_id, user_id=actor.user_id)
            if drive is None:
                raise NotFound(NOT_FOUND)
            if drive["blocked"]:
                # Once one has blocked the other, a drive can still be called off, but carries no words any more:
                # a note would reach the other side as a message.
                if action != "cancel":
                    raise Conflict(conversations.BLOCKED)
                form = {}
            return MOVES[action](drive, side_of(drive, actor), form, actor, now)
    except ExclusionViolation as exc:
        if exc.constraint == "test_drives_no_overlap":
            raise Conflict(BOOKED) from exc
        raise


def _confirm(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    if drive["status"] != "requested":
        raise Conflict(f"This test drive is {STATUS_LABELS[drive['status']].lower()}: there is nothing to confirm.")
    if side == drive["proposed_by"]:
        raise Conflict(f"You proposed these times: the {other(side)} confirms one of them.")
    raw = (form.get("slot") or "").strip()
    if not re.fullmatch(r"[0-9]{1,2}", raw) or not 0 <= int(raw) < len(drive["slots"]):
        raise Invalid("Choose one of the proposed times.", "slot")
    chosen = drive["slots"][int(raw)]
    if chosen.lower <= now:
        raise Conflict("That time has passed: propose new times instead.")
    row = db.optional("testdrives.confirm_drive", drive_id=drive["id"], starts_at=chosen.lower, ends_at=chosen.upper)
    if row is None:
        raise Conflict("This test drive changed meanwhile; reload the page.")
    confirmed = {**drive, **row}
    start = chosen.lower
    if start > now:
        job_id = jobs.defer(
            remind,
            schedule_at=max(start - REMIND_BEFORE, now),
            drive_id=drive["id"],
            starts_at=start.isoformat(),
        )
        db.execute("testdrives.set_reminder", drive_id=drive["id"], job_id=job_id)
        confirmed["reminder_job_id"] = job_id
    label = slot_label(chosen, drive["time_zone"], zone_label=True)
    body = f"Test drive confirmed: {label}."
    conversations.post_system(drive["conversation_id"], body)
    _calendar_mails(confirmed, "REQUEST", f"Test drive confirmed: {drive['car_title']}", body)
    _tell(drive[f"{other(side)}_id"], "Your test drive is confirmed", body, drive["conversation_id"], mail=False)
    return confirmed


def _propose(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    if drive["status"] not in ("requested", "confirmed"):
        raise Conflict(f"This test drive is {STATUS_LABELS[drive['status']].lower()}: ask for a new one instead.")
    settings = hours.settings_of(drive["seller_id"])
    settings = hours.Settings(drive["time_zone"], settings.slot_minutes, settings.opening_hours)
    times = SlotInput.from_form(form)
    slots = hours.check_slots(
        hours.read_slots(times.picked, times.pairs), settings, within_hours=side == "buyer", now=now
    )
    text = clean_note(form.get("note"))
    row = db.one(
        "testdrives.propose_times",
        drive_id=drive["id"],
        side=side,
        starts=[s for s, _ in slots],
        ends=[e for _, e in slots],
        note=text,
    )
    name = drive[f"{side}_name"]
    listed = "; ".join(when(s, e, drive["time_zone"], zone_label=False) for s, e in slots)
    was = ""
    if drive["status"] == "confirmed":
        _forget_reminder(drive)
        was = f" instead of {slot_label(drive['slot'], drive['time_zone'])}"
        _calendar_mails(
            {**drive, "ics_sequence": row["ics_sequence"]},
            "CANCEL",
            f"Test drive moved: {drive['car_title']}",
            f"{name} asked to move the test drive{was}. The old time is off your calendar; new times are proposed.",
        )
    body = f"{name} proposed other times for the test drive{was}: {listed} ({drive['time_zone']})."
    if text:
        body += f"\n“{text}”"
    conversations.post_system(drive["conversation_id"], body)
    _tell(drive[f"{other(side)}_id"], "New times for a test drive", body, drive["conversation_id"])
    return {**drive, **row}


def _decline(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    if side != "seller":
        raise Conflict("Only the seller declines a request; you can cancel it instead.")
    if drive["status"] != "requested":
        raise Conflict(f"This test drive is {STATUS_LABELS[drive['status']].lower()}: only a request can be declined.")
    text = clean_note(form.get("note"))
    row = _close(drive, "declined", ["requested"], None, text)
    body = f"{drive['seller_name']} declined the test drive request."
    if text:
        body += f"\n“{text}”"
    conversations.post_system(drive["conversation_id"], body)
    _tell(drive["buyer_id"], "Your test drive request was declined", body, drive["conversation_id"])
    return row


def _cancel(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    if drive["status"] not in ("requested", "confirmed"):
        raise Conflict(f"This test drive is {STATUS_LABELS[drive['status']].lower()}: there is nothing to cancel.")
    text = clean_note(form.get("note"), "reason")
    row = _close(drive, "cancelled", ["requested", "confirmed"], actor.user_id, text)
    name = drive[f"{side}_name"]
    if drive["status"] == "confirmed":
        _forget_reminder(drive)
        body = f"{name} cancelled the test drive of {slot_label(drive['slot'], drive['time_zone'], zone_label=True)}."
    else:
        body = f"{name} cancelled the test drive request."
    if text:
        body += f"\nReason: “{text}”"
    conversations.post_system(drive["conversation_id"], body)
    if drive["status"] == "confirmed":
        _calendar_mails(row, "CANCEL", f"Test drive cancelled: {drive['car_title']}", body)
    _tell(
        drive[f"{other(side)}_id"],
        "A test drive was cancelled",
        body,
        drive["conversation_id"],
        mail=drive["status"] != "confirmed",
    )
    return row


def _held(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    return _after_start(drive, side, now, "held", "The test drive of {when} took place.")


def _no_show(drive: dict[str, Any], side: str, form: Any, actor: Actor, now: datetime) -> dict[str, Any]:
    return _after_start(drive, side, now, "no_show", "The buyer did not come to the test drive of {when}.")


def _after_start(drive: dict[str, Any], side: str, now: datetime, status: str, text: str) -> dict[str, Any]:
    if side != "seller":
        raise Conflict("Only the seller records how a test drive went.")
    if drive["status"] != "confirmed":
        raise Conflict(f"This test drive is {STATUS_LABELS[drive['status']].lower()}, not a confirmed one.")
    if drive["slot"].lower > now:
        raise Conflict("A test drive can be marked held or a no-show only after it started.")
    row = _close(drive, status, ["confirmed"], None, "")
    body = text.format(when=slot_label(drive["slot"], drive["time_zone"], zone_label=True))
    conversations.post_system(drive["conversation_id"], body)
    _tell(drive["buyer_id"], "Your test drive", body, drive["conversation_id"])
    return row


MOVES: dict[str, Callable[[dict[str, Any], str, Any, Actor, datetime], dict[str, Any]]] = {
    "confirm": _confirm,
    "propose": _propose,
    "decline": _decline,
    "cancel": _cancel,
    "held": _held,
    "no_show": _no_show,
}


def _close(drive: dict[str, Any], status: str, from_statuses: list[str], by: int | None, note: str) -> dict[str, Any]:
    row = db.optional(
        "testdrives.close_drive",
        drive_id=drive["id"],
        status=status,
        from_statuses=from_statuses,
        cancelled_by=by,
        note=note,
    )
    if row is None:
        raise Conflict("This test drive changed meanwhile; reload the page.")
    return {**drive, **row}


def _forget_reminder(drive: dict[str, Any]) -> None:
    if drive.get("reminder_job_id"):
        db.scalar("jobs.cancel_waiting", job_id=drive["reminder_job_id"])


# -- telling -------------------------------------------------------------------------------------------------------


def _path(drive_or_conversation_id: Mapping[str, Any] | int) -> str:
    cid = (
        drive_or_conversation_id
        if isinstance(drive_or_conversation_id, int)
        else drive_or_conversation_id["conversation_id"]
    )
    return f"/messages/{cid}"


def _link(drive: Mapping[str, Any]) -> str:
    return str(current_app.config["BASE_URL"] or "").rstrip("/") + _path(drive)


def _tell(user_id: int, title: str, body: str, conversation_id: int, *, mail: bool = True) -> None:
    """Tell the other side in the site and, unless ``mail`` is False (they get a mail of their own), by mail as
    their notification settings say."""
    notify_many(
        "test_drive",
        [
            Notice(
                user_id,
                title,
                url=_path(conversation_id),
                body=body[:4000],
                mail_template="test_drive" if mail else None,
            )
        ],
    )


def _calendar_mails(drive: dict[str, Any], method: str, subject: str, body: str) -> None:
    """Mail both sides the drive's invitation (REQUEST) or its cancellation (CANCEL), each with themselves as the one
    attendee; sent whatever the notification settings (it keeps their calendars right)."""
    url = _link(drive)
    messages = []
    for side in ("buyer", "seller"):
        name, address = drive[f"{side}_name"], drive[f"{side}_email"]
        messages.append(
            mail.render(
                address,
                subject,
                "test_drive_invitation",
                kind="test_drive",
                user_id=drive[f"{side}_id"],
                attachments=(invitations.attachment(drive, method=method, attendee=(name, address), url=url),),
                name=name,
                body=body,
                url=url,
                cancelled=method == "CANCEL",
                when=slot_label(drive["slot"], drive["time_zone"], zone_label=True),
                car_title=drive["car_title"],
                car_city=drive.get("car_city") or "",
                other_name=drive[f"{other(side)}_name"],
            )
        )
    mail.queue_many(messages, channel=mail.NOTIFICATION)


@jobs.task(queue="notify", name="carsite.testdrives.drives.remind", retry=jobs.Backoff(attempts=5))
def remind(drive_id: int, starts_at: str) -> int:
    """The reminder job: remind both sides of a confirmed drive starting at ``starts_at``; how many were told (0
    when it was cancelled or moved meanwhile: then nothing is sent)."""
    with db.transaction():
        drive = db.optional("testdrives.drive_to_remind", drive_id=drive_id, starts_at=starts_at)
        if drive is None:
            return 0
        label = slot_label(drive["slot"], drive["time_zone"], zone_label=True)
        city = f" in {drive['car_city']}" if drive.get("car_city") else ""
        notices = [
            Notice(
                drive[f"{side}_id"],
                f"Reminder: test drive {label}",
                url=_path(drive),
                body=f"Test drive of {drive['car_title']}{city} with {drive[f'{other(side)}_name']}: {label}.",
                mail_template="test_drive",
            )
            for side in ("buyer", "seller")
        ]
        notify_many("test_drive", notices)
    return len(notices)


# -- the panel of a conversation -----------------------------------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def panel(
    conversation: Any, rows: list[dict[str, Any]] | None, *, actor: Actor, now: datetime | None = None
) -> dict[str, Any]:
    """What the conversation page shows of its test drives for the acting member: each drive with its times in the
    seller's zone and the moves open to this side, and, for the buyer with no open drive, the request form (the
    seller's free times when they published opening hours). ``rows`` None: read them here."""
    now = now or datetime.now(UTC)
    conversation_id = int(_get(conversation, "id"))
    role = _get(conversation, "role") or ("buyer" if actor.user_id == _get(conversation, "buyer_id") else "seller")
    if rows is None:
        rows = db.all("testdrives.of_conversation", conversation_id=conversation_id)
    settings = hours.settings_in(conversation) or hours.settings_of(int(_get(conversation, "seller_id")))
    shown = []
    for row in sorted(rows, key=lambda r: r["id"], reverse=True):  # the newest (the open one) first
        status, proposed_by, zone = row["status"], row["proposed_by"], row["time_zone"]
        slot = row.get("slot")
        started = slot is not None and slot.lower <= now
        answering = status == "requested" and role != proposed_by
        if status == "cancelled" and row.get("cancelled_by"):
            writer = "buyer" if row["cancelled_by"] == _get(conversation, "buyer_id") else "seller"
        else:
            writer = "seller" if status == "declined" else proposed_by
        shown.append(
            {
                "id": row["id"],
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "proposed_by": proposed_by,
                "mine": proposed_by == role,
                "zone": zone,
                "note": row.get("note") or "",
                "note_by": "You wrote" if writer == role else f"The {writer} wrote",
                "slots": [
                    {"index": n, "label": slot_label(s, zone), "past": s.lower <= now}
                    for n, s in enumerate(row.get("slots") or [])
                ],
                "when": slot_label(slot, zone) if slot is not None else None,
                "can_confirm": answering,
                "can_propose": status in ("requested", "confirmed"),
                "can_decline": status == "requested" and role == "seller",
                "can_cancel": status in ("requested", "confirmed"),
                "can_mark": status == "confirmed" and role == "seller" and started,
                "has_ics": slot is not None and status in ("confirmed", "held", "no_show"),
                "can_review": status == "held" and role == "buyer" and not row.get("review_id"),
                "review_id": row.get("review_id") if role == "buyer" else None,
                "waiting": status == "requested" and not answering,
            }
        )
    blocked = bool(_get(conversation, "i_blocked") or _get(conversation, "blocked_me"))
    if blocked:  # only calling a drive off remains (see act)
        for d in shown:
            d.update(can_confirm=False, can_propose=False, can_decline=False, can_mark=False)
    open_drive = any(d["status"] in ("requested", "confirmed") for d in shown)
    offer = (
        hours.offered(int(_get(conversation, "car_id")), settings, now=now, busy_slots=_get(conversation, "car_busy"))
        if role == "buyer"
        else []
    )
    return {
        "conversation_id": conversation_id,
        "role": role,
        "drives": shown,
        "can_request": role == "buyer" and not open_drive and not blocked,
        "blocked": blocked,
        "zone": settings.time_zone,
        "slot_minutes": settings.slot_minutes,
        "has_hours": settings.has_hours,
        "offer": offer,
        "today": now.astimezone(settings.zone).date().isoformat(),
        "last_day": (now.astimezone(settings.zone).date() + timedelta(days=hours.MAX_DAYS_AHEAD)).isoformat(),
        "hours": [(hours.WEEKDAYS[d - 1], settings.opening_hours.get(str(d), [])) for d in range(1, 8)]
        if settings.has_hours
        else [],
    }


# -- booking from the car page -------------------------------------------------------------------------------------


def book(
    car_id: int,
    times: SlotInput,
    note: str | None,
    *,
    actor: Actor,
    utm: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A buyer asks for a test drive from the car page: the conversation of the car and buyer (started if new) gets
    the request (see ``request``); nothing is stored, not even a new conversation, when the request is refused."""
    with db.transaction():
        started = conversations.start(car_id, actor=actor)
        return request(started.conversation_id, times, note, actor=actor, utm=utm, now=now)


def booking(car: Mapping[str, Any], *, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """What the car page's "Book a test drive" box shows this person: whether they may book (not the seller, the car
    for sale), their conversation and its open drive when they have one, and the times to pick or type."""
    now = now or datetime.now(UTC)
    car_id, seller_id = int(car["id"]), int(car["seller_id"])
    settings = hours.settings_of(seller_id)
    local_today = now.astimezone(settings.zone).date()
    conversation_id = None
    open_drive = None
    if actor.user_id is not None and actor.user_id != seller_id:
        found = db.optional("messages.of_car_and_buyer", car_id=car_id, buyer_id=actor.user_id)
        if found is not None:
            conversation_id = found["id"]
            open_row = db.optional("testdrives.open_drive_of_conversation", conversation_id=conversation_id)
            open_drive = open_row["id"] if open_row else None
    return {
        "car_id": car_id,
        "visitor": actor.user_id is None,
        "own_car": actor.user_id == seller_id,
        "for_sale": car.get("status") == "available",
        "conversation_id": conversation_id,
        "open_drive": open_drive,
        "zone": settings.time_zone,
        "slot_minutes": settings.slot_minutes,
        "has_hours": settings.has_hours,
        "offer": hours.offered(car_id, settings, now=now) if actor.user_id not in (None, seller_id) else [],
        "today": local_today.isoformat(),
        "last_day": (local_today + timedelta(days=hours.MAX_DAYS_AHEAD)).isoformat(),
    }
