"""Market price ratings: the set-based refresh statement against hand-computed medians, and where the badge shows."""

from __future__ import annotations

import random
import re
import statistics
from decimal import Decimal

from carsite import db
from carsite.cars import pricing
from carsite.db import Database
from carsite.domain.actor import Actor
from carsite.selling import workflow

from .helpers import login, make_car, make_user, post, sql
from .test_selling import VALID, create

GOLF = {"make": "Volkswagen", "model": "Golf", "title": "Volkswagen Golf"}


def ratings(app) -> dict[int, tuple]:
    rows = sql(app, "SELECT car_id, rating, median, difference, comparables, price FROM car_price_ratings")
    return {r[0]: r[1:] for r in rows}


def golf(app, seller_id: int, price: int, year: int = 2019, km: int = 30_000, **overrides) -> int:
    return make_car(app, seller_id, status="available", price=price, year=year, mileage_km=km, **{**GOLF, **overrides})


def refresh_all(app) -> int:
    with app.app_context():
        return pricing.refresh_all()


def test_ratings_match_hand_computed_medians(app):
    """Golfs in the 20,000-49,999 km band; the others of each car are listed in its comment, sorted."""
    seller = make_user(app, "s@example.com", role="seller")
    target = golf(app, seller, 9_000)  # others: 10 11 12 13 14 15 16 (k€) -> median 13,000
    at_12k = golf(app, seller, 12_000)  # others: 9 10 11 13 14 15 16 -> median 13,000
    at_13k = golf(app, seller, 13_000)  # others: 9 10 11 12 14 15 16 -> median 12,000
    for price in (10_000, 11_000, 14_000, 15_000):
        golf(app, seller, price)
    older = golf(app, seller, 16_000, year=2018)  # others: 1 9 10 11 12 13 14 15 -> median 11,500
    golf(app, seller, 1_000, year=2017)  # two years from the 2019 cars: only the 2018 one counts it
    golf(app, seller, 2_000, km=60_000)  # another mileage band
    golf(app, seller, 3_000, km=19_999)  # the band below (0-19,999 km)
    sold = golf(app, seller, 4_000)
    deleted = golf(app, seller, 4_500)
    make_car(app, seller, status="pending", price=5_000, year=2019, mileage_km=30_000, **GOLF)  # not public
    make_car(app, seller, status="available", price=5_500, year=2019, mileage_km=30_000,
             make="Volkswagen", model="Passat", title="Passat")  # another model  # fmt: skip
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", sold)
    sql(app, "UPDATE cars SET deleted_at = now() WHERE id = %s", deleted)

    refresh_all(app)
    found = ratings(app)
    assert found[target][:4] == ("great", Decimal("13000.00"), Decimal("-4000.00"), 7)
    assert found[at_12k][:4] == ("good", Decimal("13000.00"), Decimal("-1000.00"), 7)
    assert found[at_13k][:4] == ("fair", Decimal("12000.00"), Decimal("1000.00"), 7)
    assert found[older][:4] == ("high", Decimal("11500.00"), Decimal("4500.00"), 8)
    assert sold not in found and deleted not in found
    assert len(found) == 15 - 3  # every listed car has a row (the sold, deleted and pending ones none)


def test_too_few_comparables_give_a_row_without_a_verdict(app):
    seller = make_user(app, "s@example.com", role="seller")
    ids = [golf(app, seller, p) for p in (10_000, 11_000, 12_000, 13_000, 14_000)]  # 4 others each
    refresh_all(app)
    assert {found[0] for found in ratings(app).values()} == {None}
    assert ratings(app)[ids[0]][3] == 4
    ids.append(golf(app, seller, 15_000))  # now 5 others each: enough
    refresh_all(app)
    assert ratings(app)[ids[0]][0] == "great"  # 10,000 against a median of 13,000


def test_a_changed_price_shows_no_stale_verdict_until_the_refresh(app):
    seller = make_user(app, "s@example.com", role="seller")
    ids = [golf(app, seller, p) for p in (10_000, 11_000, 12_000, 13_000, 14_000, 15_000)]
    refresh_all(app)
    cheap = ids[0]
    with app.app_context():
        assert db.one("cars.car_by_id", car_id=cheap)["price_rating"] == "great"
    sql(app, "UPDATE cars SET price = 30000 WHERE id = %s", cheap)  # as a DBA, bypassing every refresh
    with app.app_context():
        row = db.one("cars.car_by_id", car_id=cheap)
        assert row["price_rating"] is None and row["price_median"] is None
        assert db.one("cars.car_page", car_id=cheap, user_id=None)["price_rating"] is None
    assert ratings(app)[cheap][4] == Decimal("10000.00")  # the old figures stay stored, naming their price
    refresh_all(app)
    with app.app_context():
        assert db.one("cars.car_by_id", car_id=cheap)["price_rating"] == "high"  # 30,000 against 13,000


