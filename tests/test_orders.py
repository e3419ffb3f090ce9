"""Buying: reservations that never double-sell, idempotent forms, the order's moves and their refusals, crash
safety, gap-free deal numbers, lapsing holds, sales outside carsite, the order pages and who may see them."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carsite import db
from carsite.db import Database
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict
from carsite.messages import conversations
from carsite.orders import documents, reservations

from .helpers import csrf, login, make_car, make_user, post, sql

DETAILS = reservations.BuyerDetails("Bea Buyer", "Hauptstraße 1\n20095 Hamburg", "+49 40 123456", "")


def person(user_id: int, role: str = "user") -> Actor:
    return Actor(user_id=user_id, role=role, email_verified=True)


def client_of(app, address: str):
    client = app.test_client()
    assert login(client, address).status_code == 303
    return client


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    other = make_user(app, "otto@example.com", name="Otto Other")
    stranger = make_user(app, "oz@example.com", name="Oz Outsider", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", price=6500, vin="ZFA16900000123456")
    return {
        "app": app,
        "seller": seller,
        "buyer": buyer,
        "other": other,
        "stranger": stranger,
        "car": car,
        "sam": client_of(app, "sam@example.com"),
        "bea": client_of(app, "bea@example.com"),
        "otto": client_of(app, "otto@example.com"),
        "oz": client_of(app, "oz@example.com"),
    }


def reserve_http(client, car_id: int, key: str | None = None, **fields):
    data = {"name": "Bea Buyer", "address": "Hauptstraße 1, Hamburg", "phone": "", "message": "", **fields}
    data["key"] = key or str(uuid.uuid4())
    return post(client, f"/cars/{car_id}/reserve", data, page=f"/cars/{car_id}/reserve")


def reserve(app, car_id: int, buyer_id: int, key: str | None = None) -> dict:
    with app.app_context():
        return reservations.reserve(car_id, key or str(uuid.uuid4()), DETAILS, actor=person(buyer_id))


def move(app, order_id: int, action: str, user_id: int, role: str = "user", **form):
    with app.app_context():
        return reservations.act(order_id, action, {"key": str(uuid.uuid4()), **form}, actor=person(user_id, role))


def sale_form(**overrides):
    return {
        "final_price": "6200",
        "sale_date": datetime.now(UTC).date().isoformat(),
        "buyer_name": "Łukasz Żółć",
        "buyer_address": "ul. Długa 5, Gdańsk",
        "seller_name": "Sam Seller",
        "seller_address": "Elbchaussee 9, Hamburg",
        **overrides,
    }


def state(app, car_id: int):
    car_status = sql(app, "SELECT status FROM cars WHERE id = %s", car_id)[0][0]
    orders = sql(app, "SELECT status FROM orders WHERE car_id = %s ORDER BY id", car_id)
    return car_status, [row[0] for row in orders]


# -- reserving -----------------------------------------------------------------------------------------------------


def test_a_buyer_reserves_from_the_car_page_and_the_seller_is_told(world):
    w = world
    page = w["bea"].get(f"/cars/{w['car']}/fiat-panda-1-2", follow_redirects=True).get_data(as_text=True)
    assert f'href="/cars/{w["car"]}/reserve"' in page and "Reserve this car" in page
    form = w["bea"].get(f"/cars/{w['car']}/reserve").get_data(as_text=True)
    assert "Reserve for 48 hours" in form and 'name="key"' in form and 'value="Bea Buyer"' in form
    response = reserve_http(w["bea"], w["car"], message="I can come on Saturday.")
    assert response.status_code == 303
    order_id = int(re.search(r"/orders/(\d+)$", response.headers["Location"]).group(1))
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])
    held = sql(w["app"], "SELECT reserved_until - created_at, asking_price, buyer_address FROM orders")[0]
    assert held[0] == timedelta(hours=48) and held[1] == 6500 and held[2] == "Hauptstraße 1, Hamburg"
    [(title, url)] = sql(w["app"], "SELECT title, url FROM notifications WHERE user_id = %s", w["seller"])
    assert title == "Fiat Panda 1.2 is reserved" and url == f"/orders/{order_id}"
    [(body,)] = sql(w["app"], "SELECT body FROM messages WHERE kind = 'system'")
    assert "Bea Buyer reserved Fiat Panda 1.2 until" in body and "I can come on Saturday." in body
    page = w["bea"].get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Reserved, waiting for the seller" in page and "Cancel the reservation" in page
    assert "Accept the reservation" not in page and "Complete the sale" not in page
    page = w["sam"].get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Accept the reservation" in page and "Complete the sale" in page
    car_page = w["bea"].get(f"/cars/{w['car']}/fiat-panda-1-2").get_data(as_text=True)
    assert "You reserved this car." in car_page and f"/orders/{order_id}" in car_page
    assert "Reserved by another buyer" in w["otto"].get(f"/cars/{w['car']}/fiat-panda-1-2").get_data(as_text=True)


def test_a_repeated_post_of_the_same_form_returns_the_same_order(world):
    w = world
    key = str(uuid.uuid4())
    first = reserve_http(w["bea"], w["car"], key)
    again = reserve_http(w["bea"], w["car"], key)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert sql(w["app"], "SELECT count(*) FROM orders")[0][0] == 1
    assert sql(w["app"], "SELECT count(*) FROM order_events")[0][0] == 1
    # a new form (a new key) on the car the buyer holds already is refused like anyone else's
    assert reserve_http(w["bea"], w["car"]).status_code == 409


def test_a_double_click_racing_itself_makes_one_order(world):
    w = world
    key = str(uuid.uuid4())
    barrier = threading.Barrier(8)
    results: list = []

    def click() -> None:
        barrier.wait()
        try:
            results.append(reserve(w["app"], w["car"], w["buyer"], key)["id"])
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert sql(w["app"], "SELECT count(*) FROM orders")[0][0] == 1


def test_fifty_buyers_racing_for_one_car_make_exactly_one_order(world):
    w = world
    app = w["app"]
    buyers = [
        row[0]
        for row in sql(
            app,
            "INSERT INTO users (name, email, password_hash, email_verified_at)"
            " SELECT 'Racer ' || n, 'racer' || n || '@example.com', 'x', now() FROM generate_series(1, 50) n"
            " RETURNING id",
        )
    ]
    barrier = threading.Barrier(len(buyers))
    won: list[int] = []
    refused: list[str] = []
    other: list[BaseException] = []

    def race(buyer_id: int) -> None:
        barrier.wait()
        try:
            won.append(reserve(app, w["car"], buyer_id)["id"])
        except Conflict as exc:
            refused.append(exc.message)
        except BaseException as exc:
            other.append(exc)

    threads = [threading.Thread(target=race, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not other, other
    assert len(won) == 1 and len(refused) == 49
    assert set(refused) == {reservations.GONE}
    assert state(app, w["car"]) == ("reserved", ["pending"])
    assert sql(app, "SELECT count(*) FROM conversations")[0][0] == 1  # the losers' attempts left nothing behind


def test_the_database_refuses_a_second_live_order_whatever_the_code_does(world):
    w = world
    reserve(w["app"], w["car"], w["buyer"])
    sql(w["app"], "UPDATE cars SET status = 'available' WHERE id = %s", w["car"])  # as if a bug had freed it
    response = reserve_http(w["otto"], w["car"])
    assert response.status_code == 409
    assert "already been reserved or sold" in response.get_data(as_text=True)
    assert sql(w["app"], "SELECT count(*) FROM orders")[0][0] == 1


def test_reserving_what_cannot_be_reserved_is_refused_plainly_and_changes_nothing(world):
    w = world
    own = reserve_http(w["sam"], w["car"])
    assert own.status_code == 409 and "your own car" in own.get_data(as_text=True)
    sql(w["app"], "UPDATE cars SET status = 'sold' WHERE id = %s", w["car"])
    sold = reserve_http(w["bea"], w["car"], name="Bea B.", address="Somewhere 1")
    assert sold.status_code == 409 and "no longer available" in sold.get_data(as_text=True)
    assert "cannot be reserved" in sold.get_data(as_text=True)
    assert reserve_http(w["bea"], 999999).status_code == 404
    assert sql(w["app"], "SELECT count(*) FROM orders")[0][0] == 0


@pytest.mark.parametrize(
    "fields, status, message",
    [
        ({"name": ""}, 422, "full name"),
        ({"name": "Bea\x00"}, 422, ""),
        ({"address": "x" * 301}, 422, "too long"),
        ({"phone": "call me"}, 422, "phone number"),
        ({"key": "not-a-uuid"}, 422, "form has expired"),
    ],
)
def test_bad_reservation_input_is_a_clear_4xx_and_stores_nothing(world, fields, status, message):
    w = world
    key = fields.pop("key", None)
    if key is not None:
        data = {"name": "Bea", "address": "A street 1", "key": key}
        response = post(w["bea"], f"/cars/{w['car']}/reserve", data, page=f"/cars/{w['car']}/reserve")
    else:
        response = reserve_http(w["bea"], w["car"], **fields)
    assert (400 <= response.status_code < 500 and response.status_code == status) or response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert state(w["app"], w["car"]) == ("available", [])


def test_invalid_utf8_in_a_reservation_is_a_4xx(world):
    w = world
    token = csrf(w["bea"], f"/cars/{w['car']}/reserve")
    body = f"csrf_token={token}&key={uuid.uuid4()}&address=Street+1&name=".encode() + b"\xff\xfe"
    response = w["bea"].post(f"/cars/{w['car']}/reserve", data=body, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert state(w["app"], w["car"]) == ("available", [])


def test_an_unconfirmed_account_cannot_reserve(world):
    w = world
    make_user(w["app"], "new@example.com", name="New Person", verified=False)
    client = client_of(w["app"], "new@example.com")
    assert "Confirm your email address first" in client.get(f"/cars/{w['car']}/reserve").get_data(as_text=True)
    assert reserve_http(client, w["car"]).status_code == 403
    assert state(w["app"], w["car"]) == ("available", [])


# -- moves ---------------------------------------------------------------------------------------------------------


def test_the_seller_accepts_and_the_hold_counts_again_from_then(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])
    sql(w["app"], "UPDATE orders SET reserved_until = now() + interval '1 hour'")
    move(w["app"], order["id"], "accept", w["seller"], "seller")
    [(status, left)] = sql(w["app"], "SELECT status, reserved_until - accepted_at FROM orders")
    assert status == "accepted" and left == timedelta(hours=48)
    assert "Your reservation is accepted" in [r[0] for r in sql(w["app"], "SELECT title FROM notifications")]


def test_wrong_side_and_wrong_state_answer_409_and_change_nothing(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    for action, user, form in (("accept", w["buyer"], {}), ("complete", w["buyer"], sale_form())):
        with pytest.raises(Conflict):
            move(w["app"], order, action, user, **form)
    move(w["app"], order, "cancel", w["buyer"], reason="Found another car.")
    assert state(w["app"], w["car"]) == ("available", ["cancelled"])
    events = sql(w["app"], "SELECT count(*) FROM order_events")[0][0]
    for action, form in (("complete", sale_form()), ("accept", {}), ("cancel", {"reason": "again"})):
        response = post(
            w["sam"], f"/orders/{order}/{action}", {"key": str(uuid.uuid4()), **form}, page=f"/orders/{order}"
        )
        assert response.status_code == 409, action
        assert "cancelled" in response.get_data(as_text=True)
    assert state(w["app"], w["car"]) == ("available", ["cancelled"])
    assert sql(w["app"], "SELECT count(*) FROM order_events")[0][0] == events


def test_a_repeated_move_is_made_once(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    key = str(uuid.uuid4())
    data = {"key": key, "reason": "Changed my mind."}
    first = post(w["bea"], f"/orders/{order}/cancel", data, page=f"/orders/{order}")
    again = post(w["bea"], f"/orders/{order}/cancel", data, page=f"/orders/{order}")
    assert first.status_code == again.status_code == 303
    assert sql(w["app"], "SELECT count(*) FROM order_events WHERE event = 'cancelled'")[0][0] == 1
    assert sql(w["app"], "SELECT count(*) FROM notifications WHERE title = 'A reservation is cancelled'")[0][0] == 1


def test_cancelling_needs_a_reason_and_gives_the_car_back(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    response = post(
        w["sam"], f"/orders/{order}/cancel", {"key": str(uuid.uuid4()), "reason": " "}, page=f"/orders/{order}"
    )
    assert (
        response.status_code == 422 and "Write a reason" in response.get_data(as_text=True)
    ) or "reason" in response.get_data(as_text=True)
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])
    response = post(
        w["sam"],
        f"/orders/{order}/cancel",
        {"key": str(uuid.uuid4()), "reason": "The buyer did not come."},
        page=f"/orders/{order}",
    )
    assert response.status_code == 303
    assert state(w["app"], w["car"]) == ("available", ["cancelled"])
    [(kind, reason, by)] = sql(w["app"], "SELECT cancel_kind, cancel_reason, cancelled_by FROM orders")
    assert (kind, reason, by) == ("seller", "The buyer did not come.", w["seller"])
    # the car can be reserved again, by someone else
    assert reserve_http(w["otto"], w["car"]).status_code == 303


def test_a_failure_between_the_statements_of_a_reservation_leaves_nothing(world, monkeypatch):
    w = world

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure after the car and the order were written")

    monkeypatch.setattr(conversations, "post_system", broken)
    with pytest.raises(RuntimeError):
        reserve(w["app"], w["car"], w["buyer"])
    assert state(w["app"], w["car"]) == ("available", [])
    assert sql(w["app"], "SELECT count(*) FROM order_events")[0][0] == 0


def test_a_failure_while_cancelling_leaves_the_reservation_whole(world, monkeypatch):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    monkeypatch.setattr(reservations, "_tell", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("injected")))
    with pytest.raises(RuntimeError):
        move(w["app"], order, "cancel", w["buyer"], reason="No.")
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])


def test_a_failure_while_completing_leaves_no_sold_car_and_gives_the_number_back(world, monkeypatch):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    monkeypatch.setattr(documents, "store_bill_of_sale", lambda order_id: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        move(w["app"], order, "complete", w["seller"], "seller", **sale_form())
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])
    assert sql(w["app"], "SELECT count(*) FROM deal_counters")[0][0] == 0
    assert sql(w["app"], "SELECT count(*) FROM inquiries WHERE status = 'closed'")[0][0] == 0


def test_bad_sale_details_are_refused_with_the_form_kept(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    for form, text in (
        (sale_form(final_price="cheap"), "final price"),
        (sale_form(final_price="-5"), "final price"),
        (sale_form(sale_date=future), "future"),
        (sale_form(sale_date="2026-02-30"), "date of the sale"),
        (sale_form(buyer_name=""), "buyer"),
        (sale_form(seller_address="\x00"), ""),
    ):
        response = post(
            w["sam"], f"/orders/{order}/complete", {"key": str(uuid.uuid4()), **form}, page=f"/orders/{order}"
        )
        assert response.status_code in (400, 422), form
        assert text in response.get_data(as_text=True).lower(), form
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])
    assert sql(w["app"], "SELECT count(*) FROM deal_counters")[0][0] == 0


# -- lapsing and sales outside carsite -----------------------------------------------------------------------------


def test_a_hold_that_ends_unsold_lapses_and_both_sides_are_told(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    with w["app"].app_context():
        assert reservations.lapse_due(datetime.now(UTC) + timedelta(hours=47)) == 0
        assert reservations.lapse_due(datetime.now(UTC) + timedelta(hours=49)) == 1
        assert reservations.lapse_due(datetime.now(UTC) + timedelta(hours=49)) == 0
    assert state(w["app"], w["car"]) == ("available", ["cancelled"])
    assert sql(w["app"], "SELECT cancel_kind FROM orders")[0][0] == "lapsed"
    told = sql(w["app"], "SELECT user_id FROM notifications WHERE title = 'A reservation lapsed' ORDER BY user_id")
    assert sorted(r[0] for r in told) == sorted([w["buyer"], w["seller"]])
    assert "Lapsed" in w["bea"].get(f"/orders/{order}").get_data(as_text=True)


def test_a_car_sold_elsewhere_closes_its_reservation_and_tells_everyone_who_wrote(world):
    w = world
    with w["app"].app_context():
        started = conversations.start(w["car"], actor=person(w["other"]))
        message = conversations.post(started.conversation_id, "Is it still for sale?", actor=person(w["other"]))
        conversations.record_inquiry(started, message, car_id=w["car"], actor=person(w["other"]))
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    assert post(w["sam"], f"/cars/{w['car']}/sold-elsewhere", {}, page="/account/listings").status_code == 303
    assert state(w["app"], w["car"]) == ("reserved", ["pending"])  # without the confirmation nothing changed
    assert (
        post(w["oz"], f"/cars/{w['car']}/sold-elsewhere", {"confirm": "yes"}, page="/account/listings").status_code
        == 404
    )
    assert (
        post(w["sam"], f"/cars/{w['car']}/sold-elsewhere", {"confirm": "yes"}, page="/account/listings").status_code
        == 303
    )
    assert state(w["app"], w["car"]) == ("sold", ["cancelled"])
    assert sql(w["app"], "SELECT cancel_kind FROM orders WHERE id = %s", order)[0][0] == "sold_elsewhere"
    notices = [
        r[0]
        for r in sql(
            w["app"],
            "SELECT body FROM messages WHERE kind = 'system' AND conversation_id = %s",
            started.conversation_id,
        )
    ]
    assert any("is sold" in n for n in notices)
    assert sql(w["app"], "SELECT count(*) FROM inquiries WHERE status = 'open'")[0][0] == 0
    assert "The car you reserved is sold" in [
        r[0] for r in sql(w["app"], "SELECT title FROM notifications WHERE user_id = %s", w["buyer"])
    ]
    assert (
        post(w["sam"], f"/cars/{w['car']}/sold-elsewhere", {"confirm": "yes"}, page="/account/listings").status_code
        == 409
    )


# -- pages and access ----------------------------------------------------------------------------------------------


def test_every_order_url_is_a_404_for_anyone_but_its_parties(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    sql(
        w["app"],
        "INSERT INTO order_scenarios (order_id, kind, price, total_payable) VALUES (%s, 'cash', 6500, 6500)",
        order,
    )
    sql(
        w["app"],
        "UPDATE orders SET documents = jsonb_build_array(jsonb_build_object("
        "'id', 'abc123', 'kind', 'bill_of_sale', 'name', 'x.pdf', 'file', 'x.pdf', 'size', 1))",
    )
    [(scenario,)] = sql(w["app"], "SELECT id FROM order_scenarios")
    before = sql(w["app"], "SELECT status, updated_at FROM orders"), sql(w["app"], "SELECT count(*) FROM order_events")
    gets = [f"/orders/{order}", f"/orders/{order}/documents/abc123"]
    posts = [
        (f"/orders/{order}/accept", {"key": str(uuid.uuid4())}),
        (f"/orders/{order}/complete", {"key": str(uuid.uuid4()), **sale_form()}),
        (f"/orders/{order}/cancel", {"key": str(uuid.uuid4()), "reason": "mine now"}),
        (f"/orders/{order}/scenarios", {"kind": "cash"}),
        (f"/orders/{order}/scenarios/{scenario}/choose", {}),
        (f"/orders/{order}/scenarios/{scenario}/remove", {}),
    ]
    for client in (w["otto"], w["oz"]):
        for path in gets:
            assert client.get(path).status_code == 404, path
        for path, data in posts:
            assert post(client, path, data, page="/account").status_code == 404, path
    visitor = w["app"].test_client()
    for path in gets:
        assert visitor.get(path).status_code in (302, 303), path
    assert (
        sql(w["app"], "SELECT status, updated_at FROM orders"),
        sql(w["app"], "SELECT count(*) FROM order_events"),
    ) == before
    assert w["oz"].get(f"/orders/{order + 1000}").status_code == 404
    assert w["otto"].get("/account/orders").status_code == 200
    assert "Fiat Panda" not in w["otto"].get("/account/orders").get_data(as_text=True)


def test_order_pages_and_lists_run_at_most_four_queries(world):
    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    for client, path in (
        (w["bea"], f"/orders/{order}"),
        (w["sam"], f"/orders/{order}"),
        (w["bea"], "/account/orders"),
        (w["sam"], "/account/sales"),
        (w["sam"], "/account/sales?status=pending"),
    ):
        with Database.record() as names:
            response = client.get(path)
        assert response.status_code == 200, path
        assert len(names) <= 4, (path, names)


def test_my_orders_and_sales_list_filter_and_page(world):
    w = world
    app = w["app"]
    cars = [make_car(app, w["seller"], status="available", title=f"Car number {n}") for n in range(23)]
    for car in cars:
        reserve(app, car, w["buyer"])
    first = reserve(app, w["car"], w["buyer"])["id"]
    move(app, first, "cancel", w["buyer"], reason="No.")
    page = w["bea"].get("/account/orders").get_data(as_text=True)
    assert 'All <span class="muted">24</span>' in page and page.count('class="order-row"') == 20
    cursor = re.search(r'cursor=([^"&]+)', page).group(1)
    rest = w["bea"].get(f"/account/orders?cursor={cursor}").get_data(as_text=True)
    assert rest.count('class="order-row"') == 4
    cancelled = w["bea"].get("/account/orders?status=cancelled").get_data(as_text=True)
    assert cancelled.count('class="order-row"') == 1 and "Fiat Panda 1.2" in cancelled
    sales = w["sam"].get("/account/sales?status=pending").get_data(as_text=True)
    assert sales.count('class="order-row"') == 20 and "Bea Buyer" in sales
    assert w["bea"].get("/account/orders?status=bogus").status_code == 400
    assert w["bea"].get("/account/orders?cursor=forged").status_code == 400
    assert w["bea"].get("/account/sales").status_code == 403


# -- completing: the sale, its deal number, the bill of sale --------------------------------------------------------


def test_the_seller_completes_the_sale_and_both_can_download_the_bill_of_sale(world):
    from io import BytesIO

    from pypdf import PdfReader

    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    move(w["app"], order, "accept", w["seller"], "seller")
    response = post(
        w["sam"], f"/orders/{order}/complete", {"key": str(uuid.uuid4()), **sale_form()}, page=f"/orders/{order}"
    )
    assert response.status_code == 303
    year = datetime.now(UTC).year
    assert state(w["app"], w["car"]) == ("sold", ["completed"])
    [(number, price, buyer_name)] = sql(w["app"], "SELECT deal_number, final_price, buyer_name FROM orders")
    assert number == f"{year}-000001" and price == 6200 and buyer_name == "Łukasz Żółć"
    page = w["bea"].get(f"/orders/{order}").get_data(as_text=True)
    assert f"Deal number <strong>{number}</strong>" in page and "Sale completed" in page
    link = re.search(rf'href="(/orders/{order}/documents/[0-9a-f]+)"', page).group(1)
    for client in (w["bea"], w["sam"]):
        pdf = client.get(link)
        pdf.get_data()
        pdf.close()
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert (
            pdf.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in pdf.headers["Content-Security-Policy"]
        )
        assert f"bill-of-sale-{number}.pdf" in pdf.headers["Content-Disposition"]
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
        assert number in text and "Łukasz Żółć" in text and "ZFA16900000123456" in text
    assert w["otto"].get(link).status_code == 404 and w["oz"].get(link).status_code == 404
    assert w["app"].test_client().get(link).status_code in (302, 303)
    events = [r[0] for r in sql(w["app"], "SELECT event FROM order_events ORDER BY id")]
    assert events == ["reserved", "accepted", "completed", "document_added"]
    assert "You bought Fiat Panda 1.2" in [r[0] for r in sql(w["app"], "SELECT title FROM notifications")]
    # a sold car cannot be reserved, and the completed order cannot be cancelled
    assert reserve_http(w["otto"], w["car"]).status_code == 409
    assert (
        post(
            w["bea"], f"/orders/{order}/cancel", {"key": str(uuid.uuid4()), "reason": "x"}, page=f"/orders/{order}"
        ).status_code
        == 409
    )


def test_deal_numbers_stay_gap_free_and_unique_under_concurrent_completions_with_rollbacks(world, monkeypatch):
    w = world
    app = w["app"]
    buyers = [
        row[0]
        for row in sql(
            app,
            "INSERT INTO users (name, email, password_hash, email_verified_at)"
            " SELECT 'Buyer ' || n, 'deal' || n || '@example.com', 'x', now() FROM generate_series(1, 20) n"
            " RETURNING id",
        )
    ]
    cars = [make_car(app, w["seller"], status="available", title=f"Deal car {n}") for n in range(20)]
    orders = [reserve(app, car, buyer)["id"] for car, buyer in zip(cars, buyers, strict=True)]
    doomed = set(orders[::4])  # five of them fail after taking their number
    real = documents.store_bill_of_sale

    def store(order_id: int):
        if order_id in doomed:
            raise RuntimeError("injected failure after the deal number was taken")
        return real(order_id)

    monkeypatch.setattr(documents, "store_bill_of_sale", store)
    barrier = threading.Barrier(len(orders))
    failures: list[int] = []
    unexpected: list[BaseException] = []

    def complete(order_id: int) -> None:
        barrier.wait()
        try:
            move(app, order_id, "complete", w["seller"], "seller", **sale_form())
        except RuntimeError:
            failures.append(order_id)
        except BaseException as exc:
            unexpected.append(exc)

    threads = [threading.Thread(target=complete, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not unexpected, unexpected
    assert sorted(failures) == sorted(doomed)
    seqs = sorted(r[0] for r in sql(app, "SELECT deal_seq FROM orders WHERE status = 'completed'"))
    assert seqs == list(range(1, 16))  # consecutive from 1: no gap, no duplicate
    assert sql(app, "SELECT last_number FROM deal_counters")[0][0] == 15
    statuses = dict(sql(app, "SELECT id, status FROM orders"))
    assert all(statuses[o] == "pending" for o in doomed)
    sold = sql(app, "SELECT count(*) FROM cars WHERE status = 'sold'")[0][0]
    assert sold == 15


# -- payment scenarios ---------------------------------------------------------------------------------------------


def test_payment_options_are_added_chosen_removed_and_printed(world):
    from carsite.finance import loans

    w = world
    order = reserve(w["app"], w["car"], w["buyer"])["id"]
    page = f"/orders/{order}"
    assert post(w["bea"], f"{page}/scenarios", {"kind": "cash"}, page=page).status_code == 303
    finance = {"kind": "finance", "deposit": "1500", "apr": "5.9", "term": "36"}
    assert post(w["sam"], f"{page}/scenarios", finance, page=page).status_code == 303
    rows = sql(w["app"], "SELECT id, kind, chosen, monthly_payment, total_payable FROM order_scenarios ORDER BY id")
    (cash_id, _, cash_chosen, _, cash_total), (loan_id, _, loan_chosen, monthly, total) = rows
    with w["app"].app_context():
        expected = loans.quote(Decimal(6500), Decimal(1500), Decimal("5.9"), 36)
    assert cash_chosen and not loan_chosen and cash_total == 6500
    assert monthly == expected.monthly_payment and total == expected.total_payable
    html = w["bea"].get(page).get_data(as_text=True)
    assert "5.9 % APR, 36 months" in html and "Chosen" in html
    chosen = post(w["bea"], f"{page}/scenarios/{loan_id}/choose", {}, page=page)
    assert chosen.status_code == 303
    assert sql(w["app"], "SELECT id FROM order_scenarios WHERE chosen") == [(loan_id,)]
    # the chosen one cannot be removed; the other can
    assert post(w["bea"], f"{page}/scenarios/{loan_id}/remove", {}, page=page).status_code == 409
    assert post(w["bea"], f"{page}/scenarios/{cash_id}/remove", {}, page=page).status_code == 303
    assert post(w["bea"], f"{page}/scenarios/{cash_id}/choose", {}, page=page).status_code == 404
    bad = post(w["bea"], f"{page}/scenarios", {**finance, "apr": "140"}, page=page)
    assert bad.status_code == 400 and "APR" in bad.get_data(as_text=True)
    assert post(w["bea"], f"{page}/scenarios", {"kind": "barter"}, page=page).status_code == 400
    for _ in range(5):
        post(w["bea"], f"{page}/scenarios", {"kind": "cash"}, page=page)
    assert sql(w["app"], "SELECT count(*) FROM order_scenarios")[0][0] == 6
    assert post(w["bea"], f"{page}/scenarios", {"kind": "cash"}, page=page).status_code == 409
    # completed: the chosen option is on the bill of sale, and the options are final
    move(w["app"], order, "complete", w["seller"], "seller", **sale_form())
    with w["app"].app_context():
        sale = documents.sale_of(db.one("orders.page", order_id=order, user_id=None, is_admin=True))
    assert sale.payment.kind == "finance" and sale.payment.monthly_payment == expected.monthly_payment
    assert post(w["bea"], f"{page}/scenarios", {"kind": "cash"}, page=page).status_code == 409
    assert post(w["bea"], f"{page}/scenarios/{loan_id}/remove", {}, page=page).status_code == 409
