"""Every search shape runs on an index: no sequential scan over cars, checked on generated data (the benchmark
repeats this at a million cars, with timings)."""

from __future__ import annotations

import base64

import psycopg
import pytest
from werkzeug.datastructures import MultiDict

from carsite import seed
from carsite.cars.search import facet_query, interpret, parse, query_params
from carsite.db import tools

pytestmark = pytest.mark.slow

SHAPES = [
    {},
    {"sort": "price_asc"},
    {"sort": "price_desc"},
    {"sort": "mileage_asc"},
    {"sort": "year_desc"},
    {"q": "service history"},
    {"q": "garaged", "sort": "relevance"},
    {"q": "towbar", "sort": "price_asc"},
    {"q": "toyta corola"},
    {"q": "sport", "sort": "price_asc"},
    {"q": "owner -sport", "sort": "relevance"},
    {"make": "BMW"},
    {"make": "BMW", "model": "X3"},
    {"make": "Volvo", "sort": "price_asc"},
    {"fuel": "electric"},
    {"transmission": "manual"},
    {"body": "convertible"},
    {"colour": "yellow"},
    {"condition": "new"},
    {"city": "Leipzig"},
    {"year_min": "2024"},
    {"year_min": "2010", "year_max": "2012"},
    {"price_min": "20000", "price_max": "25000"},
    {"mileage_max": "5000"},
    {"make": "Audi", "fuel": "diesel", "year_min": "2015", "price_max": "30000", "sort": "price_desc"},
    {"make": "BMW", "fuel": "diesel", "year_min": "2015", "sort": "price_asc"},
    {"body": "suv", "fuel": "hybrid", "transmission": "automatic", "colour": "white"},
    {"fuel": "electric", "year_max": "2008", "mileage_max": "50000"},
    {"city": "Leipzig", "body": "convertible", "sort": "mileage_asc"},
]


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
        text = plan(generated, "search.cars", query_params(search))
        assert "Seq Scan on cars" not in text, text
        facet_plan = plan(generated, *facet_query(search)[:2])
        assert "Seq Scan on cars" not in facet_plan, facet_plan


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "mileage_asc", "year_desc"])
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
        full = tools.explain(
            generated.config["DATABASE_URL"],
            generated.extensions["carsite.db"].queries["search.cars"],
            query_params(search),
        )
    assert text == "", text
    assert "Index" in full and "Index Cond" in full
    assert base64.urlsafe_b64decode(cursor + "==")[12:].decode().startswith(sort + "|")  # after the signature


def test_branches_pruned_by_a_false_one_time_filter_are_not_counted():
    scan = {"Node Type": "Seq Scan", "Relation Name": "cars"}
    for pruned in ("false", "(($2 IS NULL) AND false)"):
        assert tools.sequential_scans({"Node Type": "Result", "One-Time Filter": pruned, "Plans": [scan]}, "cars") == []
    for live in ("($2 IS NULL)", "(($2 IS NULL) OR false)", None):
        node = {"Node Type": "Result", "One-Time Filter": live, "Plans": [scan]}
        assert tools.sequential_scans(node, "cars") == [scan]
