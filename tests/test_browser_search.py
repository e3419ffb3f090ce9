"""The search form in a real browser: a value that cannot be read is shown next to its field, in words, while the
results and every other filter stay."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_browser import browser, live, page  # noqa: F401  (the shared browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_bad_price_is_shown_next_to_its_field_and_the_search_stays(demo, live, page: Page):  # noqa: F811
    _, base = live
    page.goto(base + "/cars?fuel=petrol")
    page.get_by_label("Price to", exact=True).fill("cheap")
    page.get_by_label("Year from", exact=True).fill("2015")
    page.get_by_role("button", name="Show cars").click()
    error = page.locator("#f-price_max-error")
    expect(error).to_have_text("Price to must be a number, e.g. €\u202f18,900.")
    expect(page.get_by_label("Price to", exact=True)).to_have_value("cheap")
    expect(page.get_by_label("Price to", exact=True)).to_have_attribute("aria-describedby", "f-price_max-error")
    expect(page.get_by_label("Year from", exact=True)).to_have_value("2015")
    expect(page.locator(".cards .card").first).to_be_visible()  # the results are still there
    expect(page.locator(".chips")).to_contain_text("Petrol")
    expect(page.locator(".chips")).to_contain_text("Year from 2015")

    page.get_by_label("Price to", exact=True).fill("10.000")
    page.get_by_role("button", name="Show cars").click()
    expect(page.locator("#f-price_max-error")).to_have_count(0)
    expect(page.locator(".chips")).to_contain_text("Price up to €\u202f10,000")
    expect(page.get_by_label("Price to", exact=True)).to_have_value("10.000")
