"""Data versions (migrations/0029): bumped in the transaction of every change to public data, and only then."""

from __future__ import annotations

import psycopg
import pytest

from carsite.db import Database
from carsite.domain import versions

from .helpers import make_car, make_user, sql


def version(app, name: str = "listings") -> int:
    return sql(app, "SELECT version FROM data_versions WHERE name = %s", name)[0][0]


def test_each_change_to_a_listing_bumps_the_listings_version_once(app):
    seller = make_user(app, "s@example.com", role="seller")
    start = version(app)
    car = make_car(app, seller)  # one insert
    assert version(app) == start + 1
    sql(app, "UPDATE cars SET price = price + 1 WHERE id = %s", car)
    assert version(app) == start + 2
    sql(app, "UPDATE cars SET view_count = view_count + 5 WHERE id = %s", car)  # views change no page's data
    assert version(app) == start + 2
    sql(app, "UPDATE cars SET price = price WHERE id = %s", car)  # no column changed
    assert version(app) == start + 2
    sql(app, "UPDATE cars SET price = price + 1 WHERE id = -1")  # no row
    assert version(app) == start + 2
    sql(
        app,
        "INSERT INTO car_photos (car_id, file, position, width, height) VALUES (%s, %s, 0, 800, 600)",
        car,
        "a" * 32,
    )
    assert version(app) == start + 3
    sql(app, "INSERT INTO car_price_ratings (car_id, price, comparables) VALUES (%s, 1, 0)", car)
    assert version(app) == start + 4
    sql(app, "DELETE FROM car_photos WHERE car_id = %s", car)
    sql(app, "DELETE FROM cars WHERE id = %s", car)
    assert version(app) == start + 7  # the photo, the cascaded rating, the car
    assert version(app, "catalogue") == 1


def test_the_catalogue_version_follows_makes_models_and_aliases(app):
    start = version(app, "catalogue")
    sql(app, "INSERT INTO makes (name) VALUES ('Zastava')")
    sql(app, "UPDATE makes SET name = 'Zastava Yugo' WHERE name = 'Zastava'")
    assert version(app, "catalogue") == start + 2


def test_a_rolled_back_change_bumps_nothing(app):
    seller = make_user(app, "s@example.com", role="seller")
    car = make_car(app, seller, status="available")
    start = version(app)
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        conn.execute("UPDATE cars SET price = price + 1 WHERE id = %s", (car,))
        conn.rollback()
    assert version(app) == start


def test_a_request_reads_the_versions_at_most_once(app, client):
    with app.test_request_context("/"):
        app.preprocess_request()
        with Database.record() as names:
            first = versions.current()
            sql(app, "UPDATE data_versions SET version = version + 10")
            assert versions.current() == first  # the unit's own reading
        assert names == ["versions.current"]
    with app.app_context():  # outside a unit of work every call reads afresh
        assert versions.current().listings == first.listings + 10


@pytest.mark.parametrize("name", ["listings", "catalogue"])
def test_the_tag_changes_with_either_version(app, name):
    with app.app_context():
        before = versions.current().tag
        sql(app, "UPDATE data_versions SET version = version + 1 WHERE name = %s", name)
        assert versions.current().tag != before


def test_a_removed_version_row_comes_back_with_the_next_change(app):
    sql(app, "DELETE FROM data_versions")
    with app.app_context():
        assert versions.current().listings == 0
    seller = make_user(app, "s@example.com", role="seller")
    make_car(app, seller)
    assert version(app) > 1_700_000_000_000  # numbered by the clock: no process kept anything under it
