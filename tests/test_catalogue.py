"""The make and model catalogue (issue 10): canonical names whoever types them, aliases, production years, the
selling form's selects with and without JavaScript, the other-model path through moderation, and search reading
the catalogue."""

from __future__ import annotations

import re

import pytest

from carsite import db

from .helpers import make_car, make_user, post, sql
from .test_search import LISTED, every_page

pytestmark = pytest.mark.usefixtures("app")


def ids_of(app, make: str, model: str) -> tuple[int, int]:
    return sql(
        app,
        "SELECT mk.id, md.id FROM makes mk JOIN models md ON md.make_id = mk.id WHERE mk.name = %s AND md.name = %s",
        make,
        model,
    )[0]


# -- the catalogue itself ------------------------------------------------------------------------------------------


def test_the_catalogue_is_broad_and_its_years_honest(app):
    (makes, models), *_ = sql(app, "SELECT (SELECT count(*) FROM makes), (SELECT count(*) FROM models)")
    assert 80 <= makes <= 130 and 500 <= models <= 1200
    names = {r[0] for r in sql(app, "SELECT name FROM makes")}
    for make in ("Tesla", "Polestar", "BYD", "NIO", "Lucid", "Rivian", "Volkswagen", "Mercedes-Benz", "Porsche"):
        assert make in names
    years = {
        (r[0], r[1]): (r[2], r[3])
        for r in sql(app, "SELECT mk.name, md.name, year_from, year_to FROM models md JOIN makes mk ON mk.id = make_id")
    }
    assert years[("Volkswagen", "ID.4")] == (2020, None)
    assert years[("Ford", "Fiesta")] == (1976, 2023)
    assert years[("Tesla", "Model 3")] == (2017, None)
    assert sql(app, "SELECT count(*) FROM models WHERE year_to < year_from OR cardinality(bodies) = 0") == [(0,)]


@pytest.mark.parametrize(
    ("typed_make", "typed_model", "make", "model"),
    [
        ("VW", "golf gti", "Volkswagen", "Golf"),
        ("Mercedes", "C-Klasse", "Mercedes-Benz", "C-Class"),
        ("benz", "c klasse", "Mercedes-Benz", "C-Class"),
        ("Merc", "Classe A", "Mercedes-Benz", "A-Class"),
        ("bmw", "3er", "BMW", "3 Series"),
        ("BMW", "320d Touring", "BMW", "3 Series"),
        ("Chevy", "Corvette", "Chevrolet", "Corvette"),
        ("tesla", "Model3", "Tesla", "Model 3"),
        ("Škoda", "octavia combi", "Skoda", "Octavia"),
        ("Citroën", "C5 Aircross", "Citroen", "C5 Aircross"),
        ("Land-Rover", "Range-Rover", "Land Rover", "Range Rover"),
        (" Volkswagen ", " Passat  Variant ", "Volkswagen", "Passat"),
    ],
)
def test_names_and_aliases_in_any_language_resolve(app, typed_make, typed_model, make, model):
    with app.app_context():
        found = db.one("catalogue.resolve", make=typed_make, model=typed_model)
    assert (found["make"], found["model"]) == (make, model)


def test_unknown_names_resolve_to_nothing(app):
    with app.app_context():
        assert db.one("catalogue.resolve", make="Trabant", model="P601")["make_id"] is None
        found = db.one("catalogue.resolve", make="Volkswagen", model="Golfball")
    assert found["make"] == "Volkswagen" and found["model_id"] is None


# -- listings reference it -----------------------------------------------------------------------------------------


def test_a_typed_make_and_model_are_stored_as_the_catalogue_spells_them(app):
    seller = make_user(app, "s@example.com", role="seller")
    car_id = make_car(app, seller, make="  volkswagen ", model="golf   gti", title="vw golf gti")
    row = sql(app, "SELECT make, model, make_id, model_id, model_other FROM cars WHERE id = %s", car_id)[0]
    assert row == ("Volkswagen", "Golf", *ids_of(app, "Volkswagen", "Golf"), None)


