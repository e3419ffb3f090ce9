"""Phone-first pages in a real browser at 390 px: no page is wider than the screen, the header is one row, the
filter drawer opens at the top of the results (with and without JavaScript), and the photo gallery flips in place,
swipes, zooms and answers the keyboard (while its plain links still work without JavaScript)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from carsite import seed
from carsite.domain.actor import Actor
from carsite.selling import photos

from .helpers import PASSWORD, make_car, make_user, sql
from .test_browser import CHROMIUM, CHROMIUM_ARGS, serve_in_thread, stop_serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(make_app):
    """The demo site served over HTTP, with a seller's car that has three photos, and one account of each role."""
    app = make_app(BASE_URL="http://127.0.0.1:0")
    with app.app_context():
        seed.demo()
    seller = make_user(app, "sally@example.com", name="Sally Seller", role="seller")
    make_user(app, "adam@example.com", name="Adam Admin", role="admin")
    make_user(app, "bob@example.com", name="Bob Buyer")
    car_id = make_car(app, seller, status="available", title="Skoda Superb Estate", make="Skoda", model="Superb")
    uploads = []
    for index, colour in enumerate(((200, 40, 40), (40, 160, 60), (40, 40, 200))):
        buffer = io.BytesIO()
        Image.new("RGB", (1200, 900), colour).save(buffer, "JPEG")
        uploads.append((f"{index}.jpg", buffer.getvalue()))
    with app.app_context():
        photos.add(car_id, uploads, actor=Actor.system())
    sql(app, "UPDATE car_photos SET awaiting_review = false")
    server, thread = serve_in_thread(app)
    base = f"http://127.0.0.1:{server.effective_port}"
    app.config["BASE_URL"] = base
    yield app, base, car_id
    stop_serving(server, thread)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def phone(browser, *, javascript: bool = True) -> Page:
    return browser.new_context(viewport=PHONE, java_script_enabled=javascript, has_touch=True).new_page()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def assert_fits(page: Page, base: str, path: str) -> None:
    response = page.goto(base + path)
    assert response is not None and response.status < 400, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide"
    header = page.locator(".header-row").bounding_box()
    assert header is not None and header["height"] < 70, f"{path}: the header takes more than one row"


def test_no_page_is_wider_than_a_phone(site, browser):
    app, base, car_id = site
    (user_id,) = sql(app, "SELECT id FROM users WHERE email = 'bob@example.com'")[0]
    visitor = phone(browser)
    for path in (
        "/",
        "/cars",
        "/cars?make=Skoda",
        f"/cars/{car_id}",
        "/login",
        "/register",
        "/forgot",
        f"/compare?ids={car_id},1",
        "/cars?price_max=1",
    ):
        assert_fits(visitor, base, path)
    buyer = phone(browser)
    log_in(buyer, base, "bob@example.com")
    for path in ("/", "/account", "/favorites", "/account/become-seller?next=/sell", "/account/password"):
        assert_fits(buyer, base, path)
    seller = phone(browser)
    log_in(seller, base, "sally@example.com")
    for path in ("/sell", "/sell/new", f"/sell/{car_id}"):
        assert_fits(seller, base, path)
    admin = phone(browser)
    log_in(admin, base, "adam@example.com")
    for path in ("/admin/users", f"/admin/users/{user_id}", "/admin/moderation", "/admin/audit", f"/cars/{car_id}"):
        assert_fits(admin, base, path)


