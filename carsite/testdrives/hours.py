"""A seller's test drive settings (time zone, length of a drive, weekly opening hours), reading the times people
type in the seller's zone, and the free times offered to buyers when the seller published opening hours."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .. import db
from ..domain.actor import Actor
from ..domain.errors import Forbidden, Invalid

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLOT_CHOICES = (15, 30, 45, 60, 90, 120)
MAX_SLOTS = 3
MAX_DAYS_AHEAD = 60
OFFER_DAYS = 14
OFFER_NOTICE = timedelta(hours=2)
HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class Settings:
    time_zone: str
    slot_minutes: int
    opening_hours: dict[str, list[list[str]]]  # ISO weekday "1".."7" -> [["09:00", "18:00"], ...]

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.time_zone)

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def has_hours(self) -> bool:
        return any(self.opening_hours.get(str(day)) for day in range(1, 8))


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the choices of the settings page)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def end_of(start: datetime, length: timedelta) -> datetime:
    """When a drive that starts at ``start`` (aware, in the seller's zone) ends: ``length`` of real time later. Adding
    to an aware datetime adds wall-clock time, which across the autumn clock change makes 30 minutes last 90."""
    return (start.astimezone(UTC) + length).astimezone(start.tzinfo)


def zone_of(name: str) -> ZoneInfo:
    """The zone of a stored name; UTC should a stored name ever be unknown here (the page never fails on it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def settings_of(seller_id: int) -> Settings:
    """The seller's settings, or the defaults when they saved none."""
    row = db.optional("testdrives.seller_settings", user_id=seller_id)
    if row is None:
        return Settings("Europe/Berlin", 30, {})
    return Settings(row["time_zone"], int(row["slot_minutes"]), clean_hours_stored(row["opening_hours"]))


def settings_in(row: Any) -> Settings | None:
    """The seller's settings a page's own query brought (seller_time_zone, seller_slot_minutes,
    seller_opening_hours, as messages.conversation_page does); None when it brought none."""
    values: dict[str, Any] = row if isinstance(row, dict) else vars(row) if hasattr(row, "__dict__") else {}
    if values.get("seller_time_zone") is None:
        return None
    return Settings(
        str(values["seller_time_zone"]),
        int(values["seller_slot_minutes"]),
        clean_hours_stored(values.get("seller_opening_hours")),
    )


def clean_hours_stored(value: Any) -> dict[str, list[list[str]]]:
    """Opening hours as stored, keeping only well-formed intervals (a hand-edited row never breaks a page)."""
    out: dict[str, list[list[str]]] = {}
    if not isinstance(value, dict):
        return out
    for day in range(1, 8):
        intervals = value.get(str(day)) or []
        kept = [
            [a, b]
            for a, b in (iv for iv in intervals if isinstance(iv, list) and len(iv) == 2)
            if isinstance(a, str) and isinstance(b, str) and HHMM.fullmatch(a) and HHMM.fullmatch(b) and a < b
        ]
        if kept:
            out[str(day)] = kept
    return out


def save(form: dict[str, str], *, actor: Actor) -> Settings:
    """Validate and store the acting seller's settings from the settings form (time_zone, slot_minutes, and per ISO
    weekday d: open_d, from_d, to_d). Invalid naming the field at fault; Forbidden for a non-seller."""
    if actor.user_id is None or not actor.is_seller:
        raise Forbidden("Only sellers set test drive hours.")
    zone = (form.get("time_zone") or "").strip()
    if zone not in time_zones():
        raise Invalid("Choose a time zone from the list.", "time_zone")
    raw_minutes = (form.get("slot_minutes") or "").strip()
    if not re.fullmatch(r"[0-9]{1,4}", raw_minutes) or int(raw_minutes) not in SLOT_CHOICES:
        raise Invalid("Choose how long a test drive lasts from the list.", "slot_minutes")
    minutes = int(raw_minutes)
    hours: dict[str, list[list[str]]] = {}
    for day in range(1, 8):
        if not form.get(f"open_{day}"):
            continue
        start, end = (form.get(f"from_{day}") or "").strip(), (form.get(f"to_{day}") or "").strip()
        name = WEEKDAYS[day - 1]
        if not HHMM.fullmatch(start):
            raise Invalid(f"{name}: give the opening time as HH:MM, e.g. 09:00.", f"from_{day}")
        if not HHMM.fullmatch(end):
            raise Invalid(f"{name}: give the closing time as HH:MM, e.g. 18:00.", f"to_{day}")
        if minutes_of(end) - minutes_of(start) < minutes:
            raise Invalid(
                f"{name}: the hours must be later than the opening time by at least one drive ({minutes} minutes).",
                f"to_{day}",
            )
        hours[str(day)] = [[start, end]]
    row = db.one(
        "testdrives.save_settings",
        user_id=actor.user_id,
        time_zone=zone,
        slot_minutes=minutes,
        opening_hours=json.dumps(hours),
    )
    return Settings(row["time_zone"], int(row["slot_minutes"]), clean_hours_stored(row["opening_hours"]))


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def local_time(day: date, at: time, zone: ZoneInfo, field: str) -> datetime:
    """A wall-clock time in the zone as an aware datetime; Invalid when the clocks skip it (a DST change)."""
    local = datetime.combine(day, at, tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(f"{at:%H:%M} on {day:%d %b %Y} does not exist in {zone.key}: the clocks change then.", field)
    return local


def parse_start(raw: str, zone: ZoneInfo, field: str) -> datetime:
    """A start time from the form: "YYYY-MM-DDTHH:MM" (an offered time, or a date and a time joined), in the zone."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})", raw.strip())
    if not match:
        raise Invalid("Give each time as a date and a time of day (e.g. 2026-05-04 and 10:30).", field)
    y, m, d, hh, mm = (int(g) for g in match.groups())
    try:
        day, at = date(y, m, d), time(hh, mm)
    except ValueError:
        raise Invalid(f"{raw.strip()} is not a real date and time.", field) from None
    return local_time(day, at, zone, field)


def read_slots(form_slots: list[str], pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The times given in a form, as (text, field): picked offered times (``slot``) and date + time pairs
    (``date_n``/``time_n``); blanks skipped. Invalid for a half-filled pair or more than three times."""
    given: list[tuple[str, str]] = [(s, "slot") for s in form_slots if s.strip()]
    for n, (day, at) in enumerate(pairs, start=1):
        day, at = day.strip(), at.strip()
        if day and at:
            given.append((f"{day}T{at}", f"date_{n}"))
        elif day or at:
            raise Invalid(
                "Give both a date and a time for each time you propose.", f"date_{n}" if not day else f"time_{n}"
            )
    if not given:
        raise Invalid("Propose at least one time.", "date_1")
    if len(given) > MAX_SLOTS:
        raise Invalid(f"Propose at most {MAX_SLOTS} times.", "slot")
    return given


def check_slots(
    given: list[tuple[str, str]], settings: Settings, *, within_hours: bool, now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """The proposed times as (start, end) in the seller's zone: each in the future, within 60 days, no two alike,
    and inside the opening hours when ``within_hours`` and the seller published them. Invalid naming the field."""
    now = now or datetime.now(UTC)
    zone, length = settings.zone, settings.slot
    out: list[tuple[datetime, datetime]] = []
    for text, field in given:
        start = parse_start(text, zone, field)
        label = f"{start:%a %d %b %Y %H:%M}"
        if start <= now:
            raise Invalid(f"{label} has passed: propose a time in the future.", field)
        if start > now + timedelta(days=MAX_DAYS_AHEAD):
            raise Invalid(f"{label} is too far ahead: propose a time within {MAX_DAYS_AHEAD} days.", field)
        if any(start == s for s, _ in out):
            raise Invalid(f"{label} is proposed twice: propose different times.", field)
        if within_hours and settings.has_hours and not inside_hours(start, settings):
            raise Invalid(f"{label} is outside the seller's opening hours for test drives.", field)
        out.append((start, end_of(start, length)))
    return out


def inside_hours(start: datetime, settings: Settings) -> bool:
    """Whether a drive starting then (in the seller's zone) fits one of that weekday's opening intervals."""
    local = start.astimezone(settings.zone)
    begin = local.hour * 60 + local.minute
    end = begin + settings.slot_minutes
    for a, b in settings.opening_hours.get(str(local.isoweekday()), []):
        if minutes_of(a) <= begin and end <= minutes_of(b):
            return True
    return False


@dataclass(frozen=True)
class OfferedDay:
    day: date
    label: str
    times: list[tuple[str, str]]  # (value "YYYY-MM-DDTHH:MM", label "10:00")


def offered(
    car_id: int, settings: Settings, *, now: datetime | None = None, busy_slots: list[Any] | None = None
) -> list[OfferedDay]:
    """The free times for the next 14 days when the seller published opening hours: slot by slot through each
    interval, leaving out times less than two hours ahead and those overlapping a confirmed drive of the car
    (``busy_slots``: their ranges, when the page's query brought them; else read here)."""
    if not settings.has_hours:
        return []
    now = now or datetime.now(UTC)
    zone, length = settings.zone, settings.slot
    first = now.astimezone(zone).date()
    if busy_slots is not None:
        busy = [(r.lower, r.upper) for r in busy_slots]
    else:
        busy = [
            (row["starts_at"], row["ends_at"])
            for row in db.all(
                "testdrives.busy_times",
                car_id=car_id,
                from_at=now,
                to_at=now + timedelta(days=OFFER_DAYS + 1),
            )
        ]
    days: list[OfferedDay] = []
    for offset in range(OFFER_DAYS):
        day = first + timedelta(days=offset)
        times: list[tuple[str, str]] = []
        for a, b in settings.opening_hours.get(str(day.isoweekday()), []):
            at = minutes_of(a)
            while at + settings.slot_minutes <= minutes_of(b):
                start = datetime.combine(day, time(at // 60, at % 60), tzinfo=zone)
                at += settings.slot_minutes
                if start.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != start.replace(tzinfo=None):
                    continue  # skipped by a clock change
                if start < now + OFFER_NOTICE:
                    continue
                if any(start < e and s < end_of(start, length) for s, e in busy):
                    continue
                times.append((f"{start:%Y-%m-%dT%H:%M}", f"{start:%H:%M}"))
        if times:
            days.append(OfferedDay(day, f"{day:%a %d %b}", times))
    return days