def test_a_model_the_catalogue_lacks_is_kept_and_cannot_go_public(app):
    seller = make_user(app, "s@example.com", role="seller")
    car_id = make_car(app, seller, make="volkswagen", model="Kübelwagen  Typ 82", status="pending")
    assert sql(app, "SELECT make, model, model_id, model_other FROM cars WHERE id = %s", car_id) == [
        ("Volkswagen", "Kübelwagen Typ 82", None, "Kübelwagen Typ 82")
    ]
    with app.app_context(), pytest.raises(db.CheckViolation) as refused:
        db.optional("selling.decide", car_id=car_id, status="available", remark=None)
    assert refused.value.constraint == "cars_model_in_catalogue"


def test_demo_cars_are_real_combinations(demo):
    rows = sql(
        demo,
        "SELECT c.make, c.model, c.year, md.year_from, md.year_to FROM cars c"
        " LEFT JOIN models md ON md.id = c.model_id",
    )
    assert rows
    wrong = [r for r in rows if r[3] is None or r[2] < r[3] or (r[4] is not None and r[2] > r[4] + 1)]
    assert wrong == []


def test_generated_cars_are_real_combinations(demo):
    from carsite import seed

    with demo.app_context():
        assert seed.generate(300, batch=150) == 300
    assert sql(
        demo,
        "SELECT count(*) FROM cars c JOIN models md ON md.id = c.model_id AND md.make_id = c.make_id"
        " WHERE c.year BETWEEN md.year_from AND coalesce(md.year_to, 2100) AND c.make = (SELECT name FROM makes"
        " WHERE id = c.make_id) AND c.model = md.name",
    ) == sql(demo, "SELECT count(*) FROM cars")


# -- one odd spelling moves nothing else ---------------------------------------------------------------------------

ODD = [("volkswagen", "golf"), ("VW", "Golf GTI"), ("Volkswagen  ", "Golf "), ("VOLKSWAGEN", "GOLF"), ("Vw", "golf")]


def snapshot(app) -> dict:
    client = app.test_client()
    with app.app_context():
        make_list = [(r["make"], r["cars"]) for r in db.all("cars.makes_with_counts")]
    page = client.get("/cars?make=Volkswagen").get_data(as_text=True)
    return {
        "makes": make_list,
        "make_options": re.findall(r'<option value="([^"]+)"[^>]*>\1 \((\d+)\)</option>', page),
        "vw": sorted(i["id"] for i in every_page(client, make="Volkswagen")),
        "golf": sorted(i["id"] for i in every_page(client, make="Volkswagen", model="Golf")),
        "counts": sql(app, "SELECT make, model, sum(cars) FROM listing_counts GROUP BY 1, 2 HAVING sum(cars) > 0"),
    }


def test_one_car_with_every_odd_spelling_moves_nothing_else(demo):
    before = snapshot(demo)
    seller = sql(demo, "SELECT id FROM users WHERE role = 'seller' ORDER BY id LIMIT 1")[0][0]
    added = [
        make_car(demo, seller, status="available", make=make, model=model, title=f"{make} {model} odd spelling")
        for make, model in ODD
    ]
    after = snapshot(demo)

    vw = dict(before["makes"])["Volkswagen"]
    assert dict(after["makes"]) == {**dict(before["makes"]), "Volkswagen": vw + len(ODD)}
    assert [m for m, _ in after["makes"] if m.lower() == "volkswagen"] == ["Volkswagen"]
    grown = {"Volkswagen": len(ODD), "Golf": len(ODD)}  # the make facet and, with make=Volkswagen, the model facet
    assert dict(after["make_options"]) == {
        value: str(int(n) + grown.get(value, 0)) for value, n in before["make_options"]
    }
    assert after["vw"] == sorted(before["vw"] + added)
    assert after["golf"] == sorted(before["golf"] + added)
    golf_before = {(m, mo): n for m, mo, n in before["counts"]}
    golf_after = {(m, mo): n for m, mo, n in after["counts"]}
    assert golf_after == {**golf_before, ("Volkswagen", "Golf"): golf_before.get(("Volkswagen", "Golf"), 0) + 5}

    client = demo.test_client()
    for spelling in ("vw", "volkswagen", "VOLKSWAGEN", " Volkswagen "):
        assert sorted(i["id"] for i in every_page(client, make=spelling)) == after["vw"], spelling
    assert sorted(i["id"] for i in every_page(client, make="vw", model="golf gti")) == after["golf"]
    api = client.get(f"/api/v1/cars/{added[0]}").json
    assert (api["make"], api["model"]) == ("Volkswagen", "Golf")

    page = client.get(f"/cars/{added[1]}", follow_redirects=True).get_data(as_text=True)
    similar = re.findall(r'class="card-link" href="/cars/(\d+)"', page.split("<h2>Similar cars</h2>", 1)[-1])
    assert similar, "no similar cars"
    similar_makes = sql(demo, "SELECT DISTINCT make, model FROM cars WHERE id = ANY(%s)", [int(i) for i in similar])
    assert similar_makes == [("Volkswagen", "Golf")]
    assert '<a href="/cars?make=Volkswagen">Volkswagen</a>' in page  # the breadcrumb


