"""Test drives: asked for in a conversation, confirmed, moved, declined, cancelled, held; invitations, reminders,
the database's refusal of double bookings, the seller's hours."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import render_template

from carsite import db
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict, Invalid
from carsite.messages import conversations
from carsite.testdrives import demo, drives, hours

from .helpers import login, mails, make_car, make_user, post, run_jobs, sql

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def person(user_id: int, role: str = "user") -> Actor:
    return Actor(user_id=user_id, role=role, email_verified=True)


def client_of(app, address: str):
    client = app.test_client()
    assert login(client, address).status_code == 303
    return client


def send(client, path: str, data: dict | None = None):
    return post(client, path, data or {}, page="/account")


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    outsider = make_user(app, "oz@example.com", name="Oz Outsider", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", city="Hamburg")
    with app.app_context():
        cid = conversations.start(car, actor=person(buyer)).conversation_id
    return {
        "app": app,
        "seller": seller,
        "buyer": buyer,
        "outsider": outsider,
        "car": car,
        "cid": cid,
        "sam": client_of(app, "sam@example.com"),
        "bea": client_of(app, "bea@example.com"),
        "oz": client_of(app, "oz@example.com"),
    }


def day(days: int, zone: ZoneInfo = BERLIN) -> str:
    return (datetime.now(zone) + timedelta(days=days)).date().isoformat()


def drive_rows(app):
    return sql(app, "SELECT id, status, proposed_by, cardinality(slots), reminder_job_id FROM test_drives ORDER BY id")


def ask(w, *pairs, note="Can I try it?"):
    data = {"note": note}
    for n, (d, t) in enumerate(pairs, start=1):
        data[f"date_{n}"], data[f"time_{n}"] = d, t
    return send(w["bea"], f"/messages/{w['cid']}/test-drives", data)


def calendar_of(message) -> icalendar.Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.iter_attachments()]
    return icalendar.Calendar.from_ical(parts[0].get_content())


def event_of(cal: icalendar.Calendar):
    (event,) = cal.walk("VEVENT")
    return event


def test_request_confirm_invitations_reminder_then_cancel(world):
    w, app = world, world["app"]
    # the seller keeps New York time: times are read and shown in it
    assert (
        send(w["sam"], "/account/test-drives", {"time_zone": "America/New_York", "slot_minutes": "45"}).status_code
        == 303
    )
    when = day(4, NEW_YORK)
    response = ask(w, (when, "10:00"), (when, "11:30"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/messages/{w['cid']}#test-drives")
    ((drive_id, status, proposed_by, count, _),) = drive_rows(app)
    assert (status, proposed_by, count) == ("requested", "buyer", 2)
    assert sql(app, "SELECT kind, source, requested_date::text FROM inquiries") == [("test_drive", "test_drive", when)]
    notes = sql(app, "SELECT body FROM messages WHERE kind = 'system' ORDER BY id")
    assert "Test drive requested for Fiat Panda 1.2" in notes[0][0] and "America/New_York" in notes[0][0]
    assert sql(app, "SELECT user_id, kind FROM notifications") == [(w["seller"], "test_drive")]

    assert send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "1"}).status_code == 303
    start = datetime.fromisoformat(f"{when}T11:30").replace(tzinfo=NEW_YORK)
    ((slot_start, slot_end, job_id, job_at, job_status),) = sql(
        app,
        "SELECT lower(d.slot), upper(d.slot), d.reminder_job_id, j.scheduled_at, j.status::text FROM test_drives d"
        " JOIN procrastinate_jobs j ON j.id = d.reminder_job_id",
    )
    assert slot_start == start and slot_end == start + timedelta(minutes=45)
    assert job_at == start - timedelta(hours=24) and job_status == "todo"

    sent = [m for m in mails(app) if m["Subject"].startswith("Test drive confirmed")]
    assert sorted(m["To"] for m in sent) == ["bea@example.com", "sam@example.com"]
    uids = set()
    for message in sent:
        cal = calendar_of(message)
        event = event_of(cal)
        assert str(cal["METHOD"]) == "REQUEST"
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(minutes=45)
        assert (
            event.decoded("DTSTART").tzinfo.key == "America/New_York"
            if hasattr(event.decoded("DTSTART").tzinfo, "key")
            else True
        )
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
        assert str(event["SUMMARY"]) == "Test drive: Fiat Panda 1.2" and str(event["LOCATION"]) == "Hamburg"
        assert str(event["ORGANIZER"]) == "mailto:no-reply@carsite.test"
        raw = message.as_string()
        other = "bea@example.com" if message["To"] == "sam@example.com" else "sam@example.com"
        assert (
            str(event["ATTENDEE"]) == f"mailto:{message['To']}" and other not in calendar_of(message).to_ical().decode()
        )
        assert "Sam Seller" in raw or "Bea Buyer" in raw
        uids.add(str(event["UID"]))
        sequence = int(event["SEQUENCE"])
    assert len(uids) == 1

    # the calendar file for members, 404 for others
    got = w["bea"].get(f"/test-drives/{drive_id}.ics")
    assert got.status_code == 200 and got.mimetype == "text/calendar"
    assert str(event_of(icalendar.Calendar.from_ical(got.data))["UID"]) in uids
    assert w["oz"].get(f"/test-drives/{drive_id}.ics").status_code == 404

    # the reminder job is the real one: run now, it reminds both sides
    sql(app, "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", job_id)
    run_jobs(app)
    reminders = sql(app, "SELECT user_id FROM notifications WHERE title LIKE 'Reminder:%%' ORDER BY user_id")
    assert reminders == sorted([(w["seller"],), (w["buyer"],)])

    # cancel: both get METHOD:CANCEL with the same UID and a higher SEQUENCE; a waiting reminder is cancelled
    assert send(w["bea"], f"/test-drives/{drive_id}/cancel", {"note": "Bought another one"}).status_code == 303
    cancels = [m for m in mails(app) if m["Subject"].startswith("Test drive cancelled")]
    assert sorted(m["To"] for m in cancels) == ["bea@example.com", "sam@example.com"]
    for message in cancels:
        cal = calendar_of(message)
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(event_of(cal)["UID"]) in uids and int(event_of(cal)["SEQUENCE"]) == sequence + 1
    assert sql(app, "SELECT status, cancelled_by, note FROM test_drives") == [
        ("cancelled", w["buyer"], "Bought another one")
    ]
    assert "Reason: “Bought another one”" in sql(app, "SELECT body FROM messages ORDER BY id DESC LIMIT 1")[0][0]


def test_cancelling_a_confirmed_drive_cancels_its_waiting_reminder_and_a_late_job_sends_nothing(world):
    w, app = world, world["app"]
    when = day(5)
    ask(w, (when, "10:00"))
    ((drive_id, *_),) = drive_rows(app)
    assert send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "0"}).status_code == 303
    ((job_id,),) = sql(app, "SELECT reminder_job_id FROM test_drives")
    assert send(w["sam"], f"/test-drives/{drive_id}/cancel").status_code == 303
    assert sql(app, "SELECT status::text FROM procrastinate_jobs WHERE id = %s", job_id) == [("cancelled",)]
    assert sql(app, "SELECT reminder_job_id FROM test_drives") == [(None,)]
    # a job that ran anyway (it had started) re-checks and tells nobody
    with app.app_context():
        start = sql(app, "SELECT lower(slot) FROM test_drives")[0][0]
        assert drives.remind(drive_id, start.isoformat()) == 0


def test_a_reminder_for_a_moved_drive_sends_nothing_and_a_near_drive_is_reminded_at_once(world):
    w, app = world, world["app"]
    soon = datetime.now(UTC) + timedelta(hours=3)
    local = soon.astimezone(ZoneInfo("Europe/Berlin"))
    ask(w, (local.date().isoformat(), f"{local:%H:%M}"))
    ((drive_id, *_),) = drive_rows(app)
    before = datetime.now(UTC)
    assert send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "0"}).status_code == 303
    ((at,),) = sql(
        app, "SELECT j.scheduled_at FROM procrastinate_jobs j JOIN test_drives d ON d.reminder_job_id = j.id"
    )
    assert before - timedelta(seconds=1) <= at <= datetime.now(UTC) + timedelta(seconds=1)  # less than 24 h: now
    with app.app_context():
        assert drives.remind(drive_id, (soon + timedelta(hours=1)).isoformat()) == 0  # not the confirmed start


def test_seller_proposes_other_times_and_the_buyer_confirms_one(world):
    w, app = world, world["app"]
    ask(w, (day(3), "10:00"))
    ((drive_id, *_),) = drive_rows(app)
    assert (
        send(
            w["sam"],
            f"/test-drives/{drive_id}/propose",
            {"date_1": day(6), "time_1": "16:00", "date_2": day(7), "time_2": "09:15", "note": "Later?"},
        ).status_code
        == 303
    )
    assert drive_rows(app)[0][1:4] == ("requested", "seller", 2)
    refused = send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "0"})
    assert refused.status_code == 409 and "the buyer confirms" in refused.get_data(as_text=True)
    assert send(w["bea"], f"/test-drives/{drive_id}/confirm", {"slot": "1"}).status_code == 303
    ((status, start),) = sql(app, "SELECT status, lower(slot) FROM test_drives")
    assert status == "confirmed"
    assert start.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M") == f"{day(7)} 09:15"
    assert sql(app, "SELECT user_id FROM notifications WHERE title = 'Your test drive is confirmed'") == [
        (w["seller"],)
    ]
    # rescheduling a confirmed drive: requested again, proposed by that side, reminder cancelled, calendars told
    ((job_id,),) = sql(app, "SELECT reminder_job_id FROM test_drives")
    assert send(w["bea"], f"/test-drives/{drive_id}/propose", {"date_1": day(8), "time_1": "12:00"}).status_code == 303
    assert drive_rows(app)[0][1:5] == ("requested", "buyer", 1, None)
    assert sql(app, "SELECT status::text FROM procrastinate_jobs WHERE id = %s", job_id) == [("cancelled",)]
    moved = [m for m in mails(app) if m["Subject"].startswith("Test drive moved")]
    assert len(moved) == 2 and all(str(calendar_of(m)["METHOD"]) == "CANCEL" for m in moved)


def test_decline_by_the_seller_only_and_only_once(world):
    w, app = world, world["app"]
    ask(w, (day(3), "10:00"))
    ((drive_id, *_),) = drive_rows(app)
    assert send(w["bea"], f"/test-drives/{drive_id}/decline").status_code == 409
    assert send(w["sam"], f"/test-drives/{drive_id}/decline", {"note": "Sold it at the weekend"}).status_code == 303
    assert sql(app, "SELECT status, note FROM test_drives") == [("declined", "Sold it at the weekend")]
    assert sql(app, "SELECT count(*) FROM notifications WHERE user_id = %s", w["buyer"]) == [(1,)]
    messages = sql(app, "SELECT count(*) FROM messages")
    for action in ("decline", "confirm", "cancel", "held", "no_show"):
        refused = send(w["sam"], f"/test-drives/{drive_id}/{action}", {"slot": "0"})
        assert refused.status_code == 409, action
        assert "declined" in refused.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM messages") == messages
    # a closed drive lets the buyer ask again
    assert ask(w, (day(4), "10:00")).status_code == 303
    assert ask(w, (day(4), "11:00")).status_code == 409  # but one open request at a time


def test_held_and_no_show_only_by_the_seller_after_the_start(world):
    w, app = world, world["app"]
    ask(w, (day(3), "10:00"))
    ((drive_id, *_),) = drive_rows(app)
    assert send(w["sam"], f"/test-drives/{drive_id}/held").status_code == 409  # not confirmed yet
    assert send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "0"}).status_code == 303
    early = send(w["sam"], f"/test-drives/{drive_id}/held")
    assert early.status_code == 409 and "after it started" in early.get_data(as_text=True)
    sql(app, "UPDATE test_drives SET slot = tstzrange(now() - interval '1 hour', now() - interval '30 minutes')")
    assert send(w["bea"], f"/test-drives/{drive_id}/held").status_code == 409  # the buyer cannot
    assert send(w["sam"], f"/test-drives/{drive_id}/no_show").status_code == 303
    assert sql(app, "SELECT status FROM test_drives") == [("no_show",)]
    assert send(w["sam"], f"/test-drives/{drive_id}/held").status_code == 409


def test_only_the_buyer_asks(world):
    w = world
    refused = send(w["sam"], f"/messages/{w['cid']}/test-drives", {"date_1": day(3), "time_1": "10:00"})
    assert refused.status_code == 409 and drive_rows(w["app"]) == []


def test_non_members_get_404_on_every_url(world):
    w, app = world, world["app"]
    ask(w, (day(3), "10:00"))
    ((drive_id, *_),) = drive_rows(app)
    before = sql(app, "SELECT status, proposed_by, slots::text, note FROM test_drives")
    oz = w["oz"]
    assert send(oz, f"/messages/{w['cid']}/test-drives", {"date_1": day(3), "time_1": "11:00"}).status_code == 404
    for action in drives.ACTIONS:
        assert send(oz, f"/test-drives/{drive_id}/{action}", {"slot": "0", "note": "x"}).status_code == 404, action
        assert send(w["bea"], f"/test-drives/{drive_id + 99}/{action}").status_code == 404
    assert send(w["bea"], f"/test-drives/{drive_id}/dance").status_code == 404
    assert oz.get(f"/test-drives/{drive_id}.ics").status_code == 404
    assert w["bea"].get(f"/test-drives/{drive_id}.ics").status_code == 409  # not confirmed: no time to add
    assert sql(app, "SELECT status, proposed_by, slots::text, note FROM test_drives") == before
    visitor = app.test_client()
    assert visitor.get(f"/test-drives/{drive_id}.ics").status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"date_1": "2020-01-06", "time_1": "10:00"}, "has passed"),
        ({"date_1": "2026-13-45", "time_1": "10:00"}, "not a real date"),
        ({"date_1": "tomorrow", "time_1": "10:00"}, "date and a time of day"),
        ({"date_1": "DAY+3", "time_1": "25:00"}, "not a real date"),
        ({"date_1": "DAY+3", "time_1": ""}, "both a date and a time"),
        ({"date_1": "DAY+90", "time_1": "10:00"}, "within 60 days"),
        ({"date_1": "DAY+3", "time_1": "10:00", "date_2": "DAY+3", "time_2": "10:00"}, "proposed twice"),
        ({"slot": ["DAY+3T10:00", "DAY+3T11:00", "DAY+3T12:00", "DAY+3T13:00"]}, "at most 3"),
        (
            {
                "slot": ["DAY+3T10:00", "DAY+3T11:00"],
                "date_1": "DAY+4",
                "time_1": "10:00",
                "date_2": "DAY+4",
                "time_2": "12:00",
            },
            "at most 3",
        ),
        ({"date_4": "DAY+3", "time_4": "10:00"}, "at most 3"),
        ({}, "at least one time"),
        ({"date_1": "DAY+3", "time_1": "10:00", "note": "hi\x00there"}, "not allowed|control|cannot"),
        ({"date_1": "DAY+3\x00", "time_1": "10:00"}, "not allowed|control|cannot"),
        ({"date_1": "DAY+3", "time_1": "10:00", "note": "x" * 1001}, "too long"),
        ({"date_1": "٢٠٢٦-٠١-٠١", "time_1": "10:00"}, "date and a time of day"),
    ],
)
def test_bad_times_are_400_and_store_nothing(world, data, words):
    import re

    w, app = world, world["app"]

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return re.sub(r"DAY\+(\d+)", lambda m: day(int(m.group(1))), value)

    response = send(w["bea"], f"/messages/{w['cid']}/test-drives", {k: fill(v) for k, v in data.items()})
    assert response.status_code == 400
    assert re.search(words, response.get_data(as_text=True), re.IGNORECASE)
    assert drive_rows(app) == [] and sql(app, "SELECT count(*) FROM messages") == [(0,)]
    assert sql(app, "SELECT count(*) FROM inquiries") == [(0,)]


def test_a_time_the_clocks_skip_is_refused(world):
    w = world
    with w["app"].app_context():
        settings = hours.Settings("Europe/Berlin", 30, {})
        with pytest.raises(Invalid, match="does not exist"):
            hours.check_slots(
                [("2027-03-28T02:30", "date_1")], settings, within_hours=False, now=datetime(2027, 3, 1, tzinfo=UTC)
            )


def test_a_drive_across_the_autumn_clock_change_lasts_its_length(world):
    """02:45 on the night the clocks go back: a 30-minute drive ends 30 real minutes later (03:15 in winter time),
    not 90 (wall-clock arithmetic on an aware time)."""
    with world["app"].app_context():
        settings = hours.Settings("Europe/Berlin", 30, {})
        ((start, end),) = hours.check_slots(
            [("2026-10-25T02:45", "date_1")], settings, within_hours=False, now=datetime(2026, 10, 1, tzinfo=UTC)
        )
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=30)
    assert str(end.tzinfo) == "Europe/Berlin"


def test_a_huge_slot_number_is_a_plain_400(world):
    w = world
    assert ask(w, (day(3), "10:00")).status_code == 303
    ((drive_id, *_),) = drive_rows(w["app"])
    response = send(w["sam"], f"/test-drives/{drive_id}/confirm", {"slot": "9" * 5000})
    assert response.status_code == 400 and "Choose one of the proposed times" in response.get_data(as_text=True)
    assert drive_rows(w["app"])[0][1] == "requested"


def test_confirmations_racing_for_overlapping_times_leave_exactly_one(world):
    w, app = world, world["app"]
    second_buyer = make_user(app, "bob@example.com", name="Bob Buyer")
    with app.app_context():
        other_cid = conversations.start(w["car"], actor=person(second_buyer)).conversation_id
        when = day(3)
        first = drives.request(w["cid"], drives.SlotInput([f"{when}T10:00"], []), "", actor=person(w["buyer"]))
        second = drives.request(other_cid, drives.SlotInput([f"{when}T10:15"], []), "", actor=person(second_buyer))
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def confirm(drive_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                drives.act(drive_id, "confirm", {"slot": "0"}, actor=person(w["seller"], "seller"))
                results[drive_id] = "confirmed"
            except Conflict as exc:
                results[drive_id] = exc.message

    threads = [threading.Thread(target=confirm, args=(d["id"],)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values(), key=len)[0] == "confirmed"
    assert sorted(results.values(), key=len)[1].startswith("That time is already booked")
    assert sql(app, "SELECT status, count(*) FROM test_drives GROUP BY status ORDER BY status") == [
        ("confirmed", 1),
        ("requested", 1),
    ]
    assert sql(app, "SELECT count(*) FROM messages WHERE body LIKE 'Test drive confirmed%%'") == [(1,)]
    assert sql(app, "SELECT count(*) FROM mail_outbox WHERE subject LIKE 'Test drive confirmed%%'") == [(2,)]
    # the page says it in words
    loser = next(d for d, r in results.items() if r != "confirmed")
    page = send(w["sam"], f"/test-drives/{loser}/confirm", {"slot": "0"})
    assert page.status_code == 409 and "That time is already booked" in page.get_data(as_text=True)


def test_opening_hours_offer_free_times_and_bound_requests(world):
    w, app = world, world["app"]
    form = {"time_zone": "Europe/Berlin", "slot_minutes": "60"}
    for d in (1, 2, 3, 4, 5):
        form |= {f"open_{d}": "y", f"from_{d}": "09:00", f"to_{d}": "12:00"}
    assert send(w["sam"], "/account/test-drives", form).status_code == 303
    page = w["sam"].get("/account/test-drives").get_data(as_text=True)
    assert '<option value="Europe/Berlin" selected>' in page and 'name="open_1" value="y" checked' in page
    # a Monday 07:00 Berlin: 09:00 is 2 h ahead, 10:00 is confirmed for another buyer, Sat/Sun closed
    now = datetime(2030, 1, 7, 7, 0, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    with app.app_context():
        settings = hours.settings_of(w["seller"])
        assert settings.opening_hours["1"] == [["09:00", "12:00"]] and settings.slot_minutes == 60
        db.execute(
            "testdrives.insert_drive",
            conversation_id=w["cid"],
            starts=["2030-01-07T10:00+01:00"],
            ends=["2030-01-07T11:00+01:00"],
            time_zone="Europe/Berlin",
            note="",
        )
        sql(app, "UPDATE test_drives SET status = 'confirmed', slot = slots[1]")
        offered = hours.offered(w["car"], settings, now=now)
    assert offered[0].label == "Mon 07 Jan" and [t for t, _ in offered[0].times] == [
        "2030-01-07T09:00",
        "2030-01-07T11:00",
    ]
    assert [d.day.isoweekday() for d in offered] == [1, 2, 3, 4, 5] * 2
    assert all(len(d.times) == 3 for d in offered[1:])

    # requests must fit the hours
    sql(app, "DELETE FROM test_drives")
    monday = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    outside = send(w["bea"], f"/messages/{w['cid']}/test-drives", {"date_1": monday.isoformat(), "time_1": "11:30"})
    assert outside.status_code == 400 and "outside the seller&#39;s opening hours" in outside.get_data(as_text=True)
    saturday = monday + timedelta(days=5)
    assert send(w["bea"], f"/messages/{w['cid']}/test-drives", {"slot": f"{saturday}T10:00"}).status_code == 400
    assert send(w["bea"], f"/messages/{w['cid']}/test-drives", {"slot": f"{monday}T11:00"}).status_code == 303
    # the seller may propose any time of theirs
    ((drive_id, *_),) = drive_rows(app)
    assert (
        send(w["sam"], f"/test-drives/{drive_id}/propose", {"date_1": str(saturday), "time_1": "15:00"}).status_code
        == 303
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"time_zone": "Mars/Olympus"}, "time zone from the list"),
        ({"slot_minutes": "7"}, "how long a test drive"),
        ({"slot_minutes": "３０"}, "how long a test drive"),
        ({"slot_minutes": "9" * 5000}, "how long a test drive"),
        ({"open_2": "y", "from_2": "18:00", "to_2": "09:00"}, "Tuesday"),
        ({"open_2": "y", "from_2": "9 am", "to_2": "12:00"}, "HH:MM"),
        ({"open_3": "y", "from_3": "09:00", "to_3": "09:15"}, "at least one drive"),
    ],
)
def test_bad_hours_are_400_and_saved_nothing(world, change, words):
    w, app = world, world["app"]
    response = send(w["sam"], "/account/test-drives", {"time_zone": "Europe/Berlin", "slot_minutes": "30", **change})
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM seller_settings") == [(0,)]


def test_hours_are_for_sellers_and_linked_from_their_pages(world):
    w = world
    assert w["bea"].get("/account/test-drives").status_code == 403
    assert "/account/test-drives" in w["sam"].get("/account").get_data(as_text=True)
    assert "/account/test-drives" in w["sam"].get("/sell").get_data(as_text=True)


def render_panel(app, conversation, rows, user_id):
    with app.test_request_context():
        return render_template("testdrives/_panel.html", conversation=conversation, drives=rows)


def test_the_panel_shows_each_side_its_buttons(world):
    w, app = world, world["app"]
    with app.app_context():
        buyer_view = {**db.one("messages.membership", conversation_id=w["cid"], user_id=w["buyer"])}
        seller_view = {**db.one("messages.membership", conversation_id=w["cid"], user_id=w["seller"])}
    html = render_panel(app, buyer_view, [], w["buyer"])
    assert "Request a test drive" in html and 'name="date_1"' in html
    assert "Request a test drive" not in render_panel(app, seller_view, [], w["seller"])
    ask(w, (day(3), "10:00"), (day(3), "11:00"))
    with app.app_context():
        rows = db.all("testdrives.of_conversation", conversation_id=w["cid"])
    seller_html = render_panel(app, seller_view, rows, w["seller"])
    assert "Confirm this time" in seller_html and "Decline" in seller_html and "Europe/Berlin" in seller_html
    buyer_html = render_panel(app, buyer_view, rows, w["buyer"])
    assert "Confirm this time" not in buyer_html and "Waiting for the seller" in buyer_html
    assert "Request a test drive" not in buyer_html  # one open request at a time
    # without `drives` the panel reads them itself
    with app.test_request_context():
        assert "Waiting for the seller" in render_template("testdrives/_panel.html", conversation=buyer_view)


def test_demo_makes_a_confirmed_and_a_requested_drive(world):
    w, app = world, world["app"]
    other = make_user(app, "bob@example.com", name="Bob Buyer")
    with app.app_context():
        other_cid = conversations.start(w["car"], actor=person(other)).conversation_id
        made = demo.create([w["cid"], other_cid])
    assert len(made) == 2
    assert sql(app, "SELECT status FROM test_drives ORDER BY id") == [("confirmed",), ("requested",)]


def test_booking_from_the_car_page_starts_the_conversation_only_when_the_request_is_good(world):
    w, app = world, world["app"]
    make_user(app, "bob@example.com", name="Bob Buyer")
    bob = client_of(app, "bob@example.com")
    bad = send(bob, f"/cars/{w['car']}/test-drives", {"date_1": "2020-01-01", "time_1": "10:00"})
    assert bad.status_code == 400 and sql(app, "SELECT count(*) FROM conversations") == [(1,)]
    good = send(bob, f"/cars/{w['car']}/test-drives", {"date_1": day(3), "time_1": "10:00"})
    assert good.status_code == 303
    ((cid,),) = sql(app, "SELECT id FROM conversations WHERE buyer_id <> %s", w["buyer"])
    assert good.headers["Location"].endswith(f"/messages/{cid}#test-drives")
    assert sql(app, "SELECT conversation_id, status FROM test_drives") == [(cid, "requested")]
    assert send(w["sam"], f"/cars/{w['car']}/test-drives", {"date_1": day(3), "time_1": "11:00"}).status_code == 409
    assert send(bob, f"/cars/{w['car'] + 999}/test-drives", {"date_1": day(3), "time_1": "11:00"}).status_code == 404


def test_the_car_page_box_for_visitors_sellers_and_buyers(world):
    w, app = world, world["app"]
    from flask_login import login_user

    from carsite.web.access import User

    with app.app_context():
        car = db.one("cars.car_by_id", car_id=w["car"])

    def box(user_id=None):
        with app.test_request_context(f"/cars/{w['car']}"):
            if user_id is not None:
                row = dict(db.one("users.user_by_id", user_id=user_id))
                row.update(
                    session_id=None,
                    compare_ids=[],
                    avatar=row.get("avatar"),
                    email_verified_at=row.get("email_verified_at"),
                )
                login_user(User(row, "t"))
            return render_template("testdrives/_book.html", car=car)

    assert "Log in to book a test drive" in box()
    assert box(w["seller"]).strip() == ""
    assert "Book a test drive" in box(w["buyer"])
    ask(w, (day(3), "10:00"))
    assert f"/messages/{w['cid']}#test-drives" in box(w["buyer"])


def test_requests_are_limited_per_account(make_app):
    app = make_app()
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        cid = conversations.start(car, actor=person(buyer)).conversation_id
    bea = client_of(app, "bea@example.com")
    statuses = [
        send(bea, f"/messages/{cid}/test-drives", {"date_1": "2020-01-01", "time_1": "10:00"}).status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]


def test_two_requests_sent_at_once_make_one_open_drive(world):
    """The second request waits on the first one's row of test_drives_one_open_key, then finds the drive open."""
    w, app = world, world["app"]
    held, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def first() -> None:
        with app.app_context(), db.transaction():
            drives.request(w["cid"], drives.SlotInput([], [(day(3), "10:00")]), None, actor=person(w["buyer"]))
            held.set()
            release.wait(10)

    def second() -> None:
        with app.app_context():
            try:
                drives.request(w["cid"], drives.SlotInput([], [(day(4), "11:00")]), None, actor=person(w["buyer"]))
                outcome.append("made")
            except Conflict as exc:
                outcome.append(exc.message)

    one = threading.Thread(target=first)
    one.start()
    assert held.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    release.set()
    one.join(10)
    two.join(10)
    assert outcome == [drives.OPEN]
    assert [row[1] for row in drive_rows(app)] == ["requested"]


