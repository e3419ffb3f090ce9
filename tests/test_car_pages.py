"""The car page, favourites, comparing, recently viewed and batched view counts."""

from __future__ import annotations

import json
import re

from carsite.db import Database

from .helpers import login, make_car, make_user, post, sql


def listed_ids(app, n: int) -> list[int]:
    return [r[0] for r in sql(app, "SELECT id FROM cars WHERE status = 'available' ORDER BY id LIMIT %s", n)]


def page_of(client, car_id: int):
    location = client.get(f"/cars/{car_id}").headers["Location"]
    return client.get(location)


def test_car_page_has_json_ld_open_graph_and_at_most_four_queries(demo):
    make_user(demo, "reader@example.com")
    client = demo.test_client()
    login(client, "reader@example.com")
    car_id = listed_ids(demo, 1)[0]
    location = client.get(f"/cars/{car_id}").headers["Location"]
    with Database.record() as names:
        response = client.get(location)
    assert response.status_code == 200
    assert len(names) <= 4, names
    html = response.get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Car" and data["offers"]["@type"] == "Offer"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["offers"]["priceCurrency"] == "EUR"
    assert (
        '<meta property="og:title"' in html and f'<meta property="og:url" content="http://localhost{location}">' in html
    )
    assert "Price history" in html


def test_sold_car_says_so_in_json_ld_and_on_the_page(demo):
    car_id = listed_ids(demo, 1)[0]
    sql(demo, "UPDATE cars SET status = 'sold' WHERE id = %s", car_id)
    html = page_of(demo.test_client(), car_id).get_data(as_text=True)
    assert "no longer for sale (sold)" in html
    assert '"availability": "https://schema.org/SoldOut"' in html


def test_json_ld_cannot_be_broken_out_of(make_app):
    app = make_app()
    seller = make_user(app, "s@example.com", role="seller")
    make_car(app, seller, status="available", title="</script><script>alert(1)</script>")
    html = page_of(app.test_client(), 1).get_data(as_text=True)
    assert "</script><script>alert(1)" not in html
    # the JSON-LD block is the only inline one: data, not code (CSP allows no inline script); code comes from site.js
    assert html.count("<script") - html.count('<script src="/static/') == 1


def test_price_changes_are_recorded_and_shown(demo):
    car_id = listed_ids(demo, 1)[0]
    (old,) = sql(demo, "SELECT price FROM cars WHERE id = %s", car_id)[0]
    sql(demo, "UPDATE cars SET price = price - 500 WHERE id = %s", car_id)
    sql(demo, "UPDATE cars SET colour = 'green' WHERE id = %s", car_id)  # not a price change
    history = sql(demo, "SELECT price FROM car_price_history WHERE car_id = %s ORDER BY id", car_id)
    assert [p for (p,) in history] == [old, old - 500]
    assert "Price reduced from" in page_of(demo.test_client(), car_id).get_data(as_text=True)


def test_similar_cars_are_other_listed_cars(demo):
    car_id = listed_ids(demo, 1)[0]
    html = page_of(demo.test_client(), car_id).get_data(as_text=True)
    similar = html.split("Similar cars", 1)[1] if "Similar cars" in html else ""
    ids = [int(i) for i in re.findall(r'href="/cars/(\d+)"', similar)]
    assert ids and car_id not in ids and len(ids) <= 4


def test_favorites_with_plain_forms(demo):
    make_user(demo, "fan@example.com")
    client = demo.test_client()
    login(client, "fan@example.com")
    first, second = listed_ids(demo, 2)
    page = page_of(client, first)
    assert b"Save</button>" in page.data
    assert post(client, f"/cars/{first}/favorite", page="/account").status_code == 303
    assert post(client, f"/cars/{first}/favorite", page="/account").status_code == 303  # twice is harmless
    post(client, f"/cars/{second}/favorite", page="/account")
    assert b"Saved</button>" in page_of(client, first).data
    listing = client.get("/favorites").get_data(as_text=True)
    assert listing.index(f'href="/cars/{second}"') < listing.index(f'href="/cars/{first}"')
    sql(demo, "UPDATE cars SET status = 'sold' WHERE id = %s", second)
    assert "Sold" in client.get("/favorites").get_data(as_text=True)
    post(client, f"/cars/{first}/favorite", {"action": "remove"}, page="/account")
    assert f'href="/cars/{first}"' not in client.get("/favorites").get_data(as_text=True)
    assert sql(demo, "SELECT count(*) FROM favorites")[0][0] == 1


