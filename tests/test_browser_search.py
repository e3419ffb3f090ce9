"""The search page in a real browser: a value that cannot be read is shown next to its field, in words, while the
results and every other filter stay; the filter panel with radius search and the extra filters fits phone and
desktop widths, works without JavaScript and keeps what was chosen."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from carsite import seed

from .test_browser import browser, keep_screenshots, live, page  # noqa: F401 - shared browser fixtures

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


@pytest.mark.parametrize("width", [390, 1280])
def test_filter_panel_with_radius_and_more_filters_fits_and_searches(live, page: Page, width, tmp_path):  # noqa: F811
    app, base = live
    with app.app_context():
        seed.demo()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/cars")
    panel = page.locator("#filters")
    phone = width < 860  # the filters are a drawer there, opened from the button at the top

    def open_filters() -> None:
        if phone:
            page.locator(".filters-button").click()
            expect(panel).to_be_visible()

    open_filters()
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Accident free")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    page.get_by_label("Near (city)").fill("muenchen")
    page.get_by_label("Distance").select_option("200")
    page.get_by_label("Sold by").select_option("dealer")
    page.get_by_label("Towbar").check()
    page.get_by_role("button", name="Show cars").click()
    expect(page.locator(".chips")).to_contain_text("Within 200 km of Munich")
    assert "near=muenchen" in page.url and "feature=Towbar" in page.url
    distances = page.locator(".card .distance").all_inner_texts()
    assert distances and all(text.endswith(" km") for text in distances)
    assert all(int(text.split("·")[1].split()[0].replace(",", "")) <= 200 for text in distances)
    open_filters()
    expect(page.get_by_role("checkbox", name="Towbar")).to_be_checked()  # the panel keeps the choice, open
    expect(page.get_by_label("Near (city)")).to_have_value("muenchen")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot = tmp_path / "panel.png"
    panel.screenshot(path=str(shot))
    with Image.open(shot) as image:
        assert image.width <= width
        colours = image.convert("L").getextrema()
        assert colours[0] < 100 < colours[1]  # drawn: dark text on a light panel, not blank
    box, results = panel.bounding_box(), page.locator(".results").bounding_box()
    assert box and results
    if width >= 1280:  # beside the results on a desktop
        assert box["x"] + box["width"] <= results["x"]
    keep_screenshots(page, "search-radius")

    page.goto(base + "/cars?near=Xyzzyville")
    field = page.get_by_label("Near (city)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-near-error")).to_contain_text("We don't know a place called “Xyzzyville”")
