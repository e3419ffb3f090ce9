"""Phone-first pages over HTTP: the header's way to sell, a buyer led to becoming a seller, the filter button,
recently viewed and compared cars kept per account (and merged in at login), and a visitor's save after login."""

from __future__ import annotations

import re
import threading

from carsite.db import Database

from .helpers import PASSWORD, csrf, link_in, login, mails, make_car, make_user, path_of, post, sql


def listed_ids(app, n: int) -> list[int]:
    return [r[0] for r in sql(app, "SELECT id FROM cars WHERE status = 'available' ORDER BY id LIMIT %s", n)]


def view(client, car_id: int) -> None:
    assert client.get(f"/cars/{car_id}", follow_redirects=True).status_code == 200


def recently_viewed_on_home(client) -> list[int]:
    html = client.get("/").get_data(as_text=True)
    if "Recently viewed" not in html:
        return []
    part = html.split("<h2>Recently viewed</h2>", 1)[1].split("</section>", 1)[0]
    return [int(i) for i in re.findall(r'<a class="card-link" href="/cars/(\d+)"', part)]


# -- selling: visitors and buyers see how; a buyer is led, never refused --------------------------------------------


def test_header_offers_selling_to_visitors_and_buyers_only(app):
    visitor = app.test_client()
    assert 'class="sell-link" href="/sell"' in visitor.get("/").get_data(as_text=True)
    make_user(app, "buyer@example.com")
    login(visitor, "buyer@example.com")
    assert 'class="sell-link" href="/sell"' in visitor.get("/").get_data(as_text=True)
    make_user(app, "seller@example.com", role="seller")
    seller = app.test_client()
    login(seller, "seller@example.com")
    html = seller.get("/").get_data(as_text=True)
    assert 'class="sell-link"' not in html and "Your listings" in html


def test_visitor_opening_sell_logs_in_and_comes_back_to_sell(app):
    make_user(app, "buyer@example.com")
    visitor = app.test_client()
    response = visitor.get("/sell")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/sell"
    page = visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert 'action="/login?next=/sell"' in page and 'href="/register"' in page
    token = csrf(visitor, "/login?next=/sell")
    logged_in = visitor.post(
        "/login?next=/sell", data={"csrf_token": token, "email": "buyer@example.com", "password": PASSWORD}
    )
    assert logged_in.status_code == 303 and logged_in.headers["Location"] == "/sell"
    # a buyer lands on /sell and is led on to becoming a seller
    assert visitor.get("/sell").headers["Location"] == "/account/become-seller?next=/sell"


def test_visitor_who_signs_up_from_sell_comes_back_to_sell(app):
    visitor = app.test_client()
    login_page = visitor.get("/sell", follow_redirects=True).get_data(as_text=True)
    assert "Log in or create an account to sell your car." in login_page
    assert 'href="/register?next=/sell"' in login_page
    details = {"name": "Nia New", "email": "nia@example.com", "password": PASSWORD}
    assert post(visitor, "/register?next=/sell", details, page="/register?next=/sell").status_code == 303
    confirmed = visitor.get(path_of(link_in(mails(app)[-1])))
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/sell"
    assert visitor.get("/sell").headers["Location"] == "/account/become-seller?next=/sell"
    other = app.test_client()
    other_details = {**details, "email": "otto@example.com"}
    assert post(other, "/register?next=//evil.example", other_details, page="/register").status_code == 303
    assert other.get(path_of(link_in(mails(app)[-1]))).headers["Location"] == "/account"  # only local paths


def test_buyer_opening_sell_becomes_a_seller_in_one_audited_click(app):
    user_id = make_user(app, "buyer@example.com")
    client = app.test_client()
    login(client, "buyer@example.com")
    for path in ("/sell", "/sell/new"):
        led = client.get(path)
        assert led.status_code == 302, path  # never a 403
        assert led.headers["Location"] == f"/account/become-seller?next={path}"
    page = client.get("/account/become-seller?next=/sell")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Turn my account into a seller account" in html
    assert 'name="next" value="/sell"' in html and 'name="csrf_token"' in html
    assert client.post("/account/become-seller", data={"next": "/sell"}).status_code == 400  # no CSRF token
    done = post(client, "/account/become-seller", {"next": "/sell"}, page="/account/become-seller")
    assert done.status_code == 303 and done.headers["Location"] == "/sell"
    assert sql(app, "SELECT role FROM users WHERE id = %s", user_id)[0][0] == "seller"
    assert client.get("/sell").status_code == 200
    events = sql(app, "SELECT detail->>'new' FROM audit_log WHERE action = 'role.change' AND subject_id = %s", user_id)
    assert events == [("seller",)]
    # a seller asking again goes straight on; an outside next is ignored
    assert client.get("/account/become-seller?next=//evil.example").headers["Location"] == "/sell"


