"""In a real browser: the car page's finance calculator follows what is typed without a reload, shows a bad value's
message under its field, and without JavaScript the same form reloads the page with the server's figures."""

from __future__ import annotations

import os

from playwright.sync_api import Page, expect

from .helpers import make_car, make_user
from .test_browser import browser, keep_screenshots, live, page  # noqa: F401 - shared browser fixtures

NNBSP = "\u202f"


def section_screenshots(page: Page, name: str) -> None:  # noqa: F811
    """With CARSITE_SCREENSHOTS set to a folder, save the finance section at phone and desktop widths there."""
    folder = os.environ.get("CARSITE_SCREENSHOTS")
    if not folder:
        return
    size = page.viewport_size
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#finance").screenshot(path=os.path.join(folder, f"{name}-{width}.png"))
    page.set_viewport_size(size)


def test_the_monthly_payment_follows_the_deposit_without_a_reload(live, page: Page):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", price=18900)
    page.goto(f"{base}/cars/{car}")
    finance = page.locator("#finance")
    monthly = finance.locator('[data-figure="monthly_payment"]')
    expect(monthly).to_have_text(f"€{NNBSP}361.37")  # 20 % down, 6.9 % over 48 months
    expect(finance.get_by_role("button", name="Calculate")).to_be_hidden()  # the figures follow the typing
    section_screenshots(page, "finance")
    keep_screenshots(page, "finance-car-page")
    page.evaluate("window.financeMarker = 'same page'")

    deposit = finance.get_by_label("Deposit")
    deposit.fill("8900")
    expect(monthly).to_have_text(f"€{NNBSP}239")  # the server's figure for 10,000 at 6.9 % over 48 months
    expect(finance.locator('[data-figure="financed"]')).to_have_text(f"€{NNBSP}10,000")
    assert page.evaluate("window.financeMarker") == "same page"  # no reload
    assert page.url.endswith("?deposit=8900&apr=6.9&term=48#finance")  # a reload or a shared link shows the same

    finance.get_by_label("Term").fill("200")
    error = finance.locator("#finance-term-error")
    expect(error).to_have_text("The term must be from 1 to 120 months.")
    expect(finance.get_by_label("Term")).to_have_attribute("aria-invalid", "true")
    expect(monthly).to_have_text("–")
    section_screenshots(page, "finance-error")
    finance.get_by_label("Term").fill("60")
    expect(error).to_be_hidden()
    expect(monthly).not_to_have_text("–")
    assert page.evaluate("window.financeMarker") == "same page"

    expect(monthly).to_have_text(f"€{NNBSP}197.54")
    page.reload()  # the address kept the terms: the server works out the same figures
    expect(page.locator('#finance [data-figure="monthly_payment"]')).to_have_text(f"€{NNBSP}197.54")
    expect(page.locator("#finance").get_by_label("Term")).to_have_value("60")

    page.goto(f"{base}/cars?make=Fiat")  # the result card: from what a month on the default terms
    expect(page.locator(".card .per-month")).to_have_text(f"from €{NNBSP}361.37 / month")
    keep_screenshots(page, "finance-cards")


def test_without_javascript_the_form_reloads_the_page_with_the_figures(live, browser):  # noqa: F811
    app, base = live
    seller = make_user(app, "sam@example.com", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", price=18900)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/cars/{car}?utm_source=mail")
        finance = page.locator("#finance")
        finance.get_by_label("Deposit").fill("3900")
        finance.get_by_label("APR").fill("0")
        finance.get_by_label("Term").fill("60")
        finance.get_by_role("button", name="Calculate").click()
        expect(page).to_have_url(f"{base}/cars/{car}/fiat-panda-1-2?utm_source=mail&deposit=3900&apr=0&term=60#finance")
        expect(page.locator('#finance [data-figure="monthly_payment"]')).to_have_text(f"€{NNBSP}250")
    finally:
        context.close()
