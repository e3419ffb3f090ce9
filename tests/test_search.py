"""Search over real PostgreSQL: parameters, typos, filters, every sort to the last page, facets, the JSON API."""

from __future__ import annotations

import base64
import re
from decimal import Decimal

import pytest

from carsite import seed
from carsite.cars import search
from carsite.cars.search import PARAMS, SORTS
from carsite.db import Database

from .helpers import login, make_car, make_user, sql


def every_page(client, **params) -> list[dict]:
    items, cursor = [], None
    for _ in range(200):
        response = client.get("/api/v1/cars", query_string={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json
        items += response.json["items"]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


LISTED = "status = 'available' AND deleted_at IS NULL"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year_min=abc", "year_min"),
        ("year_min=1800", "year_min"),
        ("year_max=99999", "year_max"),
        ("price_max=-1", "price_max"),
        ("price_min=NaN", "price_min"),
        ("price_min=1e999", "price_min"),
        ("price_min=Infinity", "price_min"),
        ("mileage_max=99999999", "mileage_max"),
        ("mileage_max=1.5", "mileage_max"),
        ("fuel=coal", "fuel"),
        ("body=tank", "body"),
        ("transmission=cvt", "transmission"),
        ("condition=mint", "condition"),
        ("sort=cheapest", "sort"),
        ("sort=price_asc;DROP TABLE cars", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("year_min=2020&year_max=2010", "year_min"),
        ("price_min=9000&price_max=10", "price_min"),
        ("cursor=forged", "cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"newest|x|1").decode(), "cursor"),
        ("make=" + "x" * 41, "make"),
        ("q=" + "y" * 201, "q"),
        ("q=a%01b", "q"),
        ("city=" + "z" * 81, "city"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(demo, query, field):
    client = demo.test_client()
    api = client.get("/api/v1/cars?" + query)
    assert api.status_code == 400
    assert api.json["error"]["field"] == field and api.json["error"]["status"] == 400
    page = client.get("/cars?" + query)
    if query == "q=a%01b":  # control characters are refused before any view, on every route
        assert page.status_code == 400
    elif query in SWAPPED_ON_THE_PAGE:  # the page swaps a from above its to, and says so
        assert page.status_code == 200 and b"so they were swapped" in page.data
    else:  # the page still shows results, with the problem in words
        assert page.status_code == 400 and b"left out of the search" in page.data
        assert b'class="cards"' in page.data
        assert f"{field} must".encode() not in page.data


SWAPPED_ON_THE_PAGE = ("year_min=2020&year_max=2010", "price_min=9000&price_max=10")


def test_cursor_of_another_sort_is_refused(demo):
    client = demo.test_client()
    cursor = client.get("/api/v1/cars?sort=price_asc&limit=3").json["next_cursor"]
    response = client.get(f"/api/v1/cars?sort=newest&cursor={cursor}")
    assert response.status_code == 400 and response.json["error"]["field"] == "cursor"


def test_injection_payloads_are_plain_values(demo):
    client = demo.test_client()
    for payload in ("' OR 1=1--", "Toyota' OR '1'='1", "%' OR ''='"):
        assert client.get("/api/v1/cars", query_string={"make": payload}).json["items"] == []
        assert client.get("/api/v1/cars", query_string={"q": payload}).status_code == 200
    assert sql(demo, "SELECT count(*) FROM cars")[0][0] == seed.DEMO_CARS


@pytest.mark.parametrize(
    ("q", "make", "model"),
    [
        ("toyta corola", "Toyota", "Corolla"),
        ("mercedez", "Mercedes-Benz", None),
        ("vw golf", "Volkswagen", "Golf"),
        ("Porshe 911", "Porsche", "911"),
        ("bmw 3 series", "BMW", "3 Series"),
        ("golf", "Volkswagen", "Golf"),
    ],
)
def test_typos_and_names_in_text_become_filters(demo, q, make, model):
    items = every_page(demo.test_client(), q=q)
    assert items, q
    assert all(i["make"] == make for i in items)
    if model:
        assert all(i["model"] == model for i in items)
    expected = sql(
        demo,
        f"SELECT count(*) FROM cars WHERE {LISTED} AND make = %s AND (%s::text IS NULL OR model = %s)",
        make,
        model,
        model,
    )[0][0]
    assert len(items) == expected


def test_ordinary_words_are_not_taken_for_models(demo):
    # "sport" resembles Kia's Sportage but is a trim word: it stays text and finds titles with "Sport"
    items = every_page(demo.test_client(), q="sport")
    assert items and all("Sport" in i["title"] for i in items)
    assert {i["make"] for i in items} != {"Kia"}


def test_full_text_over_description_with_web_search_syntax(demo):
    client = demo.test_client()
    towbar = every_page(client, q="towbar")
    expected = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND description ILIKE '%%towbar%%'")[0][0]
    assert len(towbar) == expected > 0
    without = every_page(client, q="towbar -scratch")
    expected = sql(
        demo,
        f"SELECT count(*) FROM cars WHERE {LISTED} AND description ILIKE '%%towbar%%'"
        " AND description NOT ILIKE '%%scratch%%'",
    )[0][0]
    assert len(without) == expected and 0 < expected < len(towbar)
    phrase = every_page(client, q='"winter tyres"')
    assert len(phrase) == len(towbar)  # the note that mentions the towbar is the one with the winter tyres


def test_relevance_ranks_title_matches_first(make_app):
    app = make_app()
    seller = make_user(app, "s@example.com", role="seller")
    # The title match is listed first, so newest-first alone would put it second.
    skoda = {"make": "Skoda", "model": "Octavia", "year": 2016, "price": 6000, "fuel": "diesel", "colour": "grey"}
    make_car(app, seller, status="available", title="Skoda Octavia Panoramic", description="Estate", **skoda)
    make_car(app, seller, status="available", title="Fiat Panda", description="Has a panoramic roof")
    items = app.test_client().get("/api/v1/cars?q=panoramic").json["items"]
    assert [i["title"] for i in items] == ["Skoda Octavia Panoramic", "Fiat Panda"]


SORT_KEYS = {
    "newest": lambda i: (i["created_at"], i["id"]),
    "price_asc": lambda i: (i["price"], i["id"]),
    "price_desc": lambda i: (i["price"], i["id"]),
    "mileage_asc": lambda i: (i["mileage_km"], i["id"]),
    "year_desc": lambda i: (i["year"], i["id"]),
}


@pytest.mark.parametrize("sort", [s for s in SORTS if s != "relevance"])
def test_every_sort_pages_through_all_results_in_order(demo, sort):
    items = every_page(demo.test_client(), sort=sort, limit=17)
    listed = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED}")[0][0]
    assert len(items) == listed and len({i["id"] for i in items}) == listed
    keys = [SORT_KEYS[sort](i) for i in items]
    assert keys == sorted(keys, reverse=sort in ("newest", "price_desc", "year_desc"))


def mark_descriptions(app, word: str, share: int) -> set[int]:
    """Append ``word`` to the description of every ``share``-th listed car; return their ids."""
    rows = sql(
        app,
        f"UPDATE cars SET description = description || ' {word}' WHERE id IN"
        f" (SELECT id FROM cars WHERE {LISTED} AND id %% %s = 0) RETURNING id",
        share,
    )
    return {r[0] for r in rows}


@pytest.mark.parametrize("sort", SORTS)
def test_text_search_pages_in_order_whether_its_words_are_rare_or_common(demo, sort):
    # A word in 1 of 8 cars is common by the statistics (the page walks the sort's index and checks the word);
    # one in a handful of cars is rare (its cars come from the text index and are sorted). Both page alike.
    common = mark_descriptions(demo, "quasarish", 8)
    rare = set(sorted(common)[:5])
    sql(demo, "UPDATE cars SET description = description || ' zebraline' WHERE id = ANY(%s)", list(rare))
    sql(demo, "ANALYZE cars")
    assert sql(demo, "SELECT listed_text_hits('quasarish', 2000) IS NULL")[0][0]  # common: no id list
    assert set(sql(demo, "SELECT listed_text_hits('zebraline', 2000)")[0][0]) == rare
    client = demo.test_client()
    for word, expected in (("quasarish", common), ("zebraline", rare)):
        items = every_page(client, q=word, sort=sort, limit=3)
        assert [i["id"] for i in items if i["id"] not in expected] == []
        assert len(items) == len(expected) and {i["id"] for i in items} == expected, word
        if sort != "relevance":
            keys = [SORT_KEYS[sort](i) for i in items]
            assert keys == sorted(keys, reverse=sort in ("newest", "price_desc", "year_desc")), word


def test_search_words_that_are_only_stop_words_find_nothing_quickly(demo):
    assert every_page(demo.test_client(), q="the of and") == []


def test_relevance_pages_without_repeats(demo):
    items = every_page(demo.test_client(), q="service", sort="relevance", limit=9)
    assert len(items) == len({i["id"] for i in items}) > 9


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"make": "volvo"}, "make = 'Volvo'"),
        ({"fuel": "diesel"}, "fuel = 'diesel'"),
        ({"transmission": "manual"}, "transmission = 'manual'"),
        ({"body": "suv"}, "body = 'suv'"),
        ({"colour": "red"}, "colour = 'red'"),
        ({"condition": "used"}, "condition = 'used'"),
        ({"city": "berlin"}, "city = 'Berlin'"),
        ({"year_min": 2020}, "year >= 2020"),
        ({"year_max": 2012}, "year <= 2012"),
        ({"price_min": 20000}, "price >= 20000"),
        ({"price_max": 8000.5}, "price <= 8000.5"),
        ({"mileage_max": 50000}, "mileage_km <= 50000"),
        (
            {"make": "BMW", "fuel": "diesel", "year_min": 2012, "price_max": 30000, "sort": "price_desc"},
            "make = 'BMW' AND fuel = 'diesel' AND year >= 2012 AND price <= 30000",
        ),
    ],
)
def test_filters_return_exactly_the_matching_cars(demo, params, where):
    items = every_page(demo.test_client(), **params, limit=50)
    expected = {r[0] for r in sql(demo, f"SELECT id FROM cars WHERE {LISTED} AND {where}")}
    assert {i["id"] for i in items} == expected
    assert expected  # the demo data has cars for each of these


