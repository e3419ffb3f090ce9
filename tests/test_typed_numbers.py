"""Prices and mileages as people type them: the parser, the search page (a bad value never drops the search), the
selling form, limits written in the search words, chips in words, and previous / next pages."""

from __future__ import annotations

import html as htmllib
import re
from decimal import Decimal

import pytest

from carsite.cars.search import Search, interpret, read_limits
from carsite.db import Database
from carsite.domain.numbers import NumberError, day, distance, money, plain, read_mileage, read_price

from .helpers import make_user, post, sql
from .test_selling import VALID

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("18900", Decimal(18900)),
        ("18.900", Decimal(18900)),
        ("18 900", Decimal(18900)),
        ("18\u00a0900", Decimal(18900)),  # non-breaking space
        ("18\u202f900", Decimal(18900)),  # narrow non-breaking space
        ("18,900", Decimal(18900)),
        ("18'900", Decimal(18900)),
        ("18900 €", Decimal(18900)),
        ("18900€", Decimal(18900)),
        ("€18,900", Decimal(18900)),
        ("€ 18 900", Decimal(18900)),
        ("EUR 18900", Decimal(18900)),
        ("18900 eur", Decimal(18900)),
        ("18900 euros", Decimal(18900)),
        ("EUR 18.900 €", Decimal(18900)),
        ("10k", Decimal(10000)),
        ("10 k", Decimal(10000)),
        ("10K", Decimal(10000)),
        ("1.5k", Decimal(1500)),
        ("1,5k", Decimal(1500)),
        ("€10k", Decimal(10000)),
        ("18.900,50", Decimal("18900.50")),
        ("18,900.50", Decimal("18900.50")),
        ("18900.50", Decimal("18900.50")),
        ("18900,5", Decimal("18900.5")),
        ("1.234.567", Decimal(1234567)),
        ("1,234,567.89", Decimal("1234567.89")),
        ("  17450  ", Decimal(17450)),
        ("+17450", Decimal(17450)),
        ("0", Decimal(0)),
        ("99.999.999", Decimal(99999999)),
    ],
)
def test_prices_people_type_are_read(typed, value):
    assert read_price(typed) == value


