"""People's flows in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against
carsite served by waitress over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.server
import os
import re
import threading

import pytest
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from carsite import seed

from .helpers import PASSWORD, link_in, mails, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve_in_thread(wsgi_app):
    """Serve ``wsgi_app`` with waitress on a free port from a thread whose loop checks a stop flag between polls of
    a twentieth of a second, so stopping never depends on waking the loop from outside (see stop_serving)."""
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=4)
    server.stop_requested = threading.Event()
    poll = wasyncore.poll2 if server.adj.asyncore_use_poll else wasyncore.poll

    def run() -> None:
        while not server.stop_requested.is_set():
            poll(0.05, server._map)
        for channel in list(server._map.values()):
            if isinstance(channel, HTTPChannel):
                channel.handle_close()  # closes what it still had to send (a photo's file) with the socket
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return server, thread


def stop_serving(server, thread) -> None:
    """Stop a server from serve_in_thread at once: the requests in hand finish (their responses and files closed),
    then its own loop closes every socket it watches (the listening one, the browser's kept-alive connections and
    its wake-up pipe), so it ends instead of waiting for those connections to time out.

    Never server.close() from this thread while the loop runs: it closes the loop's wake-up pipe under it, and a
    request thread finishing later writes waitress's wake-up byte b"x" into whatever file now has that number: once
    it was a pooled PostgreSQL connection, which the server then dropped ("invalid frontend message type 120").
    Nor is the loop woken through that pipe to close things: once, in CI, the pipe was already gone (EBADF) when
    the test ended, and the teardown failed; the loop's own short polls see the stop flag instead."""
    server.task_dispatcher.shutdown(timeout=5)
    server.stop_requested.set()
    thread.join(5)
    assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture
