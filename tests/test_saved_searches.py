"""Saved searches and alerts: the alert matches what /cars shows, only new cars, frequencies and pauses."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from carsite import db, searches
from carsite.cars.search import interpret, parse_page, run
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict, NotFound

from .helpers import mails, make_car, make_user, sql

SEARCHES = [
    {},
    {"make": "BMW"},
    {"make": "BMW", "model": "3 Series"},
    {"price_max": "20000"},
    {"price_min": "6000", "price_max": "30000"},
    {"fuel": "diesel"},
    {"body": "estate"},
    {"year_min": "2018"},
    {"mileage_max": "50000"},
    {"city": "Berlin"},
    {"q": "sunroof"},
    {"q": "bmw diesel under 25000"},
    {"make": "Fiat", "colour": "red"},
]
CARS = [
    {
        "title": "BMW 320d Touring sunroof",
        "make": "BMW",
        "model": "3 Series",
        "fuel": "diesel",
        "body": "estate",
        "price": 19000,
        "year": 2019,
        "mileage_km": 40000,
        "city": "Berlin",
        "description": "Panorama sunroof",
    },
    {
        "title": "BMW X5",
        "make": "BMW",
        "model": "X5",
        "fuel": "petrol",
        "body": "suv",
        "price": 45000,
        "year": 2021,
        "mileage_km": 10000,
        "city": "Munich",
    },
    {"title": "Fiat Panda", "price": 5000, "year": 2015, "mileage_km": 90000},
    {"title": "Fiat Panda blue", "colour": "blue", "price": 7000, "year": 2018, "mileage_km": 30000, "city": "Berlin"},
    {
        "title": "VW Golf estate",
        "make": "Volkswagen",
        "model": "Golf",
        "fuel": "diesel",
        "body": "estate",
        "price": 12000,
        "year": 2017,
        "mileage_km": 120000,
    },
]


def _search(app, args):
    with app.test_request_context():
        return interpret(parse_page(MultiDict(args)).search)


def _save(app, user_id, args, frequency="daily"):
    with app.test_request_context():
        return searches.save(_search(app, args), "", frequency, actor=Actor(user_id=user_id, role="user"))


def _backdate(app):
    sql(app, "UPDATE saved_searches SET checked_until = now() - interval '1 hour'")


def test_alert_matches_are_what_cars_shows(make_app):
    app = make_app(ALERT_SETTLE_SECONDS=0)
    seller = make_user(app, "seller@example.com")
    buyer = make_user(app, "buyer@example.com")
    ids = {}
    for index, args in enumerate(SEARCHES):
        ids[_save(app, buyer, args)] = args
        sql(app, "UPDATE saved_searches SET name = %s WHERE id = (SELECT max(id) FROM saved_searches)", f"s{index}")
    _backdate(app)
    for car in CARS:
        make_car(app, seller, status="available", **car)
    with app.app_context():
        rows = {
            r["id"]: r
            for r in db.all(
                "saved_searches.matches",
                frequency="daily",
                horizon=__import__("datetime").datetime.now(__import__("datetime").UTC),
                per_mail=100,
            )
        }
    checked = 0
    for search_id, args in ids.items():
        with app.test_request_context():
            page = {c["id"] for c in run(_search(app, {**args, "limit": "100"})).cars}
        alert = {c["id"] for c in rows[search_id]["cars"]} if search_id in rows else set()
        assert alert == page, args
        checked += bool(page)
    assert checked >= 8


def test_alert_mails_new_matches_once_and_respects_pause_and_frequency(make_app):
    app = make_app(ALERT_SETTLE_SECONDS=0)
    seller = make_user(app, "seller@example.com")
    buyer = make_user(app, "buyer@example.com")
    old = make_car(app, seller, status="available", **CARS[0])
    daily = _save(app, buyer, {"make": "BMW"})
    _save(app, buyer, {"make": "Fiat"}, frequency="weekly")
    paused = _save(app, buyer, {"fuel": "diesel"})
    with app.test_request_context():
        searches.update(paused, actor=Actor(user_id=buyer, role="user"), paused=True)
        searches.run_alerts("daily")
    assert mails(app) == []  # the old car was published before the searches were saved
    new = make_car(app, seller, status="available", **CARS[1])
    make_car(app, seller, status="available", **CARS[2])  # a Fiat: the weekly search waits for its run
    with app.test_request_context():
        figures = searches.run_alerts("daily")
    assert figures["searches_alerted"] == 1
    sent = mails(app)
    assert len(sent) == 1
    body = sent[0].get_body(("plain",)).get_content()
    assert f"/cars/{new}" in body and f"/cars/{old}" not in body and "/cars?make=BMW" in body
    assert "/searches" in body  # where to rename, pause or delete the alert
    # the HTML part: each new car a linked card with its price, one button to the search, its unsubscribe once
    html = sent[0].get_body(("html",)).get_content()
    assert f'/cars/{new}" style="display:block' in html and f"/cars/{old}" not in html
    assert "See all matching cars" in html and 'href="http://localhost/cars?make=BMW"' in html
    assert html.count("/notifications/unsubscribe/") == 1 and "Stop these mails" not in html
    rows = sql(app, "SELECT url FROM notifications WHERE kind = 'saved_search'")
    assert rows == [("/cars?make=BMW",)]
    assert sql(app, "SELECT last_alert_at IS NOT NULL FROM saved_searches WHERE id = %s", daily) == [(True,)]
    with app.test_request_context():
        assert searches.run_alerts("daily")["searches_alerted"] == 0  # nothing new: nothing sent
    assert len(mails(app)) == 1


def test_duplicates_and_other_peoples_searches(app):
    ann = make_user(app, "ann@example.com")
    bob = make_user(app, "bob@example.com")
    search_id = _save(app, ann, {"make": "BMW", "sort": "price_asc"})
    with app.test_request_context():
        try:
            searches.save(_search(app, {"make": "bmw"}), "", "daily", actor=Actor(user_id=ann, role="user"))
            raise AssertionError("duplicate saved")
        except Conflict as exc:
            assert "already" in exc.message
        for call in (
            lambda: searches.delete(search_id, actor=Actor(user_id=bob, role="user")),
            lambda: searches.update(search_id, actor=Actor(user_id=bob, role="user"), name="x"),
        ):
            try:
                call()
                raise AssertionError("another person's search changed")
            except NotFound:
                pass


def test_save_from_results_page_and_manage(app):
    from .helpers import login, post

    ann = make_user(app, "ann@example.com")
    make_user(app, "bob@example.com")
    visitor = app.test_client()
    page = visitor.get("/cars?make=BMW&fuel=diesel").get_data(as_text=True)
    assert "/login?next=/searches/new?fuel%3Ddiesel%26make%3DBMW" in page or "searches/new" in page
    client = app.test_client()
    login(client, "ann@example.com")
    page = client.get("/cars?make=BMW&fuel=diesel&sort=price_asc").get_data(as_text=True)
    assert 'name="query" value="fuel=diesel&amp;make=BMW"' in page
    empty = client.get("/cars?make=BMW&price_max=1").get_data(as_text=True)
    assert "Tell me when one appears" in empty
    response = post(
        client, "/searches", {"query": "fuel=diesel&make=BMW", "name": "", "frequency": "instant"}, page="/searches"
    )
    assert response.status_code == 303
    listing = client.get("/searches").get_data(as_text=True)
    assert "BMW, diesel" in listing and "Instant" in listing
    response = post(client, "/searches", {"query": "make=BMW&fuel=diesel", "frequency": "daily"}, page="/searches")
    assert "already" in client.get("/searches").get_data(as_text=True)
    (search_id,) = sql(app, "SELECT id FROM saved_searches WHERE user_id = %s", ann)[0]
    bob = app.test_client()
    login(bob, "bob@example.com")
    assert post(bob, f"/searches/{search_id}", {"action": "delete"}, page="/searches").status_code == 404
    assert post(client, f"/searches/{search_id}", {"action": "pause"}, page="/searches").status_code == 303
    assert sql(app, "SELECT paused FROM saved_searches WHERE id = %s", search_id) == [(True,)]
    renamed = {"action": "save", "name": "My diesel", "frequency": "instant"}
    assert post(client, f"/searches/{search_id}", renamed, page="/searches").status_code == 303
    listing = client.get("/searches").get_data(as_text=True)
    # paused, said so, with a way back; renamed, its filters still shown in words beside the new name
    assert ">Paused</span>" in listing and "No alerts while paused" in listing and ">Resume alerts</button>" in listing
    assert "My diesel" in listing and "BMW, diesel" in listing
    assert post(client, f"/searches/{search_id}", {"action": "delete"}, page="/searches").status_code == 303
    assert sql(app, "SELECT count(*) FROM saved_searches")[0][0] == 0
    assert client.post("/searches", data={"query": "make=BMW"}).status_code == 400  # no CSRF token


def test_a_search_that_becomes_due_during_a_run_is_not_skipped_past_untested_cars(make_app, monkeypatch):
    """A search switched to this frequency after the run's match query (or checked by another run) keeps its
    checked_until: the run moves on only the quiet searches it matched, from the value it matched them at."""
    app = make_app(ALERT_SETTLE_SECONDS=0)
    seller = make_user(app, "seller@example.com")
    buyer = make_user(app, "buyer@example.com")
    quiet = _save(app, buyer, {"make": "Fiat"})
    late = _save(app, buyer, {"make": "BMW"}, frequency="weekly")
    sql(app, "UPDATE saved_searches SET checked_until = now() - interval '1 hour'")
    car = make_car(app, seller, status="available", **CARS[1])  # a BMW, new since both were checked
    before = sql(app, "SELECT checked_until FROM saved_searches WHERE id = %s", late)
    real_all = db.all

    def switch_after_matching(name, /, **params):
        rows = real_all(name, **params)
        if name == "saved_searches.matches":  # the person makes the weekly search daily while the run works
            sql(app, "UPDATE saved_searches SET frequency = 'daily' WHERE id = %s", late)
        return rows

    monkeypatch.setattr(db, "all", switch_after_matching)
    with app.test_request_context():
        figures = searches.run_alerts("daily")
    monkeypatch.setattr(db, "all", real_all)
    assert figures == {"searches_alerted": 0, "matches": 0, "checked_quiet": 1}
    assert sql(app, "SELECT checked_until FROM saved_searches WHERE id = %s", late) == before
    assert sql(app, "SELECT checked_until > now() - interval '1 minute' FROM saved_searches WHERE id = %s", quiet) == [
        (True,)
    ]
    with app.test_request_context():
        assert searches.run_alerts("daily")["searches_alerted"] == 1  # the next run tells of the BMW
    assert any(f"/cars/{car}" in m.get_body(("plain",)).get_content() for m in mails(app))