def test_facet_counts_are_exact_and_leave_other_choices_visible(demo):
    client = demo.test_client()
    html = client.get("/cars?make=Volkswagen&fuel=diesel").get_data(as_text=True)
    diesel_vw = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND make = 'Volkswagen' AND fuel = 'diesel'")[0][0]
    petrol_vw = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND make = 'Volkswagen' AND fuel = 'petrol'")[0][0]
    bmw_diesel = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND make = 'BMW' AND fuel = 'diesel'")[0][0]
    assert f"{diesel_vw} car" in html
    assert f'<option value="diesel" selected>Diesel ({diesel_vw})</option>' in html
    assert f'<option value="petrol">Petrol ({petrol_vw})</option>' in html  # the fuel facet ignores the fuel filter
    assert f'<option value="BMW">BMW ({bmw_diesel})</option>' in html  # the make facet ignores the make filter
    assert '<select id="f-model" name="model">' in html  # models appear once a make is chosen


def count_on_page(html: str) -> str:
    return re.search(r'<p class="count">(.*?)</p>', html).group(1)


def test_range_filters_count_exactly_when_the_window_holds_every_car(demo):
    where = "year <= 2015 AND price <= 15000"
    expected = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND {where}")[0][0]
    diesel = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND {where} AND fuel = 'diesel'")[0][0]
    html = demo.test_client().get("/cars?year_max=2015&price_max=15000&limit=5").get_data(as_text=True)
    assert 5 < expected < search.FACET_SAMPLE and diesel > 0
    assert count_on_page(html) == f"{expected} cars"
    assert f'<option value="diesel">Diesel ({diesel})</option>' in html


