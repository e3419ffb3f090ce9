"""In a real browser, the whole conversation a car page starts: a visitor asks about a car, confirms with the mailed
link, the seller sees the unread badge and replies, the reply reaches the visitor's open page without a reload,
the visitor books a test drive from the seller's free times, the seller confirms it, and the confirmation mail
carries the calendar invitation in the seller's time zone."""

from __future__ import annotations

import json
import re

from icalendar import Calendar
from playwright.sync_api import Browser, expect

from .helpers import PASSWORD, link_in, mails, make_car, make_user, path_of, sql
from .test_browser import browser, keep_screenshots, live  # noqa: F401 - shared browser fixtures

QUESTION = "Hello, is the Panda still available? Does it have winter tyres?"
REPLY = "Hi Vic, yes it is, and winter tyres come with it. Come and try it!"
HOURS = json.dumps({str(day): [["09:00", "18:00"]] for day in range(1, 8)})


def test_a_visitor_asks_confirms_gets_a_reply_live_and_books_a_confirmed_test_drive(live, browser: Browser):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", city="Leipzig")
    sql(
        app,
        "INSERT INTO seller_settings (user_id, time_zone, slot_minutes, opening_hours) VALUES (%s, %s, 60, %s)",
        seller,
        "Europe/Berlin",
        HOURS,
    )
    problems: list[str] = []

    def watched(width: int):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        return page

    # 1. A visitor (no account, no session) asks from the car page; the message waits for the mailed link.
    visitor = watched(390)
    visitor.goto(f"{base}/cars/{car}?utm_source=newsletter&utm_campaign=spring")
    visitor.get_by_role("link", name="Ask the seller").click()
    expect(visitor).to_have_url(re.compile(rf"/cars/{car}/contact\?.*utm_source=newsletter"))
    visitor.get_by_label("Your message").fill(QUESTION)
    visitor.get_by_label("Your name").fill("Vic Visitor")
    visitor.get_by_label("Email").fill("vic@example.com")
    visitor.get_by_role("button", name="Send my message").click()
    expect(visitor.get_by_role("heading", name="Check your mail")).to_be_visible()
    assert sql(app, "SELECT count(*) FROM messages") == [(0,)]  # held until the address is confirmed
    (confirmation,) = [m for m in mails(app) if m["To"] == "vic@example.com"]
    visitor.goto(base + path_of(link_in(confirmation)))
    expect(visitor.get_by_role("heading", name="Send your message")).to_be_visible()
    keep_screenshots(visitor, "contact-confirm")
    visitor.get_by_role("button", name="Send my message").click()
    expect(visitor).to_have_url(re.compile(rf"^{re.escape(base)}/messages/\d+"))
    conversation_url = visitor.url.split("#")[0]
    expect(visitor.locator("li.msg-mine", has_text="winter tyres")).to_be_visible()
    assert sql(app, "SELECT source, utm FROM inquiries") == [
        ("visitor", {"utm_source": "newsletter", "utm_campaign": "spring"})
    ]

    # 2. The seller sees the unread badge in the header, opens the conversation from the inbox and replies.
    seller_page = watched(1280)
    seller_page.goto(base + "/login")
    seller_page.get_by_label("Email").fill("sam@example.com")
    seller_page.get_by_label("Password").fill(PASSWORD)
    seller_page.get_by_role("button", name="Log in").click()
    badge = seller_page.locator('header [data-counter="messages"]').first
    expect(badge.locator(".counter")).to_have_text("1")
    badge.click()
    expect(seller_page).to_have_url(base + "/messages")
    keep_screenshots(seller_page, "conversation-inbox")
    seller_page.get_by_role("link", name=re.compile("Vic")).first.click()
    expect(seller_page).to_have_url(re.compile(rf"^{re.escape(conversation_url)}"))
    seller_page.get_by_label("Your message to Vic Visitor").fill(REPLY)
    seller_page.get_by_role("button", name="Send").click()
    expect(seller_page.locator("li.msg-mine", has_text="Come and try it")).to_be_visible()

    # 3. The reply appears on the visitor's open page without a reload (the page keeps its own state).
    visitor.evaluate("window.__stillTheSamePage = true")
    expect(visitor.locator("li.msg-theirs", has_text="Come and try it")).to_be_visible(timeout=15_000)
    assert visitor.evaluate("window.__stillTheSamePage") is True

    # 4. The visitor books a test drive from the seller's free times.
    request = visitor.locator("details.td-request")
    if request.get_attribute("open") is None:
        request.locator("summary").click()
    first_choice = visitor.get_by_label("First choice")
    picked = first_choice.locator("option").nth(1).get_attribute("value")
    first_choice.select_option(picked)
    visitor.get_by_label("Message to the seller").fill("Saturday morning would be ideal.")
    visitor.get_by_role("button", name="Send the request").click()
    expect(visitor.locator(".td-drive .td-badge")).to_have_text(re.compile("Requested|Asked", re.I))

    # 5. The seller confirms it.
    seller_page.goto(conversation_url)
    keep_screenshots(seller_page, "conversation-seller")
    seller_page.get_by_role("button", name="Confirm this time").click()
    expect(seller_page.locator(".td-drive .td-badge").first).to_have_text(re.compile("Confirmed", re.I))
    (status, starts) = sql(app, "SELECT status, lower(slot) FROM test_drives")[0]
    assert status == "confirmed"

    # 6. The confirmation mail to the visitor carries the invitation, in the seller's zone at the time picked.
    confirmed = [m for m in mails(app) if m["To"] == "vic@example.com" and "confirmed" in str(m["Subject"]).lower()]
    assert len(confirmed) == 1, [str(m["Subject"]) for m in mails(app, deliver=False)]
    (invitation,) = [p for p in confirmed[0].iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(invitation.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Berlin" and start == starts
    assert "Fiat Panda 1.2" in str(event["SUMMARY"]) and "Leipzig" in str(event["LOCATION"])
    keep_screenshots(visitor, "conversation-buyer")
    assert problems == []
