"""Buying in a real browser: a buyer reserves a car from its page, the seller accepts and completes the sale, the
buyer downloads the bill of sale (a PDF holding the deal number), reviews the seller, the seller replies, and the
review with its reply is on the seller's public page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from .helpers import make_car, make_user, sql
from .test_browser import browser, keep_screenshots, live, log_in  # noqa: F401 - shared browser fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_reserve_accept_complete_download_review_reply(live, browser: Browser):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    make_user(app, "bea@example.com", name="Bea Buyer")
    car = make_car(
        app,
        seller,
        status="available",
        title="Skoda Octavia Combi",
        make="Skoda",
        model="Octavia",
        price=14900,
        vin="TMBJJ7NE5J0123456",
    )
    problems: list[str] = []

    def person(width: int, email: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        log_in(page, base, email)  # on a desktop width, where "Log out" is in the header
        page.set_viewport_size({"width": width, "height": 900})
        return page

    # 1. The buyer reserves the car from its page.
    buyer = person(390, "bea@example.com")
    buyer.goto(f"{base}/cars/{car}")
    buyer.get_by_role("link", name="Reserve this car").click()
    expect(buyer.get_by_role("heading", name="Reserve this car")).to_be_visible()
    keep_screenshots(buyer, "buying-reserve")
    buyer.get_by_label("Your full name").fill("Łukasz Żółć")
    buyer.get_by_label("Your address").fill("ul. Długa 5\n80-827 Gdańsk")
    buyer.get_by_role("button", name=re.compile("Reserve for")).click()
    expect(buyer.locator(".order-status")).to_have_text("Reserved")
    order_url = buyer.url
    order_id = int(re.search(r"/orders/(\d+)$", order_url).group(1))
    assert sql(app, "SELECT status FROM cars WHERE id = %s", car) == [("reserved",)]

    # 2. The seller finds the reservation under Sales, accepts and completes the sale from the order page.
    seller_page = person(1280, "sam@example.com")
    expect(seller_page.locator('header [aria-label^="Notifications"]').first).to_be_visible()
    seller_page.goto(f"{base}/account/sales")
    seller_page.get_by_role("link", name=re.compile("Skoda Octavia Combi")).first.click()
    expect(seller_page).to_have_url(re.compile(rf"/orders/{order_id}$"))
    seller_page.get_by_role("button", name="Accept the reservation").click()
    expect(seller_page.locator(".order-status")).to_have_text("Accepted")
    details = seller_page.locator("details.order-complete")
    expect(details).to_have_attribute("open", "")
    seller_page.get_by_label("Final price (€)").fill("14500")
    seller_page.get_by_label("Seller's address").fill("Elbchaussee 9\n22763 Hamburg")
    seller_page.get_by_role("button", name="Complete the sale").click()
    expect(seller_page.locator(".order-status")).to_have_text("Sold")
    number = f"{datetime.now(UTC).year}-000001"
    expect(seller_page.get_by_text(f"Deal number {number}")).to_be_visible()
    keep_screenshots(seller_page, "buying-order-completed")

    # 3. The buyer downloads the bill of sale: a PDF that opens and holds the deal number and their name.
    buyer.goto(order_url)
    with buyer.expect_download() as download_info:
        buyer.get_by_role("link", name=re.compile("Bill of sale")).click()
    download = download_info.value
    assert download.suggested_filename == f"bill-of-sale-{number}.pdf"
    reader = PdfReader(BytesIO(download.path().read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert number in text and "Łukasz Żółć" in text and "TMBJJ7NE5J0123456" in text and "14,500.00" in text

    # 4. The buyer reviews the seller from the order page.
    buyer.get_by_role("link", name="Review the seller").click()
    buyer.get_by_label("Excellent").check()
    buyer.get_by_label("Your review").fill("Honest about every scratch, quick handover.")
    buyer.get_by_role("button", name="Publish the review").click()
    expect(buyer.locator(".review").filter(has_text="quick handover")).to_be_visible()

    # 5. The seller replies on their public page; the review and the reply show there to anyone.
    seller_page.goto(f"{base}/sellers/{seller}")
    seller_page.get_by_text("Reply to this review").click()
    seller_page.get_by_label(re.compile("Your reply")).fill("Thank you, enjoy the Octavia!")
    seller_page.get_by_role("button", name="Publish the reply").click()
    visitor = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    visitor.goto(f"{base}/sellers/{seller}")
    review = visitor.locator(".review").filter(has_text="quick handover")
    expect(review).to_contain_text("Thank you, enjoy the Octavia!")
    expect(visitor.locator(".rating-big strong")).to_have_text("5.0")
    keep_screenshots(visitor, "buying-seller-page")
    assert not problems, problems
