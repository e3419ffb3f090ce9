"""Reviews in a real browser: a buyer reviews the seller from a completed order and lands on the seller page, which
shows the new figures and fits phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from carsite import seed

from .helpers import sql
from .test_browser import browser, keep_screenshots, live, log_in, page  # noqa: F401 - shared browser fixtures
from .test_reviews import order

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_buyer_reviews_the_seller_and_the_seller_page_fits_phone_and_desktop(demo, live, page: Page):  # noqa: F811
    app, base = live
    seller, buyer = (
        sql(app, "SELECT id FROM users WHERE email = %s", email)[0][0]
        for email in ("seller@demo.carsite.test", "buyer@demo.carsite.test")
    )
    car = sql(
        app,
        "SELECT id FROM cars c WHERE seller_id = %s AND status = 'available'"
        " AND NOT EXISTS (SELECT FROM conversations v WHERE v.car_id = c.id) ORDER BY id LIMIT 1",
        seller,
    )[0][0]
    placed = order(app, car, buyer, seller, seq=50)
    log_in(page, base, "buyer@demo.carsite.test", seed.DEMO_PASSWORD)
    page.goto(f"{base}/orders/{placed}/review")
    page.get_by_role("button", name="Publish the review").click()  # nothing chosen: the form says what is missing
    expect(page.locator("#rating-error")).to_have_text("Choose a rating from 1 to 5 stars.")
    page.get_by_label("Good").check()
    page.get_by_label("Your review").fill("Answered <fast>, honest about the tyres.")
    page.get_by_role("button", name="Publish the review").click()
    expect(page.get_by_text("your review is on the seller's page")).to_be_visible()
    review = page.locator(".review").filter(has_text="Answered <fast>, honest about the tyres.")
    expect(review).to_be_visible()  # shown as text, not markup
    expect(page.locator(".rating-summary")).to_contain_text("4 reviews")
    expect(page.locator(".rating-big strong")).to_have_text("4.5")
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        expect(page.locator(".rating-bars")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    keep_screenshots(page, "seller-page")