def test_unconfirmed_buyer_is_told_to_confirm_first(app):
    make_user(app, "new@example.com", verified=False)
    client = app.test_client()
    login(client, "new@example.com")
    html = client.get("/account/become-seller?next=/sell").get_data(as_text=True)
    assert "First confirm your email address" in html and "Turn my account" not in html
    assert post(client, "/account/become-seller", page="/account").status_code == 403


# -- results: the filter button comes before the results ------------------------------------------------------------


def test_filter_button_comes_first_and_counts_the_active_filters(demo):
    client = demo.test_client()
    html = client.get("/cars?make=BMW&fuel=petrol&sort=price_asc").get_data(as_text=True)
    button = html.index('class="filters-button" href="#filters"')
    assert button < html.index('<li class="card"')  # at the top, before the first result
    assert '<span class="filter-count" aria-label="2 active">2</span>' in html  # the sort is no filter
    worded = client.get("/cars?make=BMW&q=leather&sort=price_asc").get_data(as_text=True)
    assert '<span class="filter-count" aria-label="1 active">1</span>' in worded  # nor are the search words
    assert 'id="filters"' in html and 'class="drawer-close" href="#results"' in html  # reachable without JavaScript
    plain = client.get("/cars").get_data(as_text=True)
    assert 'class="filters-button"' in plain and 'class="filter-count"' not in plain


# -- the car page: no-JS links keep working; the script is allowed by the CSP ---------------------------------------


