"""Input plumbing: NUL and control characters refused once for every route, values PostgreSQL refuses answered 400,
signed and strictly parsed cursors, ids bounded to bigint, absolute URLs from BASE_URL only."""

from __future__ import annotations

import base64
import json
import re

import pytest

from carsite import db
from carsite.db.errors import InvalidValue
from carsite.domain.paging import pack

from .helpers import csrf, login, make_user, post, sql
from .test_selling import VALID


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/login", {"email": "a\x00b@example.com", "password": "whatever it is"}, "email"),
        ("/register", {"name": "Ann\x00", "email": "ann@example.com", "password": "x" * 20}, "name"),
        ("/forgot", {"email": "ann@example.com", "bad\x01key": "1"}, "bad?key"),
    ],
)
def test_control_characters_in_a_form_are_a_400_naming_the_field(app, path, data, field):
    client = app.test_client()
    response = post(client, path, data, page="/login", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["field"] == field
    assert "control characters" in response.json["error"]["message"]


def test_tabs_and_newlines_in_form_values_pass(app):
    make_user(app)
    client = app.test_client()
    login(client)
    response = post(client, "/account", {"name": "Ann", "address": "Main St 1\r\n\tLeipzig"}, page="/account")
    assert response.status_code in (200, 303)


@pytest.mark.parametrize(
    ("query", "field"),
    [("q=a%00b", "q"), ("make=%1B", "make"), ("a%00=1", "a?")],
)
def test_control_characters_in_a_query_are_a_400_on_page_and_api(app, query, field):
    client = app.test_client()
    for path in ("/cars", "/api/v1/cars"):
        response = client.get(f"{path}?{query}", headers={"Accept": "application/json"})
        assert response.status_code == 400, path
        assert response.json["error"]["field"] == field


def test_raw_bytes_that_are_not_utf8_in_a_query_are_a_400(app):
    response = app.test_client().get("/api/v1/cars", environ_overrides={"QUERY_STRING": "make=\xff\xfe"})
    assert response.status_code == 400
    assert response.json["error"]["field"] == "make"


def test_a_value_postgresql_refuses_is_invalid_value(app):
    with app.app_context(), pytest.raises(InvalidValue) as refused:
        db.all("audit.page", action="a\x00b", subject_id=None, before_id=None, limit=1)
    assert refused.value.query == "audit.page"


def sign(app, *parts):
    with app.test_request_context():
        return pack(*parts)


@pytest.mark.parametrize(
    ("sort", "value", "row_id"),
    [
        ("newest", "2026-W01", "1"),  # ISO week date: Python reads it, PostgreSQL does not
        ("newest", "2026-01-01T00:00:00+01:00:30", "1"),  # offset with seconds
        ("newest", "2026-01-01T00:00:00+00:00", str(2**63)),  # id past bigint
        ("newest", "2026-01-01T00:00:00+00:00", "1_0"),
        ("newest", "2026-01-01T00:00:00+00:00", "١٢"),  # non-ASCII digits
        ("price_asc", "1e400", "1"),
        ("price_asc", "1_0", "1"),
        ("price_asc", "9" * 30, "1"),
        ("mileage_asc", str(2**40), "1"),
        ("mileage_asc", "١٢", "1"),
        ("relevance", "1e39", "1"),
        ("relevance", "1e-50", "1"),
    ],
)
def test_signed_cursors_with_values_postgresql_refuses_are_a_400(app, sort, value, row_id):
    cursor = sign(app, sort, value, row_id)
    q = "&q=sunroof" if sort == "relevance" else ""  # words, not a catalogue model (those become filters)
    for path in ("/cars", "/api/v1/cars"):
        response = app.test_client().get(
            f"{path}?sort={sort}{q}&cursor={cursor}", headers={"Accept": "application/json"}
        )
        assert response.status_code == 400, (path, response.status_code)
        assert response.json["error"]["field"] == "cursor"


def test_unsigned_and_tampered_cursors_are_a_400(app):
    good = sign(app, "newest", "2026-01-01T00:00:00+00:00", "5")
    raw = bytearray(base64.urlsafe_b64decode(good + "=" * (-len(good) % 4)))
    raw[-1] = ord("6")
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    unsigned = base64.urlsafe_b64encode(b"newest|2026-01-01T00:00:00+00:00|5").decode()
    client = app.test_client()
    assert client.get(f"/api/v1/cars?cursor={good}").status_code == 200
    for cursor in (tampered, unsigned):
        response = client.get(f"/api/v1/cars?cursor={cursor}")
        assert response.status_code == 400 and response.json["error"]["field"] == "cursor"
        assert "start again from the first page" in response.json["error"]["message"]


def test_admin_account_cursor_is_signed_and_strict(app):
    make_user(app, "admin@example.com", role="admin")
    client = app.test_client()
    login(client, "admin@example.com")
    for cursor in (
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|1").decode(),
        sign(app, "2026-W01", "1"),
        sign(app, "2026-01-01T00:00:00+00:00", str(2**64)),
    ):
        response = client.get(f"/admin/users?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert b"start again from the first page" in response.data


@pytest.mark.parametrize("before", ["9" * 5000, "9" * 20, "١٢", "1_0", "0"])
def test_audit_before_must_be_an_event_number(app, before):
    make_user(app, "admin@example.com", role="admin")
    client = app.test_client()
    login(client, "admin@example.com")
    response = client.get(f"/admin/audit?before={before}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"]["field"] == "before"


@pytest.mark.parametrize("car_id", [str(2**63), str(2**64), "9" * 5000])
def test_ids_past_bigint_are_a_404_and_do_not_poison_the_session(app, car_id):
    client = app.test_client()
    token = csrf(client, "/login")
    assert client.post(f"/compare/{car_id}", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/cars/{car_id}").status_code == 404
    assert client.get(f"/api/v1/cars/{car_id}").status_code == 404
    assert client.get("/compare").status_code == 200


def test_ids_past_bigint_in_the_session_are_ignored(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["compare"] = [2**63, 2**70, True, "1"]
        session["recent"] = [2**64]
    assert client.get("/compare").status_code == 200
    assert client.get("/").status_code == 200


def test_absolute_urls_use_base_url_whatever_the_host_header(make_app):
    app = make_app(BASE_URL="https://cars.example", TRUSTED_HOSTS=None)
    make_user(app, "seller@example.com", role="seller")
    seller = app.test_client()
    login(seller, "seller@example.com")
    car = int(re.search(r"/sell/(\d+)", post(seller, "/sell/new", VALID, page="/sell/new").headers["Location"])[1])
    sql(app, "UPDATE cars SET status = 'available' WHERE id = %s", car)
    client = app.test_client()
    evil = {"Host": "evil.example"}
    page = client.get(f"/cars/{car}", headers=evil, follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "evil.example" not in html
    assert f'<link rel="canonical" href="https://cars.example/cars/{car}/' in html
    assert f'<meta property="og:url" content="https://cars.example/cars/{car}/' in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert ld["url"].startswith("https://cars.example/") and ld["offers"]["url"] == ld["url"]
    api = client.get(f"/api/v1/cars/{car}", headers=evil).json
    assert api["url"].startswith(f"https://cars.example/cars/{car}/")
    listed = client.get("/api/v1/cars", headers=evil).json["items"]
    assert listed and all(item["url"].startswith("https://cars.example/") for item in listed)
    sitemap = client.get("/sitemap.xml", headers=evil).get_data(as_text=True)
    assert "evil.example" not in sitemap and "https://cars.example/" in sitemap
