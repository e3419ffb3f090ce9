"""What a process keeps under the data versions (carsite.domain.kept): counts by make and facet counts served without
a query until a listing changes, however it changes (a plain SQL UPDATE, another process), in every app over the
database, and safe across threads."""

from __future__ import annotations

import re
import threading

from carsite.db import Database
from carsite.domain.kept import Kept

from .helpers import make_car, make_user, sql


def make_counts(html: str) -> dict[str, int]:
    """The make options of the search form's facet panel with their counts."""
    return {m: int(n) for m, n in re.findall(r'<option value="([^"]+)"[^>]*>\1 \((\d+)\)</option>', html)}


def home_makes(html: str) -> list[str]:
    return re.findall(r'href="/cars\?make=([^"]+)"', html)


def test_kept_counts_are_served_without_a_query_until_a_listing_changes(make_app):
    first, second = make_app(), make_app()  # two processes' worth of apps over one database
    seller = make_user(first, "s@example.com", role="seller")
    car = make_car(first, seller, status="available", make="Volvo", model="XC60")
    for app in (first, second):
        assert make_counts(app.test_client().get("/cars").get_data(as_text=True)) == {"Volvo": 1}
        with Database.record() as names:
            page = app.test_client().get("/cars").get_data(as_text=True)
        assert "search.facets_from_counts" not in names and make_counts(page) == {"Volvo": 1}
        assert home_makes(app.test_client().get("/").get_data(as_text=True)) == ["Volvo"]

    sql(first, "UPDATE cars SET make_id = (SELECT id FROM makes WHERE name = 'Fiat'),"
               " model_id = (SELECT id FROM models WHERE name = 'Panda') WHERE id = %s", car)  # fmt: skip
    for app in (first, second):
        with Database.record() as names:
            page = app.test_client().get("/cars").get_data(as_text=True)
        assert "search.facets_from_counts" in names and make_counts(page) == {"Fiat": 1}
        with Database.record() as names:
            home = app.test_client().get("/").get_data(as_text=True)
        assert "cars.makes_with_counts" in names and home_makes(home) == ["Fiat"]

    sql(first, "UPDATE cars SET view_count = view_count + 1 WHERE id = %s", car)  # changes no count
    with Database.record() as names:
        first.test_client().get("/cars")
    assert "search.facets_from_counts" not in names


def test_facets_are_kept_per_search(app):
    seller = make_user(app, "s@example.com", role="seller")
    make_car(app, seller, status="available", make="Volvo", model="XC60", fuel="diesel")
    client = app.test_client()
    for path in ("/cars?fuel=diesel", "/cars?fuel=petrol", "/cars?q=volvo", "/cars?make=Volvo&year_min=2000"):
        client.get(path)
        with Database.record() as names:
            assert client.get(path).status_code == 200
        assert not [n for n in names if n.startswith("search.facets")], (path, names)


def test_a_value_is_kept_per_version_and_bounded():
    kept = Kept(size=2)
    assert kept.get(1, "a", lambda: "one") == "one"
    assert kept.get(1, "a", lambda: "other") == "one"
    assert kept.get(2, "a", lambda: "two") == "two"  # another version: computed afresh
    kept.get(2, "b", lambda: "b")
    assert kept.get(1, "a", lambda: "again") == "again"  # the oldest went out


def test_threads_asking_at_once_all_get_the_value():
    kept, barrier, results = Kept(size=4), threading.Barrier(8), []

    def ask() -> None:
        barrier.wait()
        results.append(kept.get(7, "k", lambda: [1, 2, 3]))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[1, 2, 3]] * 8