# -- search reads the catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "make", "model"),
    [
        ({"q": "bmw 3er"}, "BMW", "3 Series"),
        ({"q": "c klasse"}, "Mercedes-Benz", "C-Class"),
        ({"q": "mercedes c-klasse"}, "Mercedes-Benz", "C-Class"),
        ({"make": "mercedes"}, "Mercedes-Benz", None),
        ({"make": "bmw", "model": "3er"}, "BMW", "3 Series"),
        ({"make": "VW"}, "Volkswagen", None),
        ({"q": "tesla model3"}, "Tesla", "Model 3"),
    ],
)
def test_aliases_in_search_find_the_catalogue_entry(demo, params, make, model):
    items = every_page(demo.test_client(), **params)
    expected = sql(
        demo,
        f"SELECT count(*) FROM cars WHERE {LISTED} AND make = %s AND (%s::text IS NULL OR model = %s)",
        make,
        model,
        model,
    )[0][0]
    assert expected and len(items) == expected
    assert {(i["make"], i["model"] if model else None) for i in items} == {(make, model)}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("one owner coupe", {"make": None, "model": None, "body": "coupe", "text": "one owner"}),
        ("mini one", {"make": "Mini", "model": "Cooper", "body": None, "text": None}),
        ("3 seats", {"make": None, "model": None, "body": None, "text": "3 seats"}),
        ("mazda 3", {"make": "Mazda", "model": "3", "body": None, "text": None}),
        ("polestar 2", {"make": "Polestar", "model": "2", "body": None, "text": None}),
        ("toyta corola", {"make": "Toyota", "model": "Corolla", "body": None, "text": None}),
    ],
)
def test_words_read_as_catalogue_entries_only_where_meant(app, q, expected):
    from carsite.cars.search import interpret, parse

    with app.app_context():
        search = interpret(parse({"q": q}))
    assert {k: getattr(search, k) for k in expected} == expected


# -- the selling form ----------------------------------------------------------------------------------------------

FORM = {
    "title": "My car",
    "year": "2019",
    "price": "17450",
    "mileage_km": "48200",
    "fuel": "petrol",
    "transmission": "manual",
    "body": "hatchback",
    "colour": "Blue",
    "condition": "used",
    "city": "Leipzig",
}