def test_favorites_need_login_and_a_visible_car(demo):
    visitor = demo.test_client()
    car_id = listed_ids(demo, 1)[0]
    assert b"Log in to save" in page_of(visitor, car_id).data  # the button says what happens for a visitor
    asked = post(visitor, f"/cars/{car_id}/favorite")
    assert asked.status_code == 303 and asked.headers["Location"].startswith("/login?next=")
    assert sql(demo, "SELECT count(*) FROM favorites")[0][0] == 0  # saved only once logged in
    make_user(demo, "fan@example.com")
    login(visitor, "fan@example.com")
    assert post(visitor, "/cars/999999/favorite", page="/account").status_code == 404
    sql(demo, "UPDATE cars SET status = 'draft' WHERE id = %s", car_id)
    assert post(visitor, f"/cars/{car_id}/favorite", page="/account").status_code == 404


def compare_rows(html: str) -> dict[str, list[str]]:
    """The comparison table by row label: each car's cell as shown."""
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', html)
    return {label: re.findall(r"<td>(.*?)</td>", cells) for label, cells in rows}


def test_compare_two_to_four_cars_with_differences_only(demo):
    client = demo.test_client()
    ids = listed_ids(demo, 5)
    for car_id in ids[:4]:
        post(client, f"/compare/{car_id}", page="/forgot")
    full = post(client, f"/compare/{ids[4]}", page="/forgot", follow_redirects=True)
    assert b"up to 4 cars" in full.data
    page = client.get("/compare?ids=" + ",".join(map(str, ids[:3]))).get_data(as_text=True)
    assert page.count('<th scope="col"><a href="/cars/') == 3
    rows_all = compare_rows(page)
    assert rows_all and all(len(cells) == 3 for cells in rows_all.values())
    same = {label for label, cells in rows_all.items() if len(set(cells)) == 1}
    differ = rows_all.keys() - same
    assert "Status" in same and "Price" in differ  # all three are listed; their prices differ
    only_diff = client.get("/compare?diff=1&ids=" + ",".join(map(str, ids[:3]))).get_data(as_text=True)
    assert compare_rows(only_diff).keys() == differ
    assert "Show everything" in only_diff
    for bad in ("abc", "1,2,3,4,5", "0,1"):
        assert client.get(f"/compare?ids={bad}").status_code == 400


def test_recently_viewed_cars_appear_on_the_home_page(demo):
    client = demo.test_client()
    ids = listed_ids(demo, 3)
    for car_id in ids:
        page_of(client, car_id)
    home = client.get("/").get_data(as_text=True)
    recent = home.split("Recently viewed", 1)[1].split("</section>", 1)[0]
    assert [int(i) for i in re.findall(r'href="/cars/(\d+)"', recent)] == list(reversed(ids))


def test_views_are_counted_in_batches_not_per_request(demo):
    client = demo.test_client()
    car_id = listed_ids(demo, 1)[0]
    with Database.record() as names:
        for _ in range(3):
            page_of(client, car_id)
    assert "cars.add_views" not in names  # no write on the page's path
    assert sql(demo, "SELECT view_count FROM cars WHERE id = %s", car_id)[0][0] == 0
    assert demo.extensions["carsite.views"].flush() == 1
    assert sql(demo, "SELECT view_count FROM cars WHERE id = %s", car_id)[0][0] == 3


