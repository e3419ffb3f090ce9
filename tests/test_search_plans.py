"""Every search shape runs on an index: no sequential scan over cars, checked on generated data (the benchmark
repeats this at a million cars, with timings)."""

from __future__ import annotations

import base64

import psycopg
import pytest
from werkzeug.datastructures import MultiDict

from bench.search_shapes import SHAPES
from carsite import db, seed
from carsite.cars.search import (
    Search,
    facet_query,
    interpret,
    next_cursor_after,
    page_query,
    parse,
    query_params,
)
from carsite.db import tools

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory, pg_server):
    name = pg_server.create_database("carsite_plans")
    url = pg_server.url_for(name)
    from carsite import create_app
    from carsite.db.migrate import Runner

    from .conftest import ROOT

    Runner(url, ROOT / "migrations").migrate()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "DB_POOL_MIN": 1})
    with app.app_context():
        seed.demo()
        seed.generate(40_000, batch=20_000)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    yield app
    app.extensions["carsite.db"].close()
    pg_server.drop_database(name)


def plan(app, query: str, params: dict) -> str:
    """The plan as text when it scans cars sequentially (for the failure message), else ''."""
    registry = app.extensions["carsite.db"].queries
    tree = tools.plan(app.config["DATABASE_URL"], registry[query], params)
    if tools.sequential_scans(tree, "cars"):
        return "Seq Scan on cars in:\n" + tools.explain(app.config["DATABASE_URL"], registry[query], params)
    return ""


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "&".join(f"{k}={v}" for k, v in s.items()) or "all")
def test_search_shapes_use_indexes(generated, shape):
    with generated.app_context():
        search = interpret(parse(MultiDict(shape)))
        text = plan(generated, *page_query(search))  # search.cars_unfiltered's one plan for the plain shapes
        assert "Seq Scan on cars" not in text, text
        facet_plan = plan(generated, *facet_query(search)[:2])
        assert "Seq Scan on cars" not in facet_plan, facet_plan


def live_nodes(node: dict) -> list[dict]:
    """Every node of a plan that can run: branches under a one-time filter proven false are left out (as
    tools.sequential_scans leaves them out)."""
    if tools._never_true(node.get("One-Time Filter")):
        return []
    return [node] + [n for child in node.get("Plans", []) for n in live_nodes(child)]


def reads_cars(node: dict) -> bool:
    return any(n.get("Relation Name") == "cars" for n in live_nodes(node))


# The index whose order each sort walks: a deep page starts inside it, at the cursor.
SORT_INDEXES = {
    "newest": "cars_listed_created_at_idx",
    "price_asc": "cars_listed_price_idx",
    "price_desc": "cars_listed_price_idx",
    "mileage_asc": "cars_listed_mileage_idx",
    "year_desc": "cars_listed_year_idx",
}


@pytest.mark.parametrize("sort", list(SORT_INDEXES))
def test_deep_pages_use_the_keyset_not_an_offset(generated, sort):
    client = generated.test_client()
    cursor = None
    for _ in range(3):
        page = client.get(
            "/api/v1/cars", query_string={"sort": sort, "limit": 100, **({"cursor": cursor} if cursor else {})}
        )
        cursor = page.json["next_cursor"]
    with generated.app_context():
        search = interpret(parse(MultiDict({"sort": sort, "cursor": cursor})))
        text = plan(generated, "search.cars", query_params(search))
        query = generated.extensions["carsite.db"].queries["search.cars"]
        tree = tools.plan(generated.config["DATABASE_URL"], query, query_params(search))
        full = tools.explain(generated.config["DATABASE_URL"], query, query_params(search))
    assert text == "", text
    nodes = live_nodes(tree)
    scans = [n for n in nodes if n.get("Index Name") == SORT_INDEXES[sort]]
    assert len(scans) == 1, full
    assert scans[0]["Node Type"] == "Index Only Scan", full  # the page's ids come from the index alone
    assert scans[0]["Index Cond"].startswith("(ROW("), full  # the cursor is where the scan starts, not a filter
    # No Sort over cars read from the table (the branches of other sorts read none), but the last one, which puts
    # the page's rows in the order their ids came in.
    sorts = [n for n in nodes if n["Node Type"] == "Sort" and any(reads_cars(c) for c in n["Plans"])]
    assert len(sorts) == 1 and sorts[0] is tree, full
    assert all("row_number()" in key for key in tree["Sort Key"]), full
    assert base64.urlsafe_b64decode(cursor + "==")[12:].decode().startswith(sort + "|")


