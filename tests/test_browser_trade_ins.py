"""In a real browser: the buyer offers a car in part exchange from the conversation (the form, a photo upload), the
seller sees it in the conversation's panel and makes an offer on the trade-in page, the buyer accepts it."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Browser, expect

from carsite import demo_photos
from carsite.domain.actor import Actor
from carsite.messages import conversations

from .helpers import make_car, make_user, sql
from .test_browser import browser, keep_screenshots, live, log_in  # noqa: F401 - shared browser fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def photo_file(tmp_path, angle: int) -> str:
    shot = demo_photos.shots_for(7, "hatchback", "blue")[angle]
    path = tmp_path / f"golf-{shot.angle}.jpg"
    buffer = io.BytesIO()
    demo_photos.render(shot, (800, 600)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_buyer_offers_a_trade_in_seller_makes_an_offer_buyer_accepts(live, browser: Browser, tmp_path):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    car = make_car(app, seller, status="available", title="Skoda Octavia Combi 2.0 TDI", city="Leipzig", price=18900)
    with app.app_context():
        cid = conversations.start(car, actor=Actor(user_id=buyer, role="user", email_verified=True)).conversation_id
    problems: list[str] = []

    def watched(width: int):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        return page

    bea = watched(1280)
    log_in(bea, base, "bea@example.com")
    bea.set_viewport_size({"width": 390, "height": 844})
    bea.goto(f"{base}/messages/{cid}")
    bea.get_by_role("link", name="Offer your car in part exchange").click()
    expect(bea.get_by_role("heading", name="Offer your car in part exchange")).to_be_visible()
    bea.get_by_label("Make").fill("Volkswagen")
    bea.get_by_label("Model").fill("Golf")
    bea.get_by_label("Year").fill("2012")
    bea.get_by_label("Mileage (km)").fill("148,000")
    bea.get_by_label("Notes").fill("1.4 TSI, full service history. Small scratch on the rear bumper.")
    bea.get_by_role("button", name="Send to the seller").click()
    # no condition chosen: the form says so and keeps what was typed
    expect(bea.get_by_role("alert")).to_contain_text("condition")
    expect(bea.get_by_label("Model")).to_have_value("Golf")
    keep_screenshots(bea, "trade-in-form-error")
    assert [p for p in problems if "400 (BAD REQUEST)" not in p] == []  # the refused form's page itself is a 400
    problems.clear()
    bea.get_by_label("Good").check()
    bea.locator("#ti-photos").set_input_files([photo_file(tmp_path, 0), photo_file(tmp_path, 1)])
    bea.get_by_role("button", name="Send to the seller").click()
    expect(bea).to_have_url(re.compile(r"/trade-ins/\d+$"))
    expect(bea.get_by_role("heading", name="2012 Volkswagen Golf")).to_be_visible()
    expect(bea.locator(".ti-photos img")).to_have_count(2)
    tid = int(bea.url.rsplit("/", 1)[1])

    sam = watched(1280)
    log_in(sam, base, "sam@example.com")
    sam.goto(f"{base}/messages/{cid}")
    panel = sam.locator("#trade-in")
    expect(panel).to_contain_text("2012 Volkswagen Golf")
    expect(panel).to_contain_text("The buyer waits for your offer.")
    expect(panel.locator("img")).to_have_count(1)
    # the thumbnail is really served to the seller
    assert panel.locator("img").evaluate("img => img.complete && img.naturalWidth") == 640
    keep_screenshots(sam, "trade-in-panel-seller")
    panel.get_by_role("link", name="Make an offer").click()
    sam.get_by_label("Your offer (€)").fill("5,800")
    sam.get_by_label("Note to the buyer").fill("Subject to a quick inspection when you bring it.")
    sam.get_by_role("button", name="Send the offer").click()
    expect(sam.locator(".ti-amount")).to_contain_text("5,800")
    keep_screenshots(sam, "trade-in-seller")

    bea.goto(f"{base}/messages/{cid}")
    expect(bea.locator("#trade-in")).to_contain_text("The seller made an offer")
    expect(bea.locator(".msgs")).to_contain_text("offered €\u202f5,800 for the trade-in 2012 Volkswagen Golf")
    keep_screenshots(bea, "trade-in-panel-buyer")
    bea.goto(f"{base}/trade-ins/{tid}")
    keep_screenshots(bea, "trade-in-buyer")
    bea.get_by_role("button", name=re.compile("^Accept")).click()
    expect(bea.locator(".ti-badge")).to_have_text("Offer accepted")
    assert sql(app, "SELECT status, offer_amount::text FROM trade_ins") == [("accepted", "5800.00")]
    assert problems == []