def test_robots_and_sitemaps(demo):
    client = demo.test_client()
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /account" in robots and f"Sitemap: {demo.config['BASE_URL']}/sitemap.xml" in robots
    index = client.get("/sitemap.xml")
    assert index.mimetype == "application/xml"
    files = re.findall(r"<loc>[^<]*(/sitemaps/cars-\d+\.xml)</loc>", index.get_data(as_text=True))
    assert files == ["/sitemaps/cars-0.xml"]
    sitemap = client.get(files[0]).get_data(as_text=True)
    listed = sql(demo, "SELECT count(*) FROM cars WHERE status = 'available' AND deleted_at IS NULL")[0][0]
    assert sitemap.count("<lastmod>") == listed
    assert re.search(r"<lastmod>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</lastmod>", sitemap)
    assert client.get("/sitemaps/cars-99.xml").status_code == 404


def test_save_from_the_results_with_one_click_and_back_to_the_same_results(demo):
    make_user(demo, "fan@example.com")
    visitor = demo.test_client()
    results = "/cars?make=BMW&sort=price_asc"
    html = visitor.get(results).get_data(as_text=True)
    first = int(re.search(r'<li class="card" id="car-(\d+)"', html).group(1))
    # a visitor's ♡ is a link to log in that names the car (a page with a form would start a session)
    assert f'href="/login?next=/cars?make%3DBMW%26sort%3Dprice_asc%23car-{first}&amp;save={first}"' in html
    login(visitor, "fan@example.com")
    html = visitor.get(results).get_data(as_text=True)
    assert f'action="/cars/{first}/favorite"' in html and 'aria-pressed="true"' not in html
    saved = post(visitor, f"/cars/{first}/favorite", {"next": f"{results}#car-{first}"}, page=results)
    assert saved.status_code == 303 and saved.headers["Location"] == f"{results}#car-{first}"
    html = visitor.get(results).get_data(as_text=True)
    card = html[html.index(f'id="car-{first}"') :].split("</li>")[0]
    assert 'aria-pressed="true"' in card and 'name="action" value="remove"' in card
    assert html.count('aria-pressed="true"') == 1  # only the saved car shows as saved
    assert sql(demo, "SELECT car_id FROM favorites")[0][0] == first
    post(visitor, f"/cars/{first}/favorite", {"action": "remove", "next": results}, page=results)
    assert 'aria-pressed="true"' not in visitor.get(results).get_data(as_text=True)


def card_of(html: str, car_id) -> str:
    """The result card of one car (from its favourite form to the end of the card)."""
    return html[html.index(f'action="/cars/{car_id}/favorite"') :].split("</li>")[0]


def test_home_and_similar_cars_show_what_the_user_saved(demo):
    make_user(demo, "fan@example.com")
    client = demo.test_client()
    login(client, "fan@example.com")
    newest = re.search(r'action="/cars/(\d+)/favorite"', client.get("/").get_data(as_text=True)).group(1)
    post(client, f"/cars/{newest}/favorite", {"next": "/"}, page="/")
    assert 'aria-pressed="true"' in card_of(client.get("/").get_data(as_text=True), newest)
    car_id = listed_ids(demo, 1)[0]
    similar = re.findall(
        r'action="/cars/(\d+)/favorite" class="card-save"', page_of(client, car_id).get_data(as_text=True)
    )
    assert similar
    assert 'aria-pressed="false"' in card_of(page_of(client, car_id).get_data(as_text=True), similar[0])
    post(client, f"/cars/{similar[0]}/favorite", page="/")
    assert 'aria-pressed="true"' in card_of(page_of(client, car_id).get_data(as_text=True), similar[0])


def test_the_redirect_to_the_canonical_address_keeps_the_query_string(app):
    """A campaign link without the slug (/cars/5?utm_source=…) lands on the car with its utm_* values, which the
    contact form keeps with the inquiry."""
    seller = make_user(app, "sam@example.com", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2")
    client = app.test_client()
    moved = client.get(f"/cars/{car}?utm_source=newsletter&utm_campaign=spring")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/cars/{car}/fiat-panda-1-2?utm_source=newsletter&utm_campaign=spring"
    assert client.get(f"/cars/{car}/old-title").headers["Location"] == f"/cars/{car}/fiat-panda-1-2"
    html = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert f'href="/cars/{car}/contact?utm_source=newsletter&amp;utm_campaign=spring"' in html