def test_show_models_without_javascript_keeps_what_was_typed(app, seller):
    vw, golf = ids_of(app, "Volkswagen", "Golf")
    response = post(seller, "/sell/new", {**FORM, "make": str(vw), "model": "", "show_models": "1"}, page="/sell/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<option value="{golf}">Golf</option>' in html
    assert '<option value="other">Other model (not in the list)</option>' in html
    assert 'value="My car"' in html and 'value="17450"' in html
    assert sql(app, "SELECT count(*) FROM cars") == [(0,)]  # nothing saved
    assert "listing-form.js" in html and 'data-models-url="/api/v1/makes/0/models"' in html


def test_a_year_outside_the_models_production_is_refused(app, seller):
    vw, id4 = ids_of(app, "Volkswagen", "ID.4")
    response = post(seller, "/sell/new", {**FORM, "make": str(vw), "model": str(id4), "year": "2009"}, page="/sell/new")
    assert response.status_code == 400
    assert "The ID.4 was built from 2020." in response.get_data(as_text=True)
    assert 'value="2009"' in response.get_data(as_text=True)
    assert post(seller, "/sell/new", {**FORM, "make": str(vw), "model": str(id4), "year": "2021"}).status_code == 303


def test_a_model_of_another_make_is_refused(app, seller):
    vw, _ = ids_of(app, "Volkswagen", "Golf")
    _, corolla = ids_of(app, "Toyota", "Corolla")
    response = post(seller, "/sell/new", {**FORM, "make": str(vw), "model": str(corolla)}, page="/sell/new")
    assert response.status_code == 400
    assert "Choose the Volkswagen model" in response.get_data(as_text=True)


def test_the_other_model_path_goes_through_a_moderator(app, seller, admin):
    vw, _golf = ids_of(app, "Volkswagen", "Golf")
    data = {**FORM, "make": str(vw), "model": "other", "model_other": "Golf Country"}
    response = post(seller, "/sell/new", data, page="/sell/new")
    assert response.status_code == 303
    car_id = int(re.search(r"/sell/(\d+)", response.headers["Location"]).group(1))
    assert sql(app, "SELECT model, model_id, model_other FROM cars WHERE id = %s", car_id) == [
        ("Golf Country", None, "Golf Country")
    ]
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    queue = admin.get("/admin/moderation").get_data(as_text=True)
    assert "Model not in the catalogue" in queue and "Golf Country" in queue

    refused = post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation", follow_redirects=True)
    assert "not in the catalogue yet" in refused.get_data(as_text=True)
    assert sql(app, "SELECT status FROM cars WHERE id = %s", car_id) == [("pending",)]

    added = post(
        admin,
        f"/admin/catalogue/makes/{vw}/models",
        {"name": "Golf Country", "year_from": "1990", "year_to": "1991", "bodies": ["suv"], "car_id": str(car_id)},
        page="/admin/moderation",
        follow_redirects=True,
    )
    assert "is in the catalogue" in added.get_data(as_text=True)
    (model_id,) = sql(app, "SELECT id FROM models WHERE make_id = %s AND name = 'Golf Country'", vw)[0]
    assert sql(app, "SELECT model, model_id, model_other FROM cars WHERE id = %s", car_id) == [
        ("Golf Country", model_id, None)
    ]
    events = [r[0] for r in sql(app, "SELECT action FROM audit_log WHERE action LIKE 'catalogue.%%' ORDER BY id")]
    assert events == ["catalogue.add_model", "catalogue.map_car"]
    post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    assert sql(app, "SELECT status FROM cars WHERE id = %s", car_id) == [("available",)]

    again = post(
        admin,
        f"/admin/catalogue/makes/{vw}/models",
        {"name": "golf-country", "year_from": "1990", "bodies": ["suv"]},
        page="/admin/moderation",
        follow_redirects=True,
    )
    assert "already has" in again.get_data(as_text=True)


def test_a_moderator_maps_a_typed_model_to_an_existing_one(app, seller, admin):
    _vw, golf = ids_of(app, "Volkswagen", "Golf")
    owner = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    car_id = make_car(app, owner, make="Volkswagen", model="Gulf", status="pending")
    _, corolla = ids_of(app, "Toyota", "Corolla")
    wrong = post(admin, f"/admin/catalogue/cars/{car_id}/map", {"model_id": str(corolla)}, page="/admin/moderation")
    assert wrong.status_code == 303
    assert sql(app, "SELECT model_id FROM cars WHERE id = %s", car_id) == [(None,)]
    post(admin, f"/admin/catalogue/cars/{car_id}/map", {"model_id": str(golf)}, page="/admin/moderation")
    assert sql(app, "SELECT make, model, model_id, model_other FROM cars WHERE id = %s", car_id) == [
        ("Volkswagen", "Golf", golf, None)
    ]
    (detail,) = sql(app, "SELECT detail FROM audit_log WHERE action = 'catalogue.map_car'")[0]
    assert detail["typed"] == "Gulf" and detail["model"] == "Golf"
    assert seller.post(f"/admin/catalogue/cars/{car_id}/map", data={"model_id": str(golf)}).status_code in (400, 403)


def test_a_live_listing_cannot_switch_to_a_typed_model(app, seller):
    owner = sql(app, "SELECT id FROM users WHERE email = 'seller@example.com'")[0][0]
    car_id = make_car(app, owner, make="Fiat", model="Panda", status="available")
    vw, _ = ids_of(app, "Fiat", "Panda")
    response = post(
        seller,
        f"/sell/{car_id}",
        {**FORM, "make": str(vw), "model": "other", "model_other": "Panda Hyper"},
        page=f"/sell/{car_id}",
    )
    assert response.status_code == 400
    assert "must come from the list" in response.get_data(as_text=True)


# -- the API -------------------------------------------------------------------------------------------------------


def test_the_catalogue_endpoints(app, client):
    makes = client.get("/api/v1/makes").json["items"]
    vw = next(m for m in makes if m["name"] == "Volkswagen")
    models = client.get(f"/api/v1/makes/{vw['id']}/models").json
    assert models["make"] == vw
    id4 = next(m for m in models["items"] if m["name"] == "ID.4")
    assert (id4["year_from"], id4["year_to"], id4["bodies"]) == (2020, None, ["suv"])
    assert client.get("/api/v1/makes/999999/models").status_code == 404
    assert client.get(f"/api/v1/makes/{2**40}/models").status_code == 404
    paths = client.get("/api/openapi.json").json["paths"]
    assert "/api/v1/makes" in paths and "/api/v1/makes/{make_id}/models" in paths


# -- the migration that maps today's cars --------------------------------------------------------------------------


def test_the_migration_maps_todays_cars_and_reports_the_rest(fresh_database):
    from pathlib import Path

    import psycopg

    from carsite.db.migrate import Runner

    url = fresh_database()
    messages: list[str] = []
    runner = Runner(url, Path(__file__).resolve().parent.parent / "migrations", echo=messages.append)
    runner.migrate(target=24)
    with psycopg.connect(url, autocommit=True) as conn:
        seller = conn.execute(
            "INSERT INTO users (name, email, password_hash, role) VALUES ('S', 's@example.com', '!', 'seller')"
            " RETURNING id"
        ).fetchone()[0]
        for make, model, status in [
            ("volkswagen", "golf", "available"),
            ("VW ", "Golf GTI", "available"),
            ("Mercedes", "C-Klasse", "sold"),
            ("Trabant", "P601", "available"),
            ("Volkswagen", "Kübelwagen", "available"),
        ]:
            conn.execute(
                "INSERT INTO cars (seller_id, title, price, status, make, model, year, fuel, mileage_km,"
                " transmission, body, colour) VALUES (%s, 'A car', 1000, %s, %s, %s, 2015, 'petrol', 1, 'manual',"
                " 'sedan', 'red')",
                (seller, status, make, model),
            )
        before = conn.execute("SELECT id, updated_at FROM cars ORDER BY id").fetchall()
    runner.migrate(target=25)
    assert any("3 of 5 cars mapped; 1 with a make the catalogue lacks, 1 with a model it lacks" in m for m in messages)
    assert not any("already exists" in m for m in messages)  # PostgreSQL's own notices are not the report
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT make, model, model_id IS NOT NULL, model_other, status FROM cars ORDER BY id")
        assert rows.fetchall() == [
            ("Volkswagen", "Golf", True, None, "available"),
            ("Volkswagen", "Golf", True, None, "available"),
            ("Mercedes-Benz", "C-Class", True, None, "sold"),
            ("Trabant", "P601", False, "P601", "available"),  # kept as typed, still listed, to be mapped
            ("Volkswagen", "Kübelwagen", False, "Kübelwagen", "available"),
        ]
        assert conn.execute("SELECT id, updated_at FROM cars ORDER BY id").fetchall() == before
        counts = conn.execute("SELECT make, model, cars FROM listing_counts WHERE cars > 0 ORDER BY 1, 2").fetchall()
        assert counts == [("Trabant", "P601", 1), ("Volkswagen", "Golf", 2), ("Volkswagen", "Kübelwagen", 1)]