def test_after_a_block_a_drive_can_only_be_cancelled_and_carries_no_words(world):
    w, app = world, world["app"]
    assert ask(w, (day(3), "10:00"), (day(4), "10:00")).status_code == 303
    ((drive_id, *_),) = drive_rows(app)
    sql(app, "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (%s, %s)", w["seller"], w["buyer"])
    before = sql(app, "SELECT count(*) FROM messages")
    moves = {
        "propose": {"date_1": day(5), "time_1": "10:00", "note": "I know where you live"},
        "confirm": {"slot": "0"},
        "decline": {"note": "no"},
    }
    for action, data in moves.items():
        client = w["bea"] if action == "propose" else w["sam"]
        response = send(client, f"/test-drives/{drive_id}/{action}", data)
        assert response.status_code == 409 and "blocked" in response.get_data(as_text=True), action
    assert sql(app, "SELECT count(*) FROM messages") == before and drive_rows(app)[0][1] == "requested"
    page = w["bea"].get(f"/messages/{w['cid']}").get_data(as_text=True)
    assert "can only be cancelled" in page and "Propose other times" not in page
    assert send(w["bea"], f"/test-drives/{drive_id}/cancel", {"note": "I know where you live"}).status_code == 303
    assert drive_rows(app)[0][1] == "cancelled"
    assert sql(app, "SELECT count(*) FROM messages WHERE body LIKE '%%know where you live%%'") == [(0,)]
    assert "know where" not in sql(app, "SELECT note FROM test_drives")[0][0]


