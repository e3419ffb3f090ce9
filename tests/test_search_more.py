"""Search people expect (issue 10): within N km of a place (forgiving names, distances on the cards, a clear
message for an unknown place), a place named in q, and the filters on listing details; sellers enter them."""

from __future__ import annotations

import re

import pytest

from carsite.db import Database
from carsite.domain import places

from .helpers import make_car, make_user, post, sql
from .test_selling import VALID, create


def titles(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/cars?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(item["title"] for item in response.json["items"])


@pytest.fixture
def located(app):
    """Cars in Berlin, Potsdam (27 km away), Munich and a town the place list does not know."""
    seller_id = make_user(app, "s@example.com", role="seller")
    for title, city, make, model in (
        ("Golf in Berlin", "Berlin", "Volkswagen", "Golf"),
        ("Panda in Potsdam", "Potsdam", "Fiat", "Panda"),
        ("Golf in Munich", "München", "Volkswagen", "Golf"),
        ("Panda in Berlin", "berlin", "Fiat", "Panda"),
        ("Panda nowhere", "Atlantis-on-Sea", "Fiat", "Panda"),
    ):
        make_car(app, seller_id, status="available", title=title, city=city, make=make, model=model)
    return app


def test_radius_search_finds_the_cars_within_the_distance_and_shows_it(located):
    client = located.test_client()
    assert titles(client, "near=Berlin&radius_km=10") == ["Golf in Berlin", "Panda in Berlin"]
    assert titles(client, "near=Berlin&radius_km=50") == ["Golf in Berlin", "Panda in Berlin", "Panda in Potsdam"]
    items = client.get("/api/v1/cars?near=Berlin&radius_km=50&sort=price_asc").json["items"]
    distances = {item["title"]: item["distance_km"] for item in items}
    assert distances["Golf in Berlin"] == 0 and 20 < distances["Panda in Potsdam"] < 35
    assert "distance_km" not in client.get("/api/v1/cars").json["items"][0]
    html = client.get("/cars?near=Berlin&radius_km=50").get_data(as_text=True)
    assert re.search(r"Potsdam · 2\d km<", html)
    assert "Golf in Munich" not in html and "Panda nowhere" not in html


@pytest.mark.parametrize("name", ["Muenchen", "MÜNCHEN", "munich", "München", "  muenchen "])
def test_place_names_are_forgiven_case_accents_and_languages(located, name):
    assert titles(located.test_client(), f"near={name}&radius_km=20") == ["Golf in Munich"]


def test_an_unknown_place_is_a_message_next_to_the_field_not_a_dead_end(located):
    client = located.test_client()
    response = client.get("/cars?near=Xyzzyville&make=Fiat")
    assert response.status_code == 400  # as for any filter set aside: the rest of the search still runs
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="f-near-error"' in html
    assert re.search(r'id="f-near-error">We don(&#39;|\')t know a place called “Xyzzyville”', html)
    assert 'value="Xyzzyville"' in html  # what the person typed stays in the field
    assert "Panda in Potsdam" in html and "Golf in Berlin" not in html  # the other filters still apply
    api = client.get("/api/v1/cars?near=Xyzzyville")
    assert api.status_code == 400 and api.json["error"]["field"] == "near"


def test_a_city_named_in_the_search_words_becomes_the_place(located):
    client = located.test_client()
    assert titles(client, "q=golf+berlin") == ["Golf in Berlin"]
    assert titles(client, "q=golf+munich") == ["Golf in Munich"]
    html = client.get("/cars?q=golf+berlin").get_data(as_text=True)
    assert "<strong>Golf</strong> · <strong>Within 30 km of Berlin</strong>." in html
    assert titles(client, "q=golf") == ["Golf in Berlin", "Golf in Munich"]  # no place word, no place


def test_saving_a_listing_locates_it_and_listings_locate_fills_older_cars(app):
    seller_id = make_user(app, "s@example.com", role="seller")
    car_id = make_car(app, seller_id, status="available", city="Köln")
    ((lat, lon),) = sql(app, "SELECT latitude, longitude FROM cars WHERE id = %s", car_id)
    assert (lat, lon) == (places.find("Cologne").latitude, places.find("Cologne").longitude)
    sql(app, "UPDATE cars SET latitude = NULL, longitude = NULL")
    make_car(app, seller_id, status="available", city="Nowhere Town")
    before = sql(app, "SELECT updated_at FROM cars WHERE id = %s", car_id)
    result = app.test_cli_runner().invoke(args=["listings", "locate"], catch_exceptions=False)
    assert "1 car(s) located." in result.output and "unknown place: 'nowhere town' (1 car(s))" in result.output
    assert sql(app, "SELECT count(*) FROM cars WHERE latitude IS NOT NULL") == [(1,)]
    assert sql(app, "SELECT updated_at FROM cars WHERE id = %s", car_id) == before  # locating is no edit


DETAILS = {
    "seller_type": "dealer",
    "power_kw": 110,
    "owners": 1,
    "registration_month": 6,
    "accident_free": True,
    "doors": 5,
    "seats": 7,
    "emission_class": "euro6d",
    "features": ["Towbar", "Isofix"],
}


@pytest.fixture
def detailed(app):
    """One car with every detail, one with the opposite, one with none stated."""
    seller_id = make_user(app, "s@example.com", role="seller")
    make_car(app, seller_id, status="available", title="Detailed", year=2019, **DETAILS)
    make_car(
        app,
        seller_id,
        status="available",
        title="Opposite",
        year=2012,
        seller_type="private",
        power_kw=55,
        owners=4,
        registration_month=2,
        accident_free=False,
        doors=3,
        seats=4,
        emission_class="euro5",
        features=["Navigation"],
    )
    make_car(app, seller_id, status="available", title="Unstated", year=2018)
    sql(app, "UPDATE cars SET cover_photo = 'x.jpg' WHERE title = 'Detailed'")
    return app


@pytest.mark.parametrize(
    "query",
    [
        "seller_type=dealer",
        "power_min=100",
        "power_min=100&power_max=110",
        "owners_max=2",
        "registered_from=2019-05",
        "registered_from=05/2019&registered_to=2019-06",
        "accident_free=1",
        "doors=4-5",
        "seats_min=6",
        "emission_min=euro6",
        "emission_min=euro6d",
        "photos=true",
        "feature=Towbar",
        "feature=Towbar&feature=Isofix",
        "seller_type=dealer&power_min=90&owners_max=1&accident_free=1&seats_min=7&feature=Isofix",
    ],
)
def test_each_detail_filter_finds_the_matching_car_only(detailed, query):
    assert titles(detailed.test_client(), query) == ["Detailed"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("seller_type=private", ["Opposite", "Unstated"]),
        ("power_max=60", ["Opposite"]),
        ("owners_max=0", []),
        ("registered_to=2012-01", []),
        ("registered_to=2012", ["Opposite"]),  # a bare year: up to its December
        ("doors=2-3", ["Opposite"]),
        ("emission_min=euro6e", []),
        ("feature=Towbar&feature=Navigation", []),
        ("accident_free=false", ["Detailed", "Opposite", "Unstated"]),
    ],
)
def test_detail_filters_mean_what_they_say(detailed, query, expected):
    assert titles(detailed.test_client(), query) == expected


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("power_min=abc", "power_min", "whole number"),
        ("power_min=200&power_max=100", "power_min", "greater"),
        ("registered_from=June", "registered_from", "month such as 2019-06"),
        ("registered_from=2019-13", "registered_from", "month"),
        ("accident_free=maybe", "accident_free", "true or false"),
        ("feature=Jetpack", "feature", "must be one of"),
        ("doors=4", "doors", "must be one of"),
        ("emission_min=euro7", "emission_min", "must be one of"),
        ("radius_km=0", "radius_km", "between"),
    ],
)
def test_bad_detail_filters_are_400_naming_the_field(detailed, query, field, words):
    response = detailed.test_client().get(f"/api/v1/cars?{query}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == field and words in response.json["error"]["message"]


def test_the_page_keeps_the_filters_in_the_panel_chips_and_links(detailed):
    client = detailed.test_client()
    html = client.get("/cars?seller_type=dealer&feature=Towbar&feature=Isofix&near=Berlin&radius_km=100").get_data(
        as_text=True
    )
    assert '<details class="more-filters" open>' in html
    assert 'name="feature" value="Towbar" checked' in html and 'name="feature" value="Isofix" checked' in html
    assert 'name="feature" value="Navigation">' in html
    assert '<option value="dealer" selected>Dealer</option>' in html
    assert '<option value="100" selected>100 km</option>' in html
    chip = '{} <span aria-hidden="true">×</span>'
    assert chip.format("Sold by: Dealer") in html and chip.format("Within 100 km of Berlin") in html
    assert chip.format("Towbar") in html
    assert html.count('<input type="hidden" name="feature"') == 2  # the sort form keeps both features
    # Removing one feature's chip keeps the other
    link = re.search(r'<a href="([^"]+)" aria-label="Remove the filter Towbar">', html).group(1).replace("&amp;", "&")
    assert "feature=Isofix" in link and "Towbar" not in link and "near=Berlin" in link


def test_search_page_with_every_new_filter_runs_at_most_four_queries(detailed):
    client = detailed.test_client()
    with Database.record() as names:
        response = client.get(
            "/cars?near=Berlin&radius_km=100&seller_type=dealer&power_min=90&owners_max=1&registered_from=2019-01"
            "&accident_free=1&doors=4-5&seats_min=7&emission_min=euro6&photos=1&feature=Towbar"
        )
    assert response.status_code == 200
    assert len(names) <= 4, names


def test_sellers_enter_the_details_and_the_car_page_shows_them(seller, app):
    car_id = create(
        seller,
        seller_type="dealer",
        power_kw="110",
        registration_month="6",
        owners="1",
        accident_free="yes",
        doors="5",
        seats="5",
        emission_class="euro6d_temp",
    )
    row = sql(
        app,
        "SELECT seller_type, power_kw, registration_month, owners, accident_free, doors, seats, emission_class,"
        " latitude IS NOT NULL FROM cars WHERE id = %s",
        car_id,
    )
    assert row == [("dealer", 110, 6, 1, True, 5, 5, "euro6d_temp", True)]  # located in Leipzig
    form = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert '<option selected value="yes">Yes</option>' in form and '<option selected value="6">June</option>' in form
    assert post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}").status_code == 303
    sql(app, "UPDATE cars SET status = 'available' WHERE id = %s", car_id)
    page = seller.get(seller.get(f"/cars/{car_id}").headers["Location"]).get_data(as_text=True)
    for shown in ("06/2019", "110 kW (150 hp)", "Euro 6d-TEMP", "<dt>Owners</dt><dd>1</dd>", "Dealer"):
        assert shown in page, shown
    assert "<dt>Accident free</dt><dd>Yes</dd>" in page and "<dt>Seats</dt><dd>5</dd>" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("power_kw", "0", "Enter the power in kW"),
        ("owners", "-1", "from 0 to 99"),
        ("doors", "12", "1 to 9 doors"),
        ("registration_month", "13", "Choose a month"),
        ("emission_class", "euro9", "Not a valid choice"),
        ("seller_type", "broker", "Not a valid choice"),
    ],
)
def test_bad_details_in_the_form_are_refused_next_to_the_field(seller, field, value, message):
    response = post(seller, "/sell/new", {**VALID, field: value}, page="/sell/new")
    assert response.status_code in (200, 400)
    assert message in response.get_data(as_text=True)


def test_a_public_listing_claiming_accident_free_waits_for_review_but_doors_apply_at_once(seller, app):
    car_id = create(seller)
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    sql(app, "UPDATE cars SET status = 'available' WHERE id = %s", car_id)
    response = post(seller, f"/sell/{car_id}", {**VALID, "accident_free": "yes", "doors": "3"}, page=f"/sell/{car_id}")
    assert response.status_code == 303
    assert sql(app, "SELECT accident_free, doors FROM cars WHERE id = %s", car_id) == [(None, 3)]
    ((proposed,),) = sql(app, "SELECT proposed FROM listing_revisions WHERE car_id = %s AND status = 'pending'", car_id)
    assert proposed == {"accident_free": True}