def test_range_filters_estimate_the_count_when_the_window_is_smaller_than_the_site(demo, monkeypatch):
    monkeypatch.setattr(search, "FACET_WINDOW", 80)  # a site much larger than the window, in miniature
    where = "year <= 2015"
    expected = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED} AND {where}")[0][0]
    newest = sql(demo, f"SELECT id, year FROM cars WHERE {LISTED} ORDER BY created_at DESC, id DESC LIMIT 80")
    in_window = sum(1 for _, year in newest if year <= 2015)
    listed = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED}")[0][0]
    html = demo.test_client().get("/cars?year_max=2015&limit=5").get_data(as_text=True)
    estimate = round(in_window * listed / 80)
    assert 0 < in_window < search.FACET_SAMPLE and expected > 5
    assert count_on_page(html) == f"about {search._two_figures(estimate):,} cars", (expected, estimate)
    assert not re.search(r'<option value="diesel">Diesel \(\d+\)', html)  # a sample's counts are not shown
    assert '<option value="diesel">Diesel</option>' in html or '<option value="petrol">Petrol</option>' in html


def test_facet_counts_follow_status_changes(demo):
    (car_id, make), *_ = sql(demo, f"SELECT id, make FROM cars WHERE {LISTED} ORDER BY id LIMIT 1")
    before = sql(demo, "SELECT sum(cars) FROM listing_counts WHERE make = %s", make)[0][0]
    sql(demo, "UPDATE cars SET status = 'sold' WHERE id = %s", car_id)
    assert sql(demo, "SELECT sum(cars) FROM listing_counts WHERE make = %s", make)[0][0] == before - 1
    sql(demo, "UPDATE cars SET status = 'available' WHERE id = %s", car_id)
    sql(demo, "DELETE FROM car_price_history WHERE car_id = %s", car_id)
    sql(demo, "DELETE FROM cars WHERE id = %s", car_id)
    assert sql(demo, "SELECT sum(cars) FROM listing_counts WHERE make = %s", make)[0][0] == before - 1
    total = sql(demo, f"SELECT count(*) FROM cars WHERE {LISTED}")[0][0]
    assert sql(demo, "SELECT sum(cars) FROM listing_counts")[0][0] == total


