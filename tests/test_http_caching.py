"""HTTP validators and cache lifetimes of public pages (carsite.web.caching): a visitor's conditional request is
answered 304 after one read of the data versions, a change of the data answers 200 again, and nothing personal
(a login, a session) is ever given a shared lifetime or a 304 for someone else's page."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import pytest
import requests

from bench.serving import serve
from carsite.db import Database

from .helpers import PASSWORD, login, make_user, post, sql


def first_car(app) -> tuple[int, str]:
    car_id = sql(app, "SELECT min(id) FROM cars WHERE status = 'available'")[0][0]
    return car_id, app.test_client().get(f"/cars/{car_id}").headers["Location"]


def public_pages(app) -> dict[str, str]:
    """Public GET pages and the Cache-Control each gets (SHARED_CACHE_SECONDS is 5 by default). A car page's first
    view notes the car in the visitor's recent cookie: see test_recently_viewed_lives_in_its_own_cookie..."""
    car_id, _ = first_car(app)
    shared, checked = "public, max-age=0, s-maxage=5", "public, no-cache"
    return {
        "/": shared,
        "/cars": shared,
        "/cars?make=Toyota&sort=price_asc": shared,
        "/sitemap.xml": shared,
        "/sitemaps/cars-0.xml": shared,
        "/api/v1/cars?make=Toyota": shared,
        f"/api/v1/cars/{car_id}": checked,
        "/api/v1/makes": shared,
        "/api/openapi.json": shared,
    }


def test_visitors_get_validators_and_304_costs_at_most_the_versions_read(demo):
    for path, cache_control in public_pages(demo).items():
        visitor = demo.test_client()
        first = visitor.get(path)
        assert first.status_code == 200, path
        etag = first.headers["ETag"]
        assert etag.startswith('W/"'), path
        assert first.headers["Cache-Control"] == cache_control, path
        assert first.headers["Vary"] == "Cookie", path
        with Database.record() as names:
            again = visitor.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == cache_control, path
        assert names == ([] if path == "/api/openapi.json" else ["versions.current"]), (path, names)
        assert visitor.get(path, headers={"If-None-Match": 'W/"0.0-other"'}).status_code == 200, path
    garbled = {"If-None-Match": 'W/"unclosed, ,,"', "If-Modified-Since": "yesterday at noon"}
    assert demo.test_client().get("/cars", headers=garbled).status_code == 200  # bad input is no 500


def test_public_pages_set_no_cookie_for_visitors(demo):
    """A cookie would make the answer personal (uncacheable) and cost a signature on every request."""
    for path in public_pages(demo):
        response = demo.test_client().get(path)
        assert "Set-Cookie" not in response.headers, path
    html = demo.test_client().get("/cars").get_data(as_text=True)
    assert 'name="csrf_token"' not in html  # ♡ on cards is a link to log in for visitors
    assert re.search(r'<a class="card-save" href="/login\?next=/cars\?%23car-(\d+)&amp;save=\1"', html)