def test_a_refresh_of_one_model_touches_only_that_model(app):
    seller = make_user(app, "s@example.com", role="seller")
    golfs = [golf(app, seller, p) for p in (10_000, 11_000, 12_000, 13_000, 14_000, 15_000)]
    polos = [golf(app, seller, p, model="Polo") for p in (5_000, 6_000, 7_000, 8_000, 9_000, 10_000)]
    with app.app_context():
        assert pricing.refresh("Volkswagen", "Polo") == 6
    assert set(ratings(app)) == set(polos)
    sql(app, "UPDATE cars SET status = 'withdrawn' WHERE id = %s", polos[0])
    with app.app_context():
        assert pricing.refresh("Volkswagen", "Golf") == 6
        assert polos[0] in ratings(app)  # another model's rows wait for their own refresh
        assert pricing.refresh("Volkswagen", "Polo") == 6  # one row removed, five with new medians
        assert pricing.refresh("Volkswagen", "Polo") == 0  # nothing changed: nothing written
    assert polos[0] not in ratings(app) and set(golfs) <= set(ratings(app))


def test_ratings_agree_with_medians_computed_in_python(app):
    """Random cars of two models over a few years and every mileage band, checked one by one."""
    rng = random.Random(10)
    seller = make_user(app, "s@example.com", role="seller")
    cars = []
    for _ in range(120):
        model = rng.choice(["Golf", "Polo"])
        year, km, price = rng.randint(2015, 2019), rng.randint(0, 260_000), rng.randrange(3_000, 30_000, 50)
        cars.append((golf(app, seller, price, year=year, km=km, model=model), model, year, km, Decimal(price)))
    refresh_all(app)
    found = ratings(app)
    band = pricing.mileage_band
    for car_id, model, year, km, price in cars:
        others = [
            p for i, m, y, k, p in cars if i != car_id and m == model and abs(y - year) <= 1 and band(k) == band(km)
        ]
        rating, median, difference, comparables, rated_price = found[car_id]
        assert comparables == len(others) and rated_price == price
        if not others:
            assert median is None and rating is None
            continue
        expected = Decimal(statistics.median(others)).quantize(Decimal("0.01"))
        assert median == expected and difference == price - expected
        if len(others) < pricing.MIN_COMPARABLES:
            assert rating is None
        elif price <= expected * (1 - pricing.GREAT_BELOW):
            assert rating == "great"
        elif price <= expected * (1 - pricing.GOOD_BELOW):
            assert rating == "good"
        elif price <= expected * (1 + pricing.FAIR_ABOVE):
            assert rating == "fair"
        else:
            assert rating == "high"


def test_mileage_bands():
    assert pricing.mileage_band(0) == (0, 19_999)
    assert pricing.mileage_band(19_999) == (0, 19_999)
    assert pricing.mileage_band(20_000) == (20_000, 49_999)
    assert pricing.mileage_band(199_999) == (150_000, 199_999)
    assert pricing.mileage_band(200_000) == (200_000, None)


def seven_golfs(app, seller_id: int) -> tuple[int, list[int]]:
    """A great-price Golf (9,000 against a median of 13,000) among six others, all rated."""
    target = golf(app, seller_id, 9_000, title="Golf bargain")
    others = [golf(app, seller_id, p) for p in (10_000, 11_000, 12_000, 13_000, 14_000, 15_000, 16_000)]
    refresh_all(app)
    return target, others