def test_the_car_page_links_to_a_booking_page_that_shows_refusals_in_place(world):
    w, app = world, world["app"]
    link = f'href="/cars/{w["car"]}/test-drives"'
    page = f"/cars/{w['car']}/fiat-panda-1-2"
    assert link in app.test_client().get(page).get_data(as_text=True)  # visitors: the page sends them to log in
    assert link in w["bea"].get(page).get_data(as_text=True)
    assert link not in w["sam"].get(page).get_data(as_text=True)  # the seller's own car
    visitor = app.test_client().get(f"/cars/{w['car']}/test-drives")
    assert visitor.status_code in (302, 303) and "/login" in visitor.headers["Location"]
    booking = w["bea"].get(f"/cars/{w['car']}/test-drives").get_data(as_text=True)
    assert "Book a test drive" in booking and "Fiat Panda 1.2" in booking and 'name="date_1"' in booking
    bad = send(w["bea"], f"/cars/{w['car']}/test-drives", {"date_1": "2020-01-01", "time_1": "10:00"})
    assert bad.status_code == 400 and "has passed" in bad.get_data(as_text=True)
    assert 'name="date_1"' in bad.get_data(as_text=True)  # the form again, with the reason above it
    assert w["bea"].get(f"/cars/{w['car'] + 999}/test-drives").status_code == 404


