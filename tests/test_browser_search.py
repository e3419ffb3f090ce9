"""The search filter panel in a real browser at phone and desktop widths: radius search and the extra filters fit,
work without JavaScript and keep what was chosen."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from carsite import seed

from .test_browser import browser, keep_screenshots, live, page  # noqa: F401 - shared browser fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [390, 1280])
def test_filter_panel_with_radius_and_more_filters_fits_and_searches(live, page: Page, width, tmp_path):  # noqa: F811
    app, base = live
    with app.app_context():
        seed.demo()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/cars")
    panel = page.locator("#filters")
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Accident free")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    page.get_by_label("Near (city)").fill("muenchen")
    page.get_by_label("Distance").select_option("200")
    page.get_by_label("Sold by").select_option("dealer")
    page.get_by_label("Towbar").check()
    page.get_by_role("button", name="Show cars").click()
    expect(page.get_by_text("Near: Munich, 200 km ×")).to_be_visible()
    assert "near=muenchen" in page.url and "feature=Towbar" in page.url
    distances = page.locator(".card .distance").all_inner_texts()
    assert distances and all(text.endswith(" km") for text in distances)
    assert all(int(text.split("·")[1].split()[0].replace(",", "")) <= 200 for text in distances)
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
