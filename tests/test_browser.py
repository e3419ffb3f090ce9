"""People's flows in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against
carsite served by waitress over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.server
import threading

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from waitress.server import create_server

from .helpers import link_in, mails

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
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def live(make_app):
    app = make_app(BASE_URL="http://127.0.0.1:0")
    server, thread = serve_in_thread(app)
    base = f"http://127.0.0.1:{server.effective_port}"
    app.config["BASE_URL"] = base
    yield app, base
    server.close()
    thread.join(5)


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
    expect(page).to_have_url(base + "/account")
    expect(page.get_by_text("Email not confirmed")).to_be_visible()

    (message,) = mails(app)
    page.goto(link_in(message))
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