@pytest.mark.parametrize(
    ("typed", "message", "suggestion"),
    [
        ("18.90", "Price to “18.90” is not a usual car price. Did you mean €\u202f18,900?", 18900),
        ("18.9", "Price to “18.9” is not a usual car price. Did you mean €\u202f18,900?", 18900),
        ("1,5", "Price to “1,5” is not a usual car price. Did you mean €\u202f1,500?", 1500),
        ("950.50", "Price to “950.50” is not a usual car price. Did you mean €\u202f950?", 950),
        ("-5", "Price to must not be negative.", None),
        ("−5", "Price to must not be negative.", None),
        ("abc", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("1e3", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("NaN", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("18.9000", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("1.234.56", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("18 90", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("€", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("9" * 60, "Price to must be a number, e.g. €\u202f18,900.", None),
        ("$18900", "Price to is in euros (€).", None),
        ("18900 USD", "Price to is in euros (€).", None),
        ("100000000", "Price to must be at most €\u202f99,999,999.", None),
        ("1.2345k", "Price to must be a number, e.g. €\u202f18,900.", None),
        ("", "Enter price to.", None),
    ],
)
def test_ambiguous_absurd_and_non_numbers_get_a_plain_message(typed, message, suggestion):
    with pytest.raises(NumberError) as refused:
        read_price(typed, "Price to")
    assert refused.value.message == message
    assert refused.value.suggestion == suggestion


@pytest.mark.parametrize(
    ("typed", "value"),
    [("150000", 150000), ("150.000 km", 150000), ("150,000km", 150000), ("150 000 KM", 150000), ("150k", 150000)],
)
def test_mileages_people_type_are_read(typed, value):
    assert read_mileage(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150,5 km", "Mileage is a whole number of kilometres, e.g. 150,000\u00a0km."),
        ("-1", "Mileage must not be negative."),
        ("3000001", "Mileage must be at most 3,000,000\u00a0km."),
        ("lots", "Mileage must be a number, e.g. 150,000\u00a0km."),
    ],
)
def test_bad_mileages_are_refused_in_words(typed, message):
    with pytest.raises(NumberError, match=re.escape(message)):
        read_mileage(typed)


@pytest.mark.parametrize(
    ("locale", "price", "cents", "mileage", "date"),
    [
        ("en", f"€{NNBSP}18,900", f"€{NNBSP}18,900.50", "150,000\u00a0km", "2 Dec 2026"),
        ("de", "18.900\u00a0€", "18.900,50\u00a0€", "150.000\u00a0km", "02.12.2026"),
        ("fr", f"18{NNBSP}900\u00a0€", f"18{NNBSP}900,50\u00a0€", f"150{NNBSP}000\u00a0km", "02/12/2026"),
    ],
)
def test_numbers_are_shown_in_the_locale_and_read_back(locale, price, cents, mileage, date):
    from datetime import date as Date

    assert money(18900, locale) == price and money(Decimal("18900.5"), locale) == cents
    assert distance(150000, locale) == mileage and day(Date(2026, 12, 2), locale) == date
    assert read_price(plain(Decimal("18900.50"), locale), locale=locale) == Decimal("18900.50")  # the edit form
    assert read_price(price, locale=locale) == 18900 and read_mileage(mileage, locale=locale) == 150000


# -- the search page ------------------------------------------------------------------------------------------------


def prices(page_html: str) -> list[Decimal]:
    return [Decimal(p.replace(",", "")) for p in re.findall(r'class="price">€\u202f([0-9,.]+)<', page_html)]


@pytest.mark.parametrize("typed", ["10.000", "10 000", "10,000", "10k", "€10,000", "10000 €", "10\u00a0000"])
def test_search_reads_prices_as_people_type_them(demo, typed):
    client = demo.test_client()
    page = client.get("/cars", query_string={"price_max": typed, "sort": "price_desc"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert prices(text) and max(prices(text)) <= 10000 and max(prices(text)) > 5000
    assert f'value="{htmllib.escape(typed)}"' in text  # the field keeps what was typed
    assert "Price up to €\u202f10,000" in text


def test_a_bad_filter_value_keeps_the_search_and_says_so_next_to_the_field(demo):
    client = demo.test_client()
    fuel = sql(  # the demo's most common fuel among Volkswagens from 2015 on, so the kept filters find cars
        demo,
        "SELECT fuel FROM cars WHERE make = 'Volkswagen' AND year >= 2015 AND status = 'available'"
        " AND deleted_at IS NULL GROUP BY fuel ORDER BY count(*) DESC, fuel LIMIT 1",
    )[0][0]
    query = {"make": "Volkswagen", "fuel": fuel, "price_max": "cheap", "year_min": "2015", "sort": "price_asc"}
    page = client.get("/cars", query_string=query)
    assert page.status_code == 400  # what was asked for was not all done; the page still serves the rest
    text = page.get_data(as_text=True)
    assert '<p class="field-error" id="f-price_max-error">Price to must be a number, e.g. €\u202f18,900.</p>' in text
    assert 'value="cheap" aria-label="Price to" aria-invalid="true" aria-describedby="f-price_max-error"' in text
    assert "price_max must" not in text and "left out of the search" in text
    assert 'value="2015"' in text and "Year from 2015" in text and ">Volkswagen <" in text  # the rest kept
    cars = sql(
        demo,
        "SELECT count(*) FROM cars WHERE make = 'Volkswagen' AND fuel = %s AND year >= 2015"
        " AND status = 'available' AND deleted_at IS NULL",
        fuel,
    )[0][0]
    assert cars > 0 and text.count('class="card"') == min(cars, 24)


def test_a_bad_value_for_a_json_client_of_the_page_is_the_api_error(demo):
    response = demo.test_client().get("/cars?price_max=cheap", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"] == {"status": 400, "message": response.json["error"]["message"], "field": "price_max"}


def test_an_ambiguous_price_asks_with_a_link(demo):
    page = demo.test_client().get("/cars?price_max=18.9&fuel=diesel")
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "Did you mean €\u202f18,900?" in text
    link = htmllib.unescape(re.search(r'<a href="([^"]+)">Yes, search for that</a>', text).group(1))
    assert "price_max=18900" in link and "fuel=diesel" in link
    assert demo.test_client().get(link).status_code == 200


def test_min_above_max_is_swapped_with_a_note(demo):
    page = demo.test_client().get("/cars?price_min=20000&price_max=5k&sort=price_asc")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Price from was above price to, so they were swapped." in text
    assert 'name="price_min" inputmode="decimal" placeholder="from" value="5000"' in text
    assert min(prices(text)) >= 5000 and max(prices(text)) <= 20000


def test_a_cursor_that_is_not_valid_shows_the_first_page_with_a_note(demo):
    page = demo.test_client().get("/cars?make=BMW&cursor=forged")
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "That page link is not valid for this search" in text
    assert 'class="cards"' in text


def test_the_api_keeps_strict_numbers_and_documents_them(demo):
    client = demo.test_client()
    assert client.get("/api/v1/cars?price_max=10000").status_code == 200
    refused = client.get("/api/v1/cars?price_max=10.000,00")
    assert refused.status_code == 400 and refused.json["error"]["field"] == "price_max"
    assert client.get("/api/v1/cars?price_max=10k").status_code == 400
    params = {p["name"]: p for p in client.get("/api/openapi.json").json["paths"]["/api/v1/cars"]["get"]["parameters"]}
    assert "no thousands separators" in params["price_max"]["description"]
    assert "Plain digits" in params["mileage_max"]["description"]


# -- limits written in the search words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "limits", "rest"),
    [
        ("automatic estate under 10000", {"price_max": 10000}, "automatic estate"),
        ("below 10k", {"price_max": 10000}, ""),
        ("from 2018", {"year_min": 2018}, ""),
        ("less than 100000 km", {"mileage_max": 100000}, ""),
        ("max 50000 km", {"mileage_max": 50000}, ""),
        ("max 50.000km golf", {"mileage_max": 50000}, "golf"),
        ("golf under €8,000 from 2015", {"price_max": 8000, "year_min": 2015}, "golf"),
        ("after 2019 before 2023", {"year_min": 2020, "year_max": 2022}, ""),
        ("over 5000", {"price_min": 5000}, ""),
        ("from 5000", {"price_min": 5000}, ""),
        ("over 100000 km", {}, "over 100000 km"),  # no minimum mileage filter: stays text
        ("under 18.9", {}, "under 18.9"),  # not a price: stays text
        ("golf 2018", {}, "golf 2018"),  # a bare year is interpret's, not a limit
        ("Thunder 500", {}, "Thunder 500"),  # "under" inside a word is no limit
    ],
)
def test_limits_in_the_search_words_are_read(q, limits, rest):
    found, left, _ = read_limits(q)
    assert found == limits and left == rest


def test_automatic_estate_under_10000_becomes_filters(demo):
    with demo.test_request_context():
        search = interpret(Search(q="automatic estate under 10000", sort="relevance"))
    assert (search.transmission, search.body, search.price_max, search.text) == (
        "automatic",
        "estate",
        10000,
        None,
    )
    assert search.q == "automatic estate under 10000" and search.active().get("q") is None
    text = demo.test_client().get("/cars?q=automatic+estate+under+10000").get_data(as_text=True)
    assert "Showing results for <strong>Price up to €\u202f10,000</strong>" in text
    for chip in ("Price up to €\u202f10,000", "Automatic", "Estate"):
        assert f">{chip} <span" in text


def test_limits_inside_a_quoted_phrase_stay_words(demo):
    with demo.test_request_context():
        search = interpret(Search(q='"under 10000"', sort="relevance"))
    assert search.price_max is None and search.text == '"under 10000"'


def test_a_field_wins_over_a_limit_in_the_words(demo):
    with demo.test_request_context():
        search = interpret(Search(q="golf under 10000", price_max=Decimal(8000), sort="relevance"))
    assert search.price_max == 8000


# -- chips --------------------------------------------------------------------------------------------------------


def test_chips_name_filters_in_words_and_each_removes_itself(demo):
    client = demo.test_client()
    query = "q=service+history&price_max=10000&fuel=diesel&year_min=2015&year_max=2015&mileage_max=150000&city=Berlin"
    text = client.get("/cars?" + query).get_data(as_text=True)
    chips = dict(re.findall(r'<li><a href="([^"]+)" aria-label="Remove the filter ([^"]+)">', text))
    by_text = {v: htmllib.unescape(k) for k, v in chips.items()}
    assert set(by_text) == {
        "Words: service history",
        "Price up to €\u202f10,000",
        "Diesel",
        "Year 2015",
        "Mileage up to 150,000\u00a0km",
        "In Berlin",
    }
    assert "Q:" not in text and "Price max:" not in text
    assert "fuel=" not in by_text["Diesel"] and "price_max=10000" in by_text["Diesel"]
    assert "year_min" not in by_text["Year 2015"] and "year_max" not in by_text["Year 2015"]
    assert "q=" not in by_text["Words: service history"]


# -- pages ----------------------------------------------------------------------------------------------------------


def ids_on(text: str) -> list[str]:
    return re.findall(r'<li class="card" id="car-(\d+)"', text)


def link(text: str, rel_or_label: str) -> str | None:
    """The link with rel="prev"/"next", or with aria-label "Page N"."""
    pattern = rf'<a rel="{rel_or_label}" href="([^"]+)">|<a href="([^"]+)" aria-label="{rel_or_label}">'
    found = re.search(pattern, text)
    return htmllib.unescape(found.group(1) or found.group(2)) if found else None


@pytest.mark.parametrize("sort", ["newest", "price_asc", "mileage_asc", "relevance"])
def test_previous_and_next_walk_the_same_pages_back_and_forth(demo, sort):
    client = demo.test_client()
    q = "&q=service" if sort == "relevance" else ""
    path = f"/cars?sort={sort}&limit=5{q}"
    visited = []
    for number in range(1, 5):
        text = client.get(path).get_data(as_text=True)
        assert f'<span class="current" aria-current="page">Page {number}</span>' in text
        assert (link(text, "prev") is None) == (number == 1)
        visited.append((path, ids_on(text)))
        path = link(text, "next")
    assert len({tuple(ids) for _, ids in visited}) == 4
    for number in range(4, 1, -1):  # back again through "previous", each page as it was
        text = client.get(visited[number - 1][0]).get_data(as_text=True)
        previous = client.get(link(text, "prev")).get_data(as_text=True)
        assert ids_on(previous) == visited[number - 2][1]
        assert f"Page {number - 1}</span>" in previous
    last = client.get(visited[3][0]).get_data(as_text=True)
    assert ids_on(client.get(link(last, "Page 1")).get_data(as_text=True)) == visited[0][1]
    assert ids_on(client.get(link(last, "Page 2")).get_data(as_text=True)) == visited[1][1]


def test_a_tampered_back_value_only_loses_the_history(demo):
    client = demo.test_client()
    text = client.get("/cars?limit=5").get_data(as_text=True)
    second = link(text, "next")
    page = client.get(re.sub(r"back=[^&]+", "back=forged", second))
    assert page.status_code == 200
    assert 'rel="prev"' in page.get_data(as_text=True)  # to the first page, which is always known
    assert "aria-current" not in page.get_data(as_text=True)  # its number is not known


def test_the_api_next_cursor_is_unchanged(demo):
    client = demo.test_client()
    first = client.get("/api/v1/cars?limit=5").json
    assert set(first) == {"items", "next_cursor"}
    second = client.get(f"/api/v1/cars?limit=5&cursor={first['next_cursor']}").json
    assert {c["id"] for c in second["items"]}.isdisjoint(c["id"] for c in first["items"])


def test_pages_with_history_stay_within_four_queries(demo):
    client = demo.test_client()
    path = "/cars?limit=3&make=Volkswagen&price_max=30k"
    for _ in range(3):
        with Database.record() as names:
            text = client.get(path).get_data(as_text=True)
        assert len(names) <= 4, names
        path = link(text, "next")


# -- the selling form -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "mileage", "stored"),
    [("18.900", "48.200 km", (Decimal("18900.00"), 48200)), ("€18,900.50", "48k", (Decimal("18900.50"), 48000))],
)
def test_sellers_type_prices_and_mileages_as_they_write_them(app, seller, price, mileage, stored):
    response = post(seller, "/sell/new", {**VALID, "price": price, "mileage_km": mileage}, page="/sell/new")
    assert response.status_code == 303
    assert sql(app, "SELECT price, mileage_km FROM cars") == [stored]
    car_id = int(re.search(r"/sell/(\d+)", response.headers["Location"]).group(1))
    edit = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    shown = "18,900" if stored[0] == 18900 else "18,900.50"
    assert f'value="{shown}"' in edit  # shown grouped, and read back the same


def test_a_price_with_a_slip_is_asked_about_and_kept_in_the_field(app, seller):
    response = post(seller, "/sell/new", {**VALID, "price": "18.90"}, page="/sell/new")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Did you mean €\u202f18,900?" in text
    assert 'value="18.90"' in text
    assert sql(app, "SELECT count(*) FROM cars") == [(0,)]


def test_the_site_locale_shows_prices_its_way(make_app):
    app = make_app(LOCALE="de")
    make_user(app, "seller@example.com")
    with app.test_request_context():
        from carsite.web.filters import km
        from carsite.web.filters import money as money_filter

        assert money_filter(18900) == "18.900\u00a0€" and km(150000) == "150.000\u00a0km"


def test_an_unknown_locale_stops_the_app(make_app):
    from carsite.config import ConfigError

    with pytest.raises(ConfigError, match="CARSITE_LOCALE must be one of en, de, fr"):
        make_app(LOCALE="xx")


def test_an_empty_result_offers_any_price_once_dropping_both_ends(demo):
    text = demo.test_client().get("/cars?price_min=1&price_max=2&fuel=diesel").get_data(as_text=True)
    assert text.count(">Any price</a>") == 1
    link = htmllib.unescape(re.search(r'<a href="([^"]+)">Any price</a>', text).group(1))
    assert "price" not in link and "fuel=diesel" in link