def test_recently_viewed_lives_in_its_own_cookie_and_makes_only_the_home_page_personal(demo):
    """A visitor's car page view notes the car in the recent cookie, not in a session (carsite.web.recent): the
    answer that changes the list is private; the same car again sends no cookie and is public; only the home
    page, which shows the list, is the visitor's own (its ETag carries the list)."""
    car_id, car_page = first_car(demo)
    other = sql(demo, "SELECT max(id) FROM cars WHERE status = 'available'")[0][0]
    visitor = demo.test_client()
    first = visitor.get(car_page)
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"carsite_recent={car_id};") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (
        "carsite_session" not in first.headers.get("Set-Cookie", "") and len(first.headers.getlist("Set-Cookie")) == 1
    )
    assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["Vary"] == "Cookie"
    again = visitor.get(car_page)  # the list is as it was: no cookie, the public answer
    assert "Set-Cookie" not in again.headers and again.headers["Cache-Control"] == "public, no-cache"
    assert visitor.get(car_page, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    assert visitor.get("/cars").headers["Cache-Control"] == "public, max-age=0, s-maxage=5"  # not personal

    public_home = demo.test_client().get("/")
    home = visitor.get("/")
    assert home.headers["Cache-Control"] == "private, no-cache" and home.headers["ETag"] != public_home.headers["ETag"]
    assert f'href="/cars/{car_id}"' in home.get_data(as_text=True).split("Recently viewed", 1)[1]
    assert visitor.get("/", headers={"If-None-Match": home.headers["ETag"]}).status_code == 304
    visitor.get(f"/cars/{other}", follow_redirects=True)  # the list changes: so does the home page's ETag
    assert visitor.get("/", headers={"If-None-Match": home.headers["ETag"]}).status_code == 200
    assert "Set-Cookie" not in visitor.get("/").headers


@pytest.mark.parametrize("value", ["", "x", "1.2.3" * 50, "99999999999999999999", "-1.0.%00", "1,2", "1..2"])
def test_a_garbled_recent_cookie_is_ignored(demo, value):
    visitor = demo.test_client()
    visitor.set_cookie("carsite_recent", value)
    assert visitor.get("/").status_code == 200
    _, car_page = first_car(demo)
    assert visitor.get(car_page).status_code == 200


def test_recently_viewed_joins_the_account_at_login_and_the_cookie_goes(demo):
    car_id, car_page = first_car(demo)
    make_user(demo, "buyer2@example.com")
    visitor = demo.test_client()
    visitor.get(car_page)
    response = login(visitor, "buyer2@example.com")
    assert any(c.startswith("carsite_recent=;") for c in response.headers.getlist("Set-Cookie"))
    assert sql(demo, "SELECT car_id FROM recently_viewed rv JOIN users u ON u.id = rv.user_id"
               " WHERE u.email = 'buyer2@example.com'") == [(car_id,)]  # fmt: skip


def test_a_change_of_the_data_answers_200_with_the_new_price_at_once(demo):
    car_id, _ = first_car(demo)
    path = f"/api/v1/cars/{car_id}"
    visitor = demo.test_client()
    etag = visitor.get(path).headers["ETag"]
    sql(demo, "UPDATE cars SET price = 12345 WHERE id = %s", car_id)
    changed = visitor.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["price"] == 12345
    # a view count is not a change of the data: the page stays valid
    sql(demo, "UPDATE cars SET view_count = view_count + 1 WHERE id = %s", car_id)
    assert visitor.get(path, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_a_sellers_rename_is_a_change_of_the_listings(demo):
    car_id, _ = first_car(demo)
    path = f"/api/v1/cars/{car_id}"
    visitor = demo.test_client()
    etag = visitor.get(path).headers["ETag"]
    seller = "(SELECT seller_id FROM cars WHERE id = %s)"
    sql(demo, f"UPDATE users SET phone = '+49 30 1234567' WHERE id = {seller}", car_id)  # not on any car page
    assert visitor.get(path, headers={"If-None-Match": etag}).status_code == 304
    sql(demo, f"UPDATE users SET name = 'Renamed Seller' WHERE id = {seller}", car_id)
    renamed = visitor.get(path, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.get_json()["seller"]["name"] == "Renamed Seller"


def test_if_modified_since_counts_only_without_if_none_match_and_only_for_past_seconds(demo):
    car_page = f"/api/v1/cars/{first_car(demo)[0]}"
    visitor = demo.test_client()
    assert "Last-Modified" not in visitor.get(car_page).headers  # the app started less than a second ago
    time.sleep(1.1)
    first = visitor.get(car_page)
    modified = first.headers["Last-Modified"]
    assert parsedate_to_datetime(modified).timestamp() <= time.time()
    assert visitor.get(car_page, headers={"If-Modified-Since": modified}).status_code == 304
    stale = {"If-Modified-Since": modified, "If-None-Match": 'W/"0.0-other"'}
    assert visitor.get(car_page, headers=stale).status_code == 200
    sql(demo, "UPDATE cars SET price = price + 1 WHERE id = (SELECT min(id) FROM cars WHERE status = 'available')")
    assert visitor.get(car_page, headers={"If-Modified-Since": modified}).status_code == 200


def test_logged_in_pages_are_never_shared_nor_answered_with_a_visitors_304(demo):
    car_page = "/cars?make=Toyota"
    visitor_etag = demo.test_client().get(car_page).headers["ETag"]
    make_user(demo, "reader@example.com")
    reader = demo.test_client()
    login(reader, "reader@example.com")
    for path in public_pages(demo):
        page = reader.get(path)
        # no-store once the page loaded the user; the API never does, and is private all the same
        assert page.headers["Cache-Control"] in ("no-store, private", "private, no-cache"), path
        assert page.headers["Vary"] == "Cookie" and "ETag" not in page.headers, path
    # a browser still holding the visitor's copy from before logging in gets the logged-in page, not a 304
    mine = reader.get(car_page, headers={"If-None-Match": visitor_etag, "If-Modified-Since": "Fri, 01 Jan 2100"})
    assert mine.status_code == 200 and "Log out" in mine.get_data(as_text=True)
    # and a visitor's copy never matches what a logged-in person saw: they were given no validator to send
    assert demo.test_client().get(car_page, headers={"If-None-Match": visitor_etag}).status_code == 304


def test_a_visitor_with_a_session_gets_private_pages(demo):
    """Comparing starts a session (a CSRF-checked POST from the GET page the car page's button leads to)."""
    car_id, car_page = first_car(demo)
    visitor = demo.test_client()
    step = visitor.get(f"/compare/{car_id}")
    assert step.status_code == 200 and 'name="csrf_token"' in step.get_data(as_text=True)
    assert post(visitor, f"/compare/{car_id}", {"next": car_page}, page=f"/compare/{car_id}").status_code == 303
    page = visitor.get(car_page)
    assert "✓ In comparison" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-cache" and "ETag" not in page.headers
    assert page.headers["Vary"] == "Cookie"
    assert visitor.get("/cars", headers={"If-None-Match": "*"}).status_code == 200


def test_a_visitors_heart_leads_to_login_and_the_car_is_saved_once_in(demo):
    car_id, car_page = first_car(demo)
    html = demo.test_client().get(car_page).get_data(as_text=True)
    assert f'href="/login?next={car_page}&amp;save={car_id}"' in html
    make_user(demo, "saver@example.com")
    visitor = demo.test_client()
    login_page = f"/login?next={car_page}&save={car_id}"
    assert "it is saved as soon as you are in" in visitor.get(login_page).get_data(as_text=True)
    post(visitor, login_page, {"email": "saver@example.com", "password": PASSWORD}, page=login_page)
    assert "♥ Saved" in visitor.get(car_page).get_data(as_text=True)


def test_shared_lifetime_is_a_setting(make_app):
    app = make_app(SHARED_CACHE_SECONDS=0)
    assert app.test_client().get("/cars").headers["Cache-Control"] == "public, no-cache"


@pytest.mark.slow
def test_over_http_waitress_answers_304_without_a_body(demo, tmp_path):
    with serve(demo.config["DATABASE_URL"], tmp_path / "serve.log") as base:
        first = requests.get(base + "/cars?make=Toyota", timeout=10)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers
        etag = first.headers["ETag"]
        again = requests.get(base + "/cars?make=Toyota", headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "public, max-age=0, s-maxage=5"
        assert again.headers["Vary"] == "Cookie"
        # a browser with a session gets the page, not a 304 for the visitors' copy
        personal = requests.get(
            base + "/cars?make=Toyota", headers={"If-None-Match": etag, "Cookie": "carsite_session=x"}, timeout=10
        )
        assert personal.status_code == 200 and "ETag" not in personal.headers