def live(make_app):
    app = make_app(BASE_URL="http://127.0.0.1:0")
    server, thread = serve_in_thread(app)
    base = f"http://127.0.0.1:{server.effective_port}"
    app.config["BASE_URL"] = base
    yield app, base
    stop_serving(server, thread)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_sign_up_confirm_log_in_log_out(live, page: Page):
    app, base = live
    page.goto(base + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Your name").fill("Bea Browser")
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password").fill("too short")
    page.get_by_role("button", name="Create account").click()
    # the error sits next to the field; what was typed stays, the password does not
    expect(page.locator("#password-error")).to_contain_text("at least 12 characters")
    expect(page.get_by_label("Your name")).to_have_value("Bea Browser")
    expect(page.get_by_label("Email")).to_have_value("bea@example.com")
    expect(page.get_by_label("Password")).to_have_value("")
    page.get_by_label("Password").fill("a long browser passphrase")
    page.get_by_role("button", name="Create account").click()
    # the same page whether or not the address had an account; the emailed link confirms and logs in
    expect(page).to_have_url(base + "/register/sent")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in")).to_be_visible()

    (message,) = mails(app)
    page.goto(link_in(message))
    expect(page).to_have_url(base + "/account")
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    expect(page.get_by_text("Email confirmed")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password").fill("a long browser passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Bea Browser")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(base + "/account")
    expect(page).to_have_url(base + "/login?next=/account")


def test_pages_cannot_be_framed_by_another_site(live, page: Page):
    _app, base = live
    html = f'<!doctype html><iframe id="f" src="{base}/login" width="600" height="400"></iframe>'.encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        page.wait_for_timeout(500)
        (framed,) = [f for f in page.frames if f != page.main_frame]
        # Chromium refused to render carsite inside the other site's page (frame-ancestors / X-Frame-Options)
        assert framed.url == "chrome-error://chromewebdata/"
        assert "csrf_token" not in safe_content(framed)
    finally:
        evil.shutdown()
        evil.server_close()


def safe_content(frame) -> str:
    try:
        return frame.content()
    except Exception:
        return ""


def keep_screenshots(page: Page, name: str) -> None:
    """With CARSITE_SCREENSHOTS set to a folder, save the page at phone and desktop widths there (for review)."""
    folder = os.environ.get("CARSITE_SCREENSHOTS")
    if not folder:
        return
    size = page.viewport_size
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.path.join(folder, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_seller_lists_admin_approves_buyer_finds_saves_and_compares(live, browser, tmp_path):
    app, base = live
    with app.app_context():
        seed.demo()
    make_user(app, "sally@example.com", name="Sally Seller", role="seller")
    make_user(app, "adam@example.com", name="Adam Admin", role="admin")
    make_user(app, "bob@example.com", name="Bob Buyer")
    photos = []
    for index, colour in enumerate(((200, 40, 40), (40, 40, 200))):
        path = tmp_path / f"photo{index}.jpg"
        Image.new("RGB", (1200, 900), colour).save(path, "JPEG")
        photos.append(str(path))

    seller = browser.new_context().new_page()
    log_in(seller, base, "sally@example.com")
    seller.get_by_role("link", name="Your listings").click()
    seller.get_by_role("link", name="Sell a car").first.click()
    form = {
        "Title": "Skoda Superb Estate L&K",
        "First registration year": "2021",
        "Price (€)": "28900",
        "Mileage (km)": "61000",
        "Colour": "Grey",
        "City": "Dresden",
        "Postcode": "01067",
    }
    for name, value in form.items():
        seller.get_by_label(name, exact=True).fill(value)
    seller.get_by_label("Make", exact=True).select_option(label="Skoda")  # the model list follows (JavaScript)
    seller.get_by_label("Model", exact=True).select_option(label="Superb")
    seller.get_by_label("Fuel").select_option("diesel")
    seller.get_by_label("Gearbox").select_option("automatic")
    seller.get_by_label("Body type").select_option("estate")
    seller.get_by_label("Navigation").check()
    seller.get_by_label("Heated seats").check()
    seller.get_by_label("Description", exact=True).fill("Dealer serviced, panoramic roof.")
    seller.get_by_role("button", name="Save draft and add photos").click()
    expect(seller.get_by_text("Draft (not visible)")).to_be_visible()
    seller.set_input_files("#photos-input", photos)
    seller.get_by_role("button", name="Upload").click()
    expect(seller.get_by_text("2 photo(s) added.")).to_be_visible()
    expect(seller.locator(".photo-list li")).to_have_count(2)
    seller.get_by_role("button", name="Submit for review").click()
    expect(seller.get_by_text("Waiting for review")).to_be_visible()

    admin = browser.new_context().new_page()
    log_in(admin, base, "adam@example.com")
    admin.goto(base + "/admin/moderation")
    expect(admin.get_by_text("Skoda Superb Estate L&K")).to_be_visible()
    admin.get_by_role("button", name="Approve Skoda Superb Estate L&K").click()
    expect(admin.get_by_text("“Skoda Superb Estate L&K” is live")).to_be_visible()
    expect(admin.get_by_role("button", name="Approve Skoda Superb Estate L&K")).to_have_count(0)

    buyer = browser.new_context().new_page()
    log_in(buyer, base, "bob@example.com")
    buyer.get_by_label("Search cars").fill("skoda superb")
    buyer.get_by_role("button", name="Search", exact=True).click()
    buyer.get_by_label("Fuel").select_option("diesel")
    buyer.get_by_role("button", name="Show cars").click()
    expect(buyer).to_have_url(re.compile(r"fuel=diesel"))
    buyer.get_by_role("link", name="Skoda Superb Estate L&K").click()
    expect(buyer.get_by_text("1 / 2")).to_be_visible()
    buyer.get_by_role("link", name="Next photo").click()
    expect(buyer.get_by_text("2 / 2")).to_be_visible()
    keep_screenshots(buyer, "car-page")
    buyer.get_by_role("button", name="♡ Save").click()
    expect(buyer.get_by_role("button", name="♥ Saved")).to_be_visible()
    buyer.get_by_role("button", name="+ Compare").click()
    buyer.goto(base + "/cars?make=Volvo")
    keep_screenshots(buyer, "search-page")
    first_card = buyer.locator(".cards li.card").first
    volvo = first_card.locator("h3").inner_text()
    first_card.get_by_role("button", name=f"Save {volvo} to favourites").click()  # one click from the results
    expect(buyer).to_have_url(re.compile(r"/cars\?make=Volvo#car-\d+$"))
    expect(first_card.get_by_role("button", name=f"Remove {volvo} from favourites")).to_be_visible()
    buyer.locator(".cards a.card-link").first.click()
    buyer.get_by_role("button", name="+ Compare").click()
    buyer.get_by_role("link", name=re.compile(r"Compare \(2\)")).click()
    expect(buyer.locator("table.compare thead th a")).to_have_count(2)
    buyer.get_by_role("link", name="Show only differences").click()
    expect(buyer.get_by_role("link", name="Show everything")).to_be_visible()
    buyer.get_by_role("link", name="Favourites").click()
    expect(buyer.get_by_text("Skoda Superb Estate L&K")).to_be_visible()
    expect(buyer.get_by_text(volvo)).to_be_visible()
