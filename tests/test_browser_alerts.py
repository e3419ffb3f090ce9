"""In a real browser: save a search, a matching car is approved, the alert mail links back to the car; the header
bell shows the unread alert, listed on /notifications, whose click leads to the search and from there to the car."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from carsite import searches
from carsite.domain.actor import Actor
from carsite.selling import workflow

from .helpers import PASSWORD, mails, make_car, make_user, sql
from .test_browser import browser, live, page  # noqa: F401 - shared browser fixtures

SHOTS = "/work/shots/h4"


def test_saved_search_alert_links_back_to_the_approved_car(live, page: Page):  # noqa: F811
    app, base = live
    app.config["ALERT_SETTLE_SECONDS"] = 0
    seller = make_user(app, "seller@example.com")
    admin = make_user(app, "admin@example.com", role="admin")
    make_user(app, "ann@example.com")
    make_car(app, seller, status="available")
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + "/cars?make=Fiat&price_max=1")
        page.screenshot(path=f"{SHOTS}/empty-{width}.png", full_page=True)
        page.goto(base + "/cars?make=Fiat")
        page.screenshot(path=f"{SHOTS}/results-{width}.png", full_page=True)
    page.locator(".save-search select[name=frequency]").select_option("instant")
    page.locator(".save-search").get_by_role("button", name="Save").click()
    assert "Search saved" in page.content()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/manage-{width}.png", full_page=True)
    car = make_car(app, seller, status="pending", title="Fiat Panda 4x4")
    with app.app_context():
        workflow.decide(car, "approve", None, actor=Actor(user_id=admin, role="admin", email_verified=True))
    with app.test_request_context():
        assert searches.run_alerts("instant")["searches_alerted"] == 1
    alert = [m for m in mails(app) if "new car" in str(m["Subject"])]
    assert len(alert) == 1
    body = alert[0].get_body(("plain",)).get_content()
    assert f"{base}/cars/{car}" in body and "/cars?make=Fiat" in body
    assert sql(app, "SELECT url FROM notifications WHERE kind = 'saved_search'") == [("/cars?make=Fiat",)]
    # the bell in the header: one unread notification, its count on the icon
    page.goto(base + "/cars")
    bell = page.locator('header .counter-link[data-counter="bell"]')
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell.locator(".counter")).to_have_text("1")
    bell.click()
    expect(page).to_have_url(base + "/notifications")
    notes = page.locator("ol.notes > li")
    expect(notes).to_have_count(1)
    expect(notes.first).to_have_class(re.compile(r"\bunread\b"))
    expect(notes.first).to_contain_text("1 new car for")
    expect(notes.first).to_contain_text("Saved search alerts")
    notes.first.get_by_role("button", name=re.compile("new car")).click()
    # opening it reads it and leads to the saved search, where the new car is; its card opens the car
    expect(page).to_have_url(base + "/cars?make=Fiat")
    expect(page.locator('header .counter-link[data-counter="bell"]')).to_have_attribute("aria-label", "Notifications")
    expect(page.locator('header .counter-link[data-counter="bell"] .counter')).to_have_count(0)
    page.locator(".card-link", has_text="Fiat Panda 4x4").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/cars/{car}(/|$)"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fiat Panda 4x4")
    assert sql(app, "SELECT read_at IS NOT NULL FROM notifications WHERE kind = 'saved_search'") == [(True,)]
