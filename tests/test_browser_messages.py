"""In a real browser: two members of a conversation, each on its page; a reply sent without a reload reaches the
other side by polling, which reads it, and the sender's page then shows "Read" under it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from carsite.domain.actor import Actor
from carsite.messages import conversations

from .helpers import PASSWORD, make_car, make_user, sql
from .test_browser import browser, live  # noqa: F401 - shared browser fixtures


def logged_in(browser: Browser, base: str, email: str) -> tuple[Page, list[str]]:  # noqa: F811
    page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page, problems


def test_a_reply_arrives_by_polling_and_comes_back_read(live, browser: Browser):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2")
    with app.app_context():
        started = conversations.start(car, actor=Actor(user_id=buyer, role="user", email_verified=True))
        conversations.post(started.conversation_id, "Is it still for sale?", actor=Actor(user_id=buyer, role="user"))
    url = f"{base}/messages/{started.conversation_id}"
    buyer_page, buyer_problems = logged_in(browser, base, "bea@example.com")
    seller_page, seller_problems = logged_in(browser, base, "sam@example.com")
    buyer_page.goto(url)
    seller_page.goto(url)
    # the buyer's question, opened by the seller, shows as read on the buyer's page at its next poll
    expect(buyer_page.locator("li[data-mine] .msg-read")).to_be_visible(timeout=10_000)
    seller_page.get_by_label("Your message to Bea Buyer").fill("Yes! See https://example.com/photos")
    seller_page.get_by_role("button", name="Send").click()
    reply = seller_page.locator("li.msg-mine", has_text="Yes! See")
    expect(reply).to_be_visible(timeout=10_000)
    expect(seller_page.get_by_label("Your message to Bea Buyer")).to_have_value("")
    arrived = buyer_page.locator("li.msg-theirs", has_text="Yes! See")
    expect(arrived).to_be_visible(timeout=10_000)
    expect(arrived.get_by_role("link", name="https://example.com/photos")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    expect(reply.locator(".msg-read")).to_be_visible(timeout=10_000)
    expect(reply.locator(".msg-read")).to_have_text(re.compile(r"Read \d"))
    assert sql(app, "SELECT unread_count FROM conversation_members WHERE user_id = %s", buyer) == [(0,)]
    assert seller_page.url == url  # no reload, no redirect
    assert buyer_problems == [] and seller_problems == []