def test_search_page_runs_at_most_four_queries(demo):
    make_user(demo, "reader@example.com")
    client = demo.test_client()
    login(client, "reader@example.com")
    paths = (
        "/cars",
        "/cars?q=toyta+corola&price_max=30000&sort=price_asc",
        "/cars?q=service&year_min=2015",
        "/cars?make=BMW&fuel=diesel",
    )
    for path in paths:
        with Database.record() as names:
            assert client.get(path).status_code == 200
        # The first search with words after a catalogue change loads the catalogue (once per process) as well
        assert len([n for n in names if n != "catalogue.terms"]) <= 4, (path, names)
    for path in paths:
        with Database.record() as names:
            assert client.get(path).status_code == 200
        assert len(names) <= 3, (path, names)  # the catalogue, counts and facets kept: one query less than before


def test_empty_result_suggests_loosening_a_filter(demo):
    html = demo.test_client().get("/cars?make=Porsche&fuel=lpg&year_max=1990").get_data(as_text=True)
    assert "No cars match this search." in html
    assert "Any make" in html and "Any fuel" in html and "Any year" in html


def test_search_urls_are_shareable_and_keep_the_filters(demo):
    client = demo.test_client()
    html = client.get("/cars?make=Volkswagen&sort=price_asc&limit=5").get_data(as_text=True)
    next_link = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "make=Volkswagen" in next_link and "sort=price_asc" in next_link and "cursor=" in next_link
    assert client.get(next_link).status_code == 200


def test_api_car_shape_and_404s(demo):
    client = demo.test_client()
    (car_id,), *_ = sql(demo, f"SELECT id FROM cars WHERE {LISTED} LIMIT 1")
    car = client.get(f"/api/v1/cars/{car_id}").json
    for key in ("id", "make", "model", "year", "price", "mileage_km", "fuel", "status", "url", "description"):
        assert key in car
    assert car["url"].startswith("http://localhost/cars/")
    (hidden,), *_ = sql(demo, "UPDATE cars SET status = 'draft' WHERE id <> %s RETURNING id", car_id)
    missing = client.get(f"/api/v1/cars/{hidden}")
    assert missing.status_code == 404 and missing.json == {
        "error": {"status": 404, "message": "This car does not exist or is no longer listed.", "field": None}
    }
    assert client.get("/api/v1/cars/99999999999999999999").status_code == 404
    assert client.get("/api/v1/nothing").json["error"]["status"] == 404
    assert client.post("/api/v1/cars").status_code in (400, 405)


def test_openapi_document_describes_every_parameter(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.1")
    listed = {p["name"]: p for p in document["paths"]["/api/v1/cars"]["get"]["parameters"]}
    assert set(listed) == {p.name for p in PARAMS}
    assert listed["fuel"]["schema"]["enum"] == list(PARAMS[8].choices)
    assert listed["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


def test_price_in_the_api_is_a_number(demo):
    item = demo.test_client().get("/api/v1/cars?limit=1").json["items"][0]
    assert isinstance(item["price"], float)
    assert Decimal(str(item["price"])) > 0


def test_search_on_an_empty_site_is_an_empty_page_not_an_error(client):
    page = client.get("/cars")
    assert page.status_code == 200 and b"No cars match" in page.data and b"0 cars" in page.data
    assert client.get("/cars?q=golf&price_max=100").status_code == 200
    assert client.get("/api/v1/cars").json == {"items": [], "next_cursor": None}
