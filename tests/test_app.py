"""The site over Flask's test client: pages, errors, headers, readiness, configuration and demo data."""

from __future__ import annotations

import re

import psycopg
import pytest

from carsite import create_app, db, seed
from carsite.config import ConfigError
from carsite.db import Database

from .helpers import make_car, make_user

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def car_ids(html: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb'href="/cars/(\d+)"', html)]


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.json["migrations"]["pending"] == []


def test_readyz_is_503_while_migrations_are_pending(make_app, fresh_database):
    app = make_app(DATABASE_URL=fresh_database())
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "migrations not current"
    assert response.json["migrations"]["pending"][0] == 1


def test_readyz_is_503_when_an_applied_migration_changed(make_app, clean_db):
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2")
    try:
        response = make_app().test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["migrations"]["changed"] == [2]
    finally:
        with psycopg.connect(clean_db, autocommit=True) as conn:
            from carsite.db.migrate import discover
            from tests.conftest import ROOT

            real = next(m.checksum for m in discover(ROOT / "migrations") if m.version == 2)
            conn.execute("UPDATE schema_migrations SET checksum = %s WHERE version = 2", (real,))


def test_home_shows_newest_cars_makes_and_featured_in_four_queries_then_three(demo):
    client = demo.test_client()
    with Database.record() as names:
        response = client.get("/")
    assert response.status_code == 200
    # the data versions first: the ETag (carsite.web.caching), read once per request
    assert names == ["versions.current", "search.cars_unfiltered", "cars.makes_with_counts", "selling.featured"]
    with Database.record() as names:
        again = client.get("/")
    # The makes are kept until a listing changes.
    assert names == ["versions.current", "search.cars_unfiltered", "selling.featured"]
    assert again.data == response.data
    assert len(car_ids(response.data)) == 8
    assert b"Browse by make" in response.data
    assert b'href="/cars?make=Toyota"' in response.data


def test_car_list_pages_with_a_keyset_cursor_without_overlap(demo):
    client = demo.test_client()
    seen: list[int] = []
    url = "/cars"
    with Database.record() as names:
        first = client.get(url)
    assert names == ["versions.current", "search.cars_unfiltered", "search.facets_from_counts"]
    with Database.record() as names:
        client.get(url)
    assert names == ["versions.current", "search.cars_unfiltered"]  # the facets are kept until a listing changes
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += car_ids(response.data)
        match = re.search(rb'rel="next" href="([^"]+)"', response.data)
        url = match.group(1).decode().replace("&amp;", "&") if match else None
    assert first.status_code == 200
    assert len(seen) == len(set(seen))
    with demo.app_context():
        from carsite import db

        available = sum(r["cars"] for r in db.all("cars.makes_with_counts"))
    assert len(seen) == available > 250


def test_next_page_is_stable_when_new_cars_arrive(demo):
    client = demo.test_client()
    first = client.get("/cars")
    next_url = re.search(rb'rel="next" href="([^"]+)"', first.data).group(1).decode().replace("&amp;", "&")
    before = car_ids(client.get(next_url).data)
    with demo.app_context():
        seller = db.one("users.user_by_email", email="seller@demo.carsite.test")["id"]
    for n in range(5):  # five cars listed just now
        make_car(demo, seller, status="available", title=f"Just listed {n}")
    assert car_ids(client.get("/cars").data)[:5] != car_ids(first.data)[:5]  # page 1 shows them
    assert car_ids(client.get(next_url).data) == before  # page 2 did not shift (OFFSET would have)


def test_filter_by_make_and_text(demo):
    client = demo.test_client()
    response = client.get("/cars?make=Volvo")
    assert response.status_code == 200
    assert b"Volvo cars for sale" in response.data
    titles = re.findall(rb"<h3>([^<]+)</h3>", response.data)
    assert titles and all(t.startswith(b"Volvo") for t in titles)
    assert client.get("/cars?q=zzzzzz").status_code == 200
    assert b"No cars match" in client.get("/cars?q=zzzzzz").data