@pytest.mark.parametrize("sort", list(SORT_INDEXES))
def test_deep_pages_without_filters_walk_the_sorts_index_from_the_cursor_on_one_plan(generated, sort):
    client = generated.test_client()
    cursor = None
    for _ in range(3):
        page = client.get(
            "/api/v1/cars", query_string={"sort": sort, "limit": 100, **({"cursor": cursor} if cursor else {})}
        )
        cursor = page.json["next_cursor"]
    with generated.app_context():
        name, params = page_query(interpret(parse(MultiDict({"sort": sort, "cursor": cursor}))))
        query = generated.extensions["carsite.db"].queries[name]
        tree = tools.plan(generated.config["DATABASE_URL"], query, params)
        full = tools.explain(generated.config["DATABASE_URL"], query, params)
    assert name == "search.cars_unfiltered"
    assert "$1" in full, full  # a generic plan: the values are parameters
    assert not tools.sequential_scans(tree, "cars"), full
    # Each sort's branch runs only for its sort (a one-time filter checked when the statement starts) and walks its
    # index from the keyset on; the page's rows are read by id in the order their ids came, with no Sort at all.
    branch = next(n for n in live_nodes(tree) if f"= '{sort}'::text)" in (n.get("One-Time Filter") or ""))
    (scan,) = [n for n in live_nodes(branch) if n.get("Relation Name") == "cars"]
    assert (scan["Node Type"], scan["Index Name"]) == ("Index Only Scan", SORT_INDEXES[sort]), full
    assert scan["Index Cond"].startswith("(ROW("), full
    assert not [n for n in live_nodes(tree) if n["Node Type"] == "Sort"], full


@pytest.mark.parametrize("sort", list(SORT_INDEXES))
def test_the_unfiltered_statement_returns_the_pages_search_cars_returns(generated, sort):
    """Page after page, for a visitor and for a user with saved cars, rows equal in every column."""
    with generated.app_context():
        buyer = db.one("users.user_by_email", email="buyer@demo.carsite.test")["id"]
        first = db.all("search.cars", **query_params(Search(sort=sort, limit=30), buyer))
        saved = [car["id"] for car in first[::7]]
        for car_id in saved:
            db.scalar("favorites.add", user_id=buyer, car_id=car_id)
        try:
            for user_id in (None, buyer):
                search = Search(sort=sort, limit=30)
                for _ in range(4):
                    name, params = page_query(search, user_id)
                    assert name == "search.cars_unfiltered"
                    rows = db.all(name, **params)
                    assert rows == db.all("search.cars", **query_params(search, user_id))
                    assert len(rows) == 31
                    assert any(car["is_favorite"] for car in rows) == (user_id is not None and search.cursor is None)
                    search = Search(sort=sort, limit=30, cursor=next_cursor_after(search, rows[29]))
        finally:
            for car_id in saved:
                db.execute("favorites.remove", user_id=buyer, car_id=car_id)


def test_a_search_with_anything_that_narrows_it_runs_search_cars(generated):
    for args in ({"make": "BMW"}, {"q": "towbar"}, {"near": "Berlin"}, {"photos": "1"}, {"feature": "Towbar"}):
        with generated.app_context():
            search = interpret(parse(MultiDict(args)))
        assert page_query(search)[0] == "search.cars", args
    assert page_query(Search(sort="relevance"))[0] == "search.cars"  # relevance without words is for search.cars
    assert page_query(Search(sort="price_desc"))[0] == "search.cars_unfiltered"


def test_branches_pruned_by_a_false_one_time_filter_are_not_counted():
    scan = {"Node Type": "Seq Scan", "Relation Name": "cars"}
    for pruned in ("false", "(($2 IS NULL) AND false)"):
        assert tools.sequential_scans({"Node Type": "Result", "One-Time Filter": pruned, "Plans": [scan]}, "cars") == []
    for live in ("($2 IS NULL)", "(($2 IS NULL) OR false)", None):
        node = {"Node Type": "Result", "One-Time Filter": live, "Plans": [scan]}
        assert tools.sequential_scans(node, "cars") == [scan]
