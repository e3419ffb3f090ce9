"""Calendar invitations (RFC 5545) for confirmed test drives, and their cancellation.

One UID per drive (``test-drive-<id>@<site host>``) and a SEQUENCE that grows with every invitation or cancellation
sent (test_drives.ics_sequence), so a calendar replaces the event it holds. Times carry the seller's zone (TZID) with
its VTIMEZONE. The organizer is the site's own sender address and the one attendee is the mail's recipient: neither
side's address is shown to the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from .. import mail
from .hours import zone_of


def uid(drive: dict[str, Any]) -> str:
    host = urlsplit(str(current_app.config.get("BASE_URL") or "")).hostname or "carsite"
    return f"test-drive-{drive['id']}@{host}"


def calendar(drive: dict[str, Any], *, method: str, attendee: tuple[str, str], url: str | None = None) -> bytes:
    """The iCalendar text of a drive's invitation (method REQUEST) or its cancellation (CANCEL), for one attendee
    (name, address)."""
    zone = zone_of(drive["time_zone"])
    slot = drive["slot"]
    site = current_app.config["SITE_NAME"]
    organizer_name, organizer_address = parseaddr(current_app.config["MAIL_FROM"])
    cal = Calendar()
    cal.add("prodid", f"-//{site}//Test drives//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid(drive))
    event.add("sequence", int(drive.get("ics_sequence") or 0))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", slot.lower.astimezone(zone))
    event.add("dtend", slot.upper.astimezone(zone))
    event.add("summary", f"Test drive: {drive['car_title']}")
    if drive.get("car_city"):
        event.add("location", drive["car_city"])
    description = f"Test drive of {drive['car_title']} with {drive['seller_name']} and {drive['buyer_name']}."
    if url:
        description += f"\n{url}"
        event.add("url", url)
    event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_address or 'no-reply@carsite.test'}")
    organizer.params["cn"] = vText(organizer_name or site)
    event.add("organizer", organizer)
    name, address = attendee
    person = vCalAddress(f"mailto:{address}")
    person.params["cn"] = vText(name)
    person.params["role"] = vText("REQ-PARTICIPANT")
    person.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", person)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def attachment(
    drive: dict[str, Any], *, method: str, attendee: tuple[str, str], url: str | None = None
) -> mail.Attachment:
    """The invitation as a mail attachment (text/calendar with its method, as calendar clients expect)."""
    return mail.Attachment(
        filename="test-drive.ics" if method == "REQUEST" else "test-drive-cancelled.ics",
        content_type=f"text/calendar; method={method}; charset=utf-8",
        content=calendar(drive, method=method, attendee=attendee, url=url),
    )