def test_header_menu_holds_the_account_links_on_a_phone(site, browser):
    _app, base, _car_id = site
    page = phone(browser)
    log_in(page, base, "bob@example.com")
    page.goto(base + "/")
    expect(page.get_by_role("link", name="Favourites")).to_be_hidden()
    expect(page.locator(".sell-link")).to_be_visible()
    page.locator("details.menu summary").click()
    expect(page.get_by_role("link", name="Favourites")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Favourites")).to_be_hidden()


def test_number_inputs_look_like_the_other_inputs(site, browser):
    _app, base, _car_id = site
    page = phone(browser)
    log_in(page, base, "sally@example.com")
    page.goto(base + "/sell/new")
    style = (
        "e => [getComputedStyle(e).borderTopColor, getComputedStyle(e).borderRadius, getComputedStyle(e).paddingLeft]"
    )
    number = page.locator("input[type=number]").first
    text = page.locator("input[type=text]").first
    assert number.evaluate(style) == text.evaluate(style)


def test_filter_drawer_opens_from_the_top_and_closes_with_escape(site, browser):
    _app, base, _car_id = site
    page = phone(browser)
    page.goto(base + "/cars?fuel=petrol")
    button = page.locator(".filters-button")
    expect(button).to_contain_text("Filters")
    expect(button.locator(".filter-count")).to_have_text("1")
    assert button.bounding_box()["y"] < 200  # at the top of the page, not below the results
    panel = page.locator("#filters")
    expect(panel).to_be_hidden()
    button.click()
    expect(panel).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("button", name="Show cars")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    button.click()
    page.get_by_label("Gearbox").select_option("automatic")
    page.get_by_role("button", name="Show cars").click()
    page.wait_for_url("**transmission=automatic**")
    expect(page.locator(".filters-button .filter-count")).to_have_text("2")


def test_filter_drawer_without_javascript_is_an_anchor(site, browser):
    _app, base, _car_id = site
    page = phone(browser, javascript=False)
    page.goto(base + "/cars")
    expect(page.locator("#filters")).to_be_hidden()
    page.locator(".filters-button").click()
    expect(page.locator("#filters")).to_be_visible()
    page.locator(".drawer-close").click()
    expect(page.locator("#filters")).to_be_hidden()


def test_desktop_keeps_the_side_panel(site, browser):
    _app, base, _car_id = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base + "/cars")
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator(".filters-button")).to_be_hidden()
    panel, results = page.locator("#filters").bounding_box(), page.locator("#results").bounding_box()
    assert panel["x"] + panel["width"] <= results["x"]  # beside the results, not above them


def test_car_page_shows_title_and_price_above_the_fold(site, browser):
    _app, base, car_id = site
    page = phone(browser)
    page.goto(base + f"/cars/{car_id}")
    for selector in (".car-summary h1", ".car-summary .price"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], selector


def test_gallery_flips_in_place_swipes_zooms_and_answers_the_keyboard(site, browser):
    _app, base, car_id = site
    page = phone(browser)
    page.goto(base + f"/cars/{car_id}")
    page.evaluate("window.stayed = true")  # gone if any flip reloads the page
    main = page.locator(".gallery img.car-photo")
    counter = page.locator(".gallery-nav span")
    expect(counter).to_have_text("1 / 3")
    page.get_by_role("link", name="Next photo").click()
    expect(counter).to_have_text("2 / 3")
    expect(main).to_have_attribute("alt", "Skoda Superb Estate, photo 2 of 3")
    assert "photo=1" in page.url and page.evaluate("window.stayed") is True
    # swipe left on the photo: the next one
    box = main.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=5)
    page.mouse.up()
    expect(counter).to_have_text("3 / 3")
    # open full screen: arrows, zoom, Escape
    main.click()
    viewer = page.get_by_role("dialog")
    expect(viewer).to_be_visible()
    expect(viewer.locator(".viewer-count")).to_have_text("3 / 3")
    page.keyboard.press("ArrowRight")
    expect(viewer.locator(".viewer-count")).to_have_text("1 / 3")
    page.keyboard.press("ArrowLeft")
    expect(viewer.locator(".viewer-count")).to_have_text("3 / 3")
    zoom = viewer.get_by_role("button", name="Zoom in")
    zoom.click()
    expect(viewer.get_by_role("button", name="Zoom out")).to_have_attribute("aria-pressed", "true")
    assert "scale(2.5)" in viewer.locator(".viewer-img").evaluate("e => e.style.transform")
    viewer.get_by_role("button", name="Zoom out").click()
    # a swipe in the viewer
    stage = viewer.locator(".viewer-stage").bounding_box()
    page.mouse.move(stage["width"] * 0.8, stage["height"] / 2)
    page.mouse.down()
    page.mouse.move(stage["width"] * 0.2, stage["height"] / 2, steps=5)
    page.mouse.up()
    expect(viewer.locator(".viewer-count")).to_have_text("1 / 3")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(counter).to_have_text("1 / 3")
    assert page.evaluate("window.stayed") is True


def test_gallery_links_work_without_javascript(site, browser):
    _app, base, car_id = site
    page = phone(browser, javascript=False)
    page.goto(base + f"/cars/{car_id}")
    page.get_by_role("link", name="Next photo").click()
    page.wait_for_url("**photo=1**")
    expect(page.locator(".gallery-nav span")).to_have_text("2 / 3")
    expect(page.get_by_role("dialog")).to_have_count(0)