def test_an_unconfirmed_account_is_asked_to_confirm_before_writing_or_booking(world):
    w, app = world, world["app"]
    make_user(app, "una@example.com", name="Una Unconfirmed", verified=False)
    una = client_of(app, "una@example.com")
    page = una.get(f"/cars/{w['car']}/fiat-panda-1-2").get_data(as_text=True)
    assert "Confirm your email address to write to the seller" in page and 'name="message"' not in page
    asked = send(una, f"/cars/{w['car']}/contact", {"message": "Is it still for sale?"})
    assert asked.status_code == 403 and "Confirm your email address first" in asked.get_data(as_text=True)
    booked = send(una, f"/cars/{w['car']}/test-drives", {"date_1": day(3), "time_1": "10:00"})
    assert booked.status_code == 403 and "Confirm your email address first" in booked.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM conversations") == [(1,)] and sql(app, "SELECT count(*) FROM messages") == [
        (0,)
    ]


def test_the_conversation_page_shows_the_panel(world):
    w = world
    assert "Request a test drive" in w["bea"].get(f"/messages/{w['cid']}").get_data(as_text=True)
    ask(w, (day(3), "10:00"))
    page = w["sam"].get(f"/messages/{w['cid']}").get_data(as_text=True)
    assert 'id="test-drives"' in page and "Confirm this time" in page and "Test drive requested" in page