def test_car_page_keeps_photo_links_and_loads_the_gallery_script_under_the_csp(demo):
    client = demo.test_client()
    car_id = listed_ids(demo, 1)[0]
    response = client.get(f"/cars/{car_id}", follow_redirects=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert '<script src="/static/site.js" defer></script>' in html
    with client.get("/static/site.js") as script:
        assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
        assert b"ArrowRight" in script.data and b"Escape" in script.data


def test_photo_links_without_javascript_still_flip(app, tmp_path):
    from carsite.domain.actor import Actor
    from carsite.selling import photos

    from .test_selling import jpeg

    seller = make_user(app, "s@example.com", role="seller")
    car_id = make_car(app, seller, status="available")
    with app.app_context():
        photos.add(car_id, [(f"{i}.jpg", jpeg(colour=(i * 60, 20, 20))) for i in range(3)], actor=Actor.system())
    sql(app, "UPDATE car_photos SET awaiting_review = false")
    client = app.test_client()
    page = client.get(f"/cars/{car_id}").headers["Location"]
    html = client.get(f"{page}?photo=2").get_data(as_text=True)
    assert "photo 3 of 3" in html and 'href="?photo=0#main" aria-label="Next photo"' in html
    assert re.search(r"data-photos='\[(\"/media/photos/[0-9a-f]+-large\.webp\",? ?){3}\]' data-start=\"2\"", html)


# -- recently viewed and compared cars: per account, across devices, merged at login --------------------------------


def test_recently_viewed_survives_logout_and_follows_the_account(demo):
    make_user(demo, "fan@example.com")
    phone = demo.test_client()
    login(phone, "fan@example.com")
    first, second = listed_ids(demo, 2)
    view(phone, first)
    view(phone, second)
    assert recently_viewed_on_home(phone) == [second, first]
    post(phone, "/logout", page="/")
    assert recently_viewed_on_home(phone) == []  # a logged-out browser shows nothing of the account
    laptop = demo.test_client()
    login(laptop, "fan@example.com")
    assert recently_viewed_on_home(laptop) == [second, first]


def test_car_page_notes_an_accounts_view_within_four_queries(demo):
    user_id = make_user(demo, "fan@example.com")
    client = demo.test_client()
    login(client, "fan@example.com")
    car_id = listed_ids(demo, 1)[0]
    location = client.get(f"/cars/{car_id}").headers["Location"]
    with Database.record() as names:
        assert client.get(location).status_code == 200
    assert len(names) <= 4, names
    assert sql(demo, "SELECT car_id FROM recently_viewed WHERE user_id = %s", user_id) == [(car_id,)]


def test_recently_viewed_is_bounded_per_account(demo):
    user_id = make_user(demo, "fan@example.com")
    client = demo.test_client()
    login(client, "fan@example.com")
    ids = listed_ids(demo, 24)
    for car_id in ids:
        view(client, car_id)
    kept = sql(demo, "SELECT car_id FROM recently_viewed WHERE user_id = %s ORDER BY viewed_at DESC", user_id)
    assert [c for (c,) in kept] == ids[::-1][:20]
    assert len(recently_viewed_on_home(client)) == 8


def test_visitor_lists_join_the_account_at_login(demo):
    user_id = make_user(demo, "fan@example.com")
    a, b, c, d = listed_ids(demo, 4)
    laptop = demo.test_client()
    login(laptop, "fan@example.com")
    view(laptop, d)
    post(laptop, f"/compare/{d}", page="/")
    post(laptop, "/logout", page="/")
    visitor = demo.test_client()
    view(visitor, a)
    view(visitor, b)
    post(visitor, f"/compare/{c}", page=f"/compare/{c}")  # the car page's + Compare leads there
    assert recently_viewed_on_home(visitor) == [b, a]
    login(visitor, "fan@example.com")
    assert recently_viewed_on_home(visitor) == [b, a, d]
    compared = sql(demo, "SELECT car_id FROM compared_cars WHERE user_id = %s ORDER BY added_at", user_id)
    assert [x for (x,) in compared] == [d, c]
    html = visitor.get("/").get_data(as_text=True)
    assert (
        f'href="/compare?ids={d}%2C{c}">Compare (2)</a>' in html or f'href="/compare?ids={d},{c}">Compare (2)' in html
    )
    assert f"/cars/{c}" in visitor.get("/compare").get_data(as_text=True)


def test_comparison_follows_the_account_and_holds_four(demo):
    user_id = make_user(demo, "fan@example.com")
    ids = listed_ids(demo, 5)
    phone = demo.test_client()
    login(phone, "fan@example.com")
    for car_id in ids[:4]:
        assert post(phone, f"/compare/{car_id}", page="/").status_code == 303
    full = post(phone, f"/compare/{ids[4]}", page="/", follow_redirects=True)
    assert b"up to 4 cars" in full.data
    laptop = demo.test_client()
    login(laptop, "fan@example.com")
    page = laptop.get("/compare").get_data(as_text=True)
    assert page.count('<th scope="col"><a href="/cars/') == 4
    post(laptop, f"/compare/{ids[0]}", {"action": "remove"}, page="/")
    rows = sql(demo, "SELECT car_id FROM compared_cars WHERE user_id = %s ORDER BY added_at", user_id)
    assert [x for (x,) in rows] == ids[1:4]
    assert post(laptop, "/compare/999999", page="/").status_code == 404


def test_two_tabs_adding_at_once_never_compare_more_than_four(demo):
    user_id = make_user(demo, "fan@example.com")
    ids = listed_ids(demo, 10)
    first = demo.test_client()
    login(first, "fan@example.com")
    token = csrf(first, "/account")
    session = first.get_cookie(demo.config["SESSION_COOKIE_NAME"])
    clients = []
    for _ in ids:  # tabs of one browser: one session (logins of one account are throttled)
        client = demo.test_client()
        client.set_cookie(session.key, session.value)
        clients.append((client, token))
    barrier = threading.Barrier(len(ids))
    statuses = []

    def add(client, token, car_id):
        barrier.wait()
        statuses.append(client.post(f"/compare/{car_id}", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=add, args=(*pair, car_id)) for pair, car_id in zip(clients, ids, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [303] * len(ids)
    # the unique slot lets exactly four in; a request that lost a slot to another tries the next free one
    (count,) = sql(demo, "SELECT count(*) FROM compared_cars WHERE user_id = %s", user_id)[0]
    assert count == 4


# -- "Save" as a visitor: saved after login, no second click --------------------------------------------------------


def test_visitor_save_is_done_after_login_and_returns_to_the_results(demo):
    user_id = make_user(demo, "fan@example.com")
    visitor = demo.test_client()
    results = "/cars?make=BMW"
    html = visitor.get(results).get_data(as_text=True)
    car_id = int(re.search(r'id="car-(\d+)"', html).group(1))
    back = f"{results}#car-{car_id}"
    # the ♡ is a link (the results page starts no session); the login it leads to names the car to save
    link = re.search(r'<a class="card-save" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == f"/login?next=/cars?make%3DBMW%23car-{car_id}&save={car_id}"
    assert sql(demo, "SELECT count(*) FROM favorites")[0][0] == 0
    done = post(visitor, link, {"email": "fan@example.com", "password": PASSWORD}, page=link)
    assert done.status_code == 303 and done.headers["Location"] == back
    assert sql(demo, "SELECT car_id FROM favorites WHERE user_id = %s", user_id) == [(car_id,)]
    assert b"Saved to your favourites." in visitor.get(results).data
    # once done the intent is gone: the next login saves nothing again
    sql(demo, "DELETE FROM favorites")
    post(visitor, "/logout", page="/")
    login(visitor, "fan@example.com")
    assert sql(demo, "SELECT count(*) FROM favorites")[0][0] == 0


def test_visitor_save_refuses_outside_next_and_unknown_cars(demo):
    visitor = demo.test_client()
    car_id = listed_ids(demo, 1)[0]
    # the form a page shows a logged-in person, posted once their session is gone
    asked = post(visitor, f"/cars/{car_id}/favorite", {"next": "//evil.example/x"}, page="/login")
    assert asked.headers["Location"] == f"/login?next=/cars/{car_id}"
    assert post(visitor, "/cars/999999/favorite", page="/login").status_code == 404
    assert visitor.post(f"/cars/{car_id}/favorite").status_code == 400  # no CSRF token, no intent
