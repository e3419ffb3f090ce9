"""Market price ratings: the set-based refresh statement against hand-computed medians, and where the badge shows."""

from __future__ import annotations

import random
import re
import statistics
from decimal import Decimal

from carsite import db
from carsite.cars import pricing
from carsite.db import Database

from .helpers import make_car, make_user, sql

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