def car_page(client, car_id: int) -> str:
    response = client.get(f"/cars/{car_id}", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def badge(html: str, car_id: int) -> str | None:
    """The rating words on the result card of ``car_id``."""
    card = re.search(rf'<li class="card"[^>]*>\s*<a class="card-link" href="/cars/{car_id}">(.*?)</li>', html, re.S)
    assert card, f"no card for car {car_id}"
    found = re.search(r'<p class="price-rating price-rating-(\w+)">(.*?)</p>', card.group(1), re.S)
    return found and re.sub(r"<[^>]+>", "", found.group(2)).strip()


def test_cards_show_the_rating_in_words(app):
    seller = make_user(app, "s@example.com", role="seller")
    target, others = seven_golfs(app, seller)
    html = app.test_client().get("/cars?make=Volkswagen").get_data(as_text=True)
    assert badge(html, target) == "Market price rating: Great price"
    assert badge(html, others[-1]) == "Market price rating: High price"  # 16,000 against 12,000
    assert '<span class="visually-hidden">Market price rating: </span>Great price' in html
    home = app.test_client().get("/").get_data(as_text=True)
    assert badge(home, target) == "Market price rating: Great price"
    similar = car_page(app.test_client(), others[0]).split("<h2>Similar cars</h2>", 1)[1]
    assert badge(similar, others[-1]) == "Market price rating: High price"
    make_user(app, "fan@example.com")
    fan = app.test_client()
    login(fan, "fan@example.com")
    post(fan, f"/cars/{target}/favorite", page="/")
    saved = fan.get("/favorites").get_data(as_text=True)
    assert '<span class="visually-hidden">Market price rating: </span>Great price' in saved


def test_car_page_explains_the_rating_within_four_queries(app):
    seller = make_user(app, "s@example.com", role="seller")
    target, _others = seven_golfs(app, seller)
    client = app.test_client()
    location = client.get(f"/cars/{target}").headers["Location"]
    with Database.record() as names:
        html = client.get(location).get_data(as_text=True)
    assert len(names) <= 4, names
    verdict = html.split('<section class="price-verdict"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", "", verdict))
    assert "Great price" in text
    assert "€\u202f4,000 below the median of 7 similar cars (€\u202f13,000)." in text
    assert "the other Volkswagen Golf cars for sale here, built 2018–2020, with 20,000–49,999 km" in text
    assert "“Great price” means at least 10% below the median of similar cars." in text


def test_a_car_without_enough_comparables_says_so_and_has_no_badge(app):
    seller = make_user(app, "s@example.com", role="seller")
    ids = [golf(app, seller, p) for p in (10_000, 11_000, 12_000)]
    refresh_all(app)
    html = car_page(app.test_client(), ids[0])
    assert "Only 2 similar cars for sale: too few to rate this price." in html
    assert "price-rating-" not in html
    alone = golf(app, seller, 9_000, year=2005)  # no other Golf of its years: nothing to compare with
    refresh_all(app)
    html = car_page(app.test_client(), alone)
    assert "No similar cars for sale here yet: nothing to rate this price against." in html and "Only 0" not in html


def test_a_changed_price_drops_the_badge_from_cards_page_and_api(app):
    seller = make_user(app, "s@example.com", role="seller")
    target, _others = seven_golfs(app, seller)
    client = app.test_client()
    assert client.get(f"/api/v1/cars/{target}").json["price_rating"] == {
        "rating": "great",
        "median": 13000.0,
        "difference": -4000.0,
        "comparables": 7,
    }
    sql(app, "UPDATE cars SET price = 13500 WHERE id = %s", target)  # no refresh: the stored rating is stale
    assert "price-rating-" not in car_page(client, target).split("<h2>Similar cars</h2>", 1)[0]
    assert badge(client.get("/cars?make=Volkswagen").get_data(as_text=True), target) is None
    assert client.get(f"/api/v1/cars/{target}").json["price_rating"] is None
    items = {c["id"]: c for c in client.get("/api/v1/cars?make=Volkswagen").json["items"]}
    assert items[target]["price_rating"] is None and items[_others[0]]["price_rating"]["rating"] == "great"


def test_a_sold_car_shows_no_rating(app):
    seller = make_user(app, "s@example.com", role="seller")
    target, _others = seven_golfs(app, seller)
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", target)
    html = car_page(app.test_client(), target)
    assert "no longer for sale" in html and "price-verdict" not in html.split("<h2>Similar cars</h2>", 1)[0]


def test_approving_a_listing_rates_it_and_its_model(app):
    seller = make_user(app, "s@example.com", role="seller")
    _target, others = seven_golfs(app, seller)
    new = make_car(app, seller, status="pending", price=30_000, year=2019, mileage_km=30_000, **GOLF)
    with app.app_context():
        workflow.decide(new, "approve", None, actor=Actor.system())
    found = ratings(app)
    assert found[new][0] == "high" and found[new][3] == 8
    assert found[others[0]][3] == 8  # its comparables counted the new car at once


def test_a_sellers_price_change_is_rated_at_once(app, seller):
    seller_id = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    target, others = seven_golfs(app, seller_id)
    data = {**VALID, "year": "2019", "mileage_km": "30000", "title": "Golf bargain"}
    response = post(seller, f"/sell/{target}", {**data, "price": "12500"}, page=f"/sell/{target}")  # within 20 %
    assert response.status_code == 303
    assert ratings(app)[target][:4] == ("good", Decimal("13000.00"), Decimal("-500.00"), 7)
    assert ratings(app)[others[3]][1] == Decimal("12500.00")  # the 13,000 Golf's others now include 12,500


def test_a_price_far_below_comparable_cars_is_asked_about_before_saving(app, seller):
    seller_id = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    seven_golfs(app, seller_id)  # 2019 Golfs asking 9,000 to 16,000: median 12,500
    before = sql(app, "SELECT count(*) FROM cars")[0][0]
    response = post(seller, "/sell/new", {**VALID, "price": "1890"}, page="/sell/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and sql(app, "SELECT count(*) FROM cars")[0][0] == before
    assert "€\u202f1,890 for a 2019 Volkswagen Golf — did you mean €\u202f18,900?" in html
    assert "8 Volkswagen Golf cars for sale here, built 2018–2020, ask €\u202f12,500 (the median)." in html
    assert 'value="1890"' in html  # what the seller typed
    assert 'name="confirm_price" value="1890"' in html
    confirmed = post(seller, "/sell/new", {**VALID, "price": "1890", "confirm_price": "1890"}, page="/sell/new")
    assert confirmed.status_code == 303
    assert sql(app, "SELECT price FROM cars ORDER BY id DESC LIMIT 1")[0][0] == Decimal("1890.00")


def test_a_cents_price_that_reads_like_thousands_is_asked_about_by_the_field_itself(app, seller):
    """'18.90' never reaches the comparison: the price field asks first (it reads like 18,900 typed with cents)."""
    seller_id = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    seven_golfs(app, seller_id)
    before = sql(app, "SELECT count(*) FROM cars")[0][0]
    response = post(seller, "/sell/new", {**VALID, "price": "18.90"}, page="/sell/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and sql(app, "SELECT count(*) FROM cars")[0][0] == before
    assert 'id="price-error"' in html and "Did you mean €\u202f18,900?" in html


def test_confirming_one_price_does_not_let_another_through(app, seller):
    seller_id = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    seven_golfs(app, seller_id)
    response = post(seller, "/sell/new", {**VALID, "price": "450", "confirm_price": "18.9"}, page="/sell/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "€\u202f450 for a 2019 Volkswagen Golf — did you mean €\u202f4,500?" not in html  # 4,500 is too far off
    assert "€\u202f450 for a 2019 Volkswagen Golf is far below similar cars." in html


def test_an_edit_asks_only_when_the_price_changes(app, seller):
    seller_id = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    seven_golfs(app, seller_id)
    car_id = create(seller, price="1750", confirm_price="1750")  # 1,750 against 12,500: asked, confirmed
    edited = post(seller, f"/sell/{car_id}", {**VALID, "price": "1750", "city": "Halle"}, page=f"/sell/{car_id}")
    assert edited.status_code == 303  # the price did not change: no question again
    asked = post(seller, f"/sell/{car_id}", {**VALID, "price": "1745"}, page=f"/sell/{car_id}")
    assert asked.status_code == 200 and "did you mean €\u202f17,450?" in asked.get_data(as_text=True)
    fine = post(seller, f"/sell/{car_id}", {**VALID, "price": "17450"}, page=f"/sell/{car_id}")
    assert fine.status_code == 303


def test_no_question_without_enough_comparable_cars(app, seller):
    response = post(seller, "/sell/new", {**VALID, "price": "190"}, page="/sell/new")
    assert response.status_code == 303


def test_rate_prices_command_rates_every_listed_car(app):
    seller = make_user(app, "s@example.com", role="seller")
    target, _others = seven_golfs(app, seller)
    sql(app, "DELETE FROM car_price_ratings")
    result = app.test_cli_runner().invoke(args=["cars", "rate-prices"])
    assert result.exit_code == 0, result.output
    assert re.match(r"price ratings: 8 row\(s\) changed in \d+\.\d s", result.output)
    assert ratings(app)[target][0] == "great"
    again = app.test_cli_runner().invoke(args=["cars", "rate-prices"])
    assert again.output.startswith("price ratings: 0 row(s) changed")