@pytest.mark.parametrize("cursor", ["garbage", "Zm9v", "", "%00", "MjAyNi0wMS0wMXxub3RhbnVtYmVy"])
def test_forged_cursor_is_a_400_naming_the_parameter(demo, cursor):
    client = demo.test_client()
    response = client.get(f"/cars?cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # an empty cursor is the first page
        return
    assert response.status_code == 400
    if cursor != "%00":  # (control characters are refused before any view) the first page, with a note in words
        assert b"That page link is not valid for this search" in response.data and b'class="cards"' in response.data
    api_style = client.get(f"/cars?cursor={cursor}", headers={"Accept": "application/json"})
    assert api_style.json["error"]["status"] == 400
    assert api_style.json["error"]["field"] == "cursor"
    if cursor != "%00":
        assert api_style.json["error"]["message"] == (
            "The cursor is not valid for this search; start again from the first page."
        )


def test_car_page_redirects_to_the_canonical_slug(demo):
    client = demo.test_client()
    response = client.get("/cars/1")
    assert response.status_code == 301
    location = response.headers["Location"]
    assert re.fullmatch(r"/cars/1/[a-z0-9-]+", location)
    page = client.get(location)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://localhost{location}">'.encode() in page.data
    assert client.get("/cars/1/wrong-slug").headers["Location"] == location


def test_unknown_pending_and_absurd_car_ids_are_404(demo):
    client = demo.test_client()
    with demo.app_context():
        from carsite.cars.search import Search, run

        pending = run(Search(limit=1)).cars
    assert client.get("/cars/999999").status_code == 404
    assert client.get("/cars/99999999999999999999999").status_code == 404
    assert client.get("/cars/abc").status_code == 404
    assert client.get("/cars/-1").status_code == 404
    assert pending  # the seed has available cars; pending ones are hidden:
    with psycopg.connect(demo.config["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("UPDATE cars SET status = 'pending' WHERE id = 5")
    assert client.get("/cars/5/x").status_code == 404


def test_sold_car_keeps_its_page_with_a_notice(demo):
    with psycopg.connect(demo.config["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("UPDATE cars SET status = 'sold' WHERE id = 7")
    client = demo.test_client()
    page = client.get(client.get("/cars/7").headers["Location"])
    assert page.status_code == 200
    assert b"This car is no longer for sale (sold)" in page.data


def test_user_text_is_escaped(make_app):
    app = make_app()
    seller = make_user(app, "eve@example.com", name="<b>Eve</b>", role="seller")
    make_car(app, seller, status="available", title="<script>alert(1)</script>", description='"><img src=x>')
    client = app.test_client()
    page = client.get(client.get("/cars/1").headers["Location"]).data
    assert b"<script>alert(1)" not in page and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert b"<b>Eve</b>" not in page and b'"><img src=x>' not in page


@pytest.mark.parametrize("path", ["/", "/cars", "/nope", "/healthz", "/cars?cursor=bad", "/boom"])
def test_security_headers_on_every_response(app, path):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get(path)
    for header in SECURITY_HEADERS:
        assert header in response.headers, (path, header)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Request-Id"]


def test_unexpected_error_is_a_generic_500_with_a_reference(app, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom", headers={"X-Request-Id": "req-123"})
    assert response.status_code == 500
    assert b"req-123" in response.data
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert any("req-123" in r.getMessage() for r in caplog.records)
    api = app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert api.json["error"]["status"] == 500


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.post("/cars")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_no_inline_script_in_pages(demo):
    client = demo.test_client()
    for path in ["/", "/cars", client.get("/cars/1").headers["Location"], "/nope"]:
        html = client.get(path).data
        # the only inline script element is JSON-LD (data for search engines, never executed); code comes from our
        # own file (allowed by script-src 'self')
        assert html.count(b'<script src="/static/site.js" defer></script>') == 1
        external = len(re.findall(rb'<script src="/static/[a-z-]+\.js" defer></script>', html))  # a page's own file
        assert html.count(b"<script") - external == html.count(b'<script type="application/ld+json">')
        assert b" style=" not in html
        assert b"http://" not in html.replace(b"http://localhost", b"")  # every asset is our own


def test_stylesheet_is_served(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ENV": "production", "SECRET_KEY": None}, "needs CARSITE_SECRET_KEY"),
        ({"ENV": "production", "SECRET_KEY": "change-me"}, "needs CARSITE_SECRET_KEY"),
        ({"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": None}, "needs DATABASE_URL"),
        (
            {"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql:///x", "BASE_URL": "http://x"},
            "needs CARSITE_BASE_URL",
        ),
        (
            {"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql:///x", "BASE_URL": "https://x"},
            "needs CARSITE_MAIL_SERVER",
        ),
    ],
)
def test_production_refuses_to_start_without_secret_or_database(overrides, message, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match=message) as info:
        create_app(overrides)
    assert "\n" not in str(info.value)


def test_production_sends_hsts_and_never_loads_demo_data(make_app):
    app = make_app(ENV="production", SECRET_KEY="k" * 40, BASE_URL="https://cars.example", MAIL_SERVER="smtp.example")
    response = app.test_client().get("/healthz", base_url="https://cars.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context(), pytest.raises(seed.SeedRefused):
        seed.demo()


def test_environment_configures_the_app(monkeypatch, clean_db):
    monkeypatch.setenv("CARSITE_DB_POOL_MAX", "3")
    monkeypatch.setenv("CARSITE_SITE_NAME", "Autohaus")
    monkeypatch.setenv("DATABASE_URL", clean_db)
    app = create_app({"TESTING": True})
    try:
        assert app.config["DB_POOL_MAX"] == 3
        assert app.extensions["carsite.db"].pool.max_size == 3
        assert b"Autohaus" in app.test_client().get("/").data
    finally:
        app.extensions["carsite.db"].close()


def test_demo_data_is_realistic_and_idempotent(app):
    with app.app_context():
        from carsite import db

        assert seed.demo() >= 300
        assert seed.demo() == 0
        makes = db.all("cars.makes_with_counts")
        assert len(makes) >= 25
        roles = {r for r in ("user", "seller", "admin") if db.all("users.ids_by_role", role=r)}
        assert roles == {"user", "seller", "admin"}
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        count, low, high, years, hashes = conn.execute(
            "SELECT count(*), min(price), max(price), count(DISTINCT year),"
            " bool_and(password_hash LIKE 'scrypt:%%') FROM cars, users"
        ).fetchone()
    assert count >= 300 * 4 and low >= 500 and high < 200_000 and years > 10 and hashes


def test_generate_adds_cars_in_batches(app):
    progress = []
    with app.app_context():
        seed.demo()
        assert seed.generate(2500, batch=1000, progress=lambda done, total: progress.append(done)) == 2500
    assert progress == [1000, 2000, 2500]
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM cars").fetchone()[0] == seed.DEMO_CARS + 2500
