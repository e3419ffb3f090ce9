"""Trade-ins: described by the buyer of a conversation or a reservation (with photos re-encoded like listing photos),
offered for by the seller, accepted, declined or withdrawn by the buyer; system messages and notifications; bad
input refused with nothing stored; strangers get 404 everywhere."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from carsite import db
from carsite.db import Database
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict
from carsite.messages import conversations
from carsite.tradeins import trades

from .helpers import csrf, login, mails, make_car, make_user, sql

GOLF = {
    "make": "Volkswagen",
    "model": "Golf",
    "year": "2012",
    "mileage_km": "148,000",
    "condition": "good",
    "notes": "Full service history.",
}


def person(user_id: int, role: str = "user") -> Actor:
    return Actor(user_id=user_id, role=role, email_verified=True)


def client_of(app, address: str):
    client = app.test_client()
    assert login(client, address).status_code == 303
    return client


def jpeg(size=(1200, 900), colour=(40, 90, 160), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0132] = "2026:01:01 10:00:00"
        image.save(buffer, "JPEG", exif=data.tobytes())
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def send(client, path: str, data: dict | None = None, files: list[tuple[str, bytes]] | None = None):
    """POST a form as multipart, encoded here in memory (the test client spools a large body to a temporary file it
    never closes)."""
    payload = MultiDict({"csrf_token": csrf(client, "/account"), **(data or {})})
    for name, content in files or []:
        payload.add("photos", FileStorage(io.BytesIO(content), name))
    boundary, encoded = encode_multipart(payload)
    return client.post(path, data=encoded, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    outsider = make_user(app, "oz@example.com", name="Oz Outsider", role="seller")
    make_user(app, "ada@example.com", name="Ada Admin", role="admin")
    car = make_car(app, seller, status="available", title="Skoda Octavia Combi", city="Hamburg")
    with app.app_context():
        cid = conversations.start(car, actor=person(buyer)).conversation_id
    return {
        "app": app,
        "seller": seller,
        "buyer": buyer,
        "outsider": outsider,
        "car": car,
        "cid": cid,
        "sam": client_of(app, "sam@example.com"),
        "bea": client_of(app, "bea@example.com"),
        "oz": client_of(app, "oz@example.com"),
        "ada": client_of(app, "ada@example.com"),
    }


def folder(app) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / "trade-ins"


def stored_files(app) -> list[str]:
    return sorted(p.name for p in folder(app).glob("*")) if folder(app).exists() else []


def describe(w, files=None, **changes):
    return send(w["bea"], f"/messages/{w['cid']}/trade-in", {**GOLF, **changes}, files or [])


def trade_in_id(app) -> int:
    ((found,),) = sql(app, "SELECT max(id) FROM trade_ins")
    return found


def system_messages(app) -> list[str]:
    return [body for (body,) in sql(app, "SELECT body FROM messages WHERE kind = 'system' ORDER BY id")]


def test_describe_offer_revise_accept(world):
    w, app = world, world["app"]
    form = w["bea"].get(f"/messages/{w['cid']}/trade-in")
    assert form.status_code == 200
    assert b'<option value="Volkswagen">' in form.data  # the catalogue's makes, offered as one types
    response = describe(w, [("front.jpg", jpeg(exif=True)), ("side.jpg", jpeg(colour=(200, 30, 30)))])
    tid = trade_in_id(app)
    assert response.status_code == 303 and response.headers["Location"] == f"/trade-ins/{tid}"
    assert sql(
        app,
        "SELECT car_id, buyer_id, seller_id, conversation_id, order_id, make, year, mileage_km, status FROM trade_ins",
    ) == [(w["car"], w["buyer"], w["seller"], w["cid"], None, "Volkswagen", 2012, 148000, "open")]
    assert (
        "Trade-in offered: 2012 Volkswagen Golf, 148,000\u00a0km, good condition (2 photos)." in system_messages(app)[0]
    )
    assert sql(app, "SELECT user_id, kind, url FROM notifications") == [(w["seller"], "trade_in", f"/trade-ins/{tid}")]

    # photos: re-encoded WebP in two sizes under uploads/trade-ins (not the public listing photos), EXIF gone
    files = sql(app, "SELECT file, position, width, height FROM trade_in_photos ORDER BY position")
    assert [(p, wd, ht) for _, p, wd, ht in files] == [(0, 1200, 900), (1, 1200, 900)]
    assert stored_files(app) == sorted(f"{f}-{s}.webp" for f, *_ in files for s in ("large", "thumb"))
    assert not (Path(app.config["UPLOAD_DIR"]) / "photos").exists() or not any(
        (Path(app.config["UPLOAD_DIR"]) / "photos").iterdir()
    )
    name = files[0][0]
    shown = w["sam"].get(f"/trade-ins/{tid}/photos/{name}-large.webp")
    assert shown.status_code == 200 and shown.mimetype == "image/webp"
    assert "private" in shown.headers["Cache-Control"] and "public" not in shown.headers["Cache-Control"]
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.format == "WEBP" and not image.getexif() and b"SecretCam" not in shown.data
    shown.close()
    for who in ("bea", "ada"):
        response = w[who].get(f"/trade-ins/{tid}/photos/{name}-thumb.webp")
        assert response.status_code == 200
        response.close()
    assert w["oz"].get(f"/trade-ins/{tid}/photos/{name}-thumb.webp").status_code == 404
    assert app.test_client().get(f"/media/photos/{name}-thumb.webp").status_code == 404  # not a public photo

    # both sides see the panel in the conversation
    for who in ("bea", "sam"):
        page = w[who].get(f"/messages/{w['cid']}").get_data(as_text=True)
        assert 'id="trade-in"' in page and "2012 Volkswagen Golf" in page and "Waiting for an offer" in page
    assert "Make an offer" in w["sam"].get(f"/messages/{w['cid']}").get_data(as_text=True)

    seller_page = w["sam"].get(f"/trade-ins/{tid}").get_data(as_text=True)
    assert 'name="amount"' in seller_page and "Accept" not in seller_page
    assert 'name="amount"' not in w["bea"].get(f"/trade-ins/{tid}").get_data(as_text=True)

    assert (
        send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "4,500", "note": "If it drives well."}).status_code == 303
    )
    assert sql(app, "SELECT status, offer_amount::text, offer_note FROM trade_ins") == [
        ("offered", "4500.00", "If it drives well.")
    ]
    assert "Sam Seller offered €\u202f4,500 for the trade-in 2012 Volkswagen Golf." in system_messages(app)[-1]
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "4800"}).status_code == 303
    assert "Sam Seller revised the offer €\u202f4,800" in system_messages(app)[-1]
    buyer_page = w["bea"].get(f"/trade-ins/{tid}").get_data(as_text=True)
    assert "Accept €\u202f4,800" in buyer_page and "Decline" in buyer_page

    assert send(w["bea"], f"/trade-ins/{tid}/accept").status_code == 303
    ((status, decided),) = sql(app, "SELECT status, decided_at FROM trade_ins")
    assert status == "accepted" and decided is not None
    assert "Bea Buyer accepted the offer of €\u202f4,800 for 2012 Volkswagen Golf." in system_messages(app)[-1]
    # once accepted, the seller can no longer change the offer
    late = send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "3000"})
    assert late.status_code == 409 and b"offer accepted" in late.data
    assert sql(app, "SELECT offer_amount::text FROM trade_ins") == [("4800.00",)]

    kinds = sql(app, "SELECT user_id, title FROM notifications WHERE kind = 'trade_in' ORDER BY id")
    assert [u for u, _ in kinds] == [w["seller"], w["buyer"], w["buyer"], w["seller"]]
    sent = [m for m in mails(app) if m["To"] in ("sam@example.com", "bea@example.com")]
    assert [m["Subject"] for m in sent] == [
        "A buyer offers a car in part exchange",
        "An offer for your trade-in",
        "An offer for your trade-in",
        "Your trade-in offer was accepted",
    ]
    assert f"http://localhost/trade-ins/{tid}" in sent[0].get_body(("plain",)).get_content()


def test_the_conversation_page_shows_the_panel_without_queries_of_its_own(world):
    w, app = world, world["app"]
    assert describe(w, [("a.jpg", jpeg(size=(64, 48)))]).status_code == 303
    tid = trade_in_id(app)
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "2500.50"}).status_code == 303
    w["bea"].get(f"/messages/{w['cid']}")  # read the notes first, as the page would
    with Database.record() as names:
        response = w["bea"].get(f"/messages/{w['cid']}")
    assert response.status_code == 200
    assert len(names) <= 4, names
    panel = response.get_data(as_text=True).split('id="trade-in"')[1]
    assert "Offer: <strong>€\u202f2,500.50</strong>" in panel and "Answer the offer" in panel
    assert f"/trade-ins/{tid}/photos/" in panel and "1 photo" in panel


def test_decline_then_a_better_offer_then_withdraw_and_describe_another(world):
    w, app = world, world["app"]
    assert describe(w).status_code == 303
    tid = trade_in_id(app)
    second = describe(w, model="Polo")
    assert second.status_code == 409 and b"already a trade-in" in second.data
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(1,)]
    # nothing to answer before an offer
    assert send(w["bea"], f"/trade-ins/{tid}/accept").status_code == 409
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "3000"}).status_code == 303
    assert send(w["bea"], f"/trade-ins/{tid}/decline").status_code == 303
    assert sql(app, "SELECT status FROM trade_ins") == [("declined",)]
    assert "Bea Buyer declined the offer of €\u202f3,000" in system_messages(app)[-1]
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "3500"}).status_code == 303
    assert sql(app, "SELECT status, offer_amount::text, decided_at FROM trade_ins") == [("offered", "3500.00", None)]
    assert send(w["bea"], f"/trade-ins/{tid}/withdraw").status_code == 303
    assert sql(app, "SELECT status FROM trade_ins") == [("withdrawn",)]
    assert "Bea Buyer withdrew the trade-in 2012 Volkswagen Golf." in system_messages(app)[-1]
    assert send(w["bea"], f"/trade-ins/{tid}/withdraw").status_code == 409
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "3600"}).status_code == 409
    # withdrawn: another car may be offered
    assert describe(w, model="Polo").status_code == 303
    assert sql(app, "SELECT model, status FROM trade_ins ORDER BY id") == [("Golf", "withdrawn"), ("Polo", "open")]


def test_each_side_only_makes_its_own_moves(world):
    w, app = world, world["app"]
    refused = send(w["sam"], f"/messages/{w['cid']}/trade-in", GOLF, [])
    assert refused.status_code == 404  # the seller has no form to describe a car in their own conversation
    with app.app_context(), pytest.raises(Conflict, match="Only the buyer"):
        trades.describe(w["cid"], trades.Description.from_form(GOLF), [], actor=person(w["seller"], "seller"))
    assert describe(w).status_code == 303
    tid = trade_in_id(app)
    assert send(w["bea"], f"/trade-ins/{tid}/offer", {"amount": "5000"}).status_code == 409
    assert send(w["sam"], f"/trade-ins/{tid}/accept").status_code == 409
    assert send(w["sam"], f"/trade-ins/{tid}/withdraw").status_code == 409
    assert send(w["sam"], f"/trade-ins/{tid}/photos", files=[("a.jpg", jpeg())]).status_code == 409
    assert sql(app, "SELECT status, offer_amount FROM trade_ins") == [("open", None)]
    # admins look, but change nothing
    assert w["ada"].get(f"/trade-ins/{tid}").status_code == 200
    assert send(w["ada"], f"/trade-ins/{tid}/offer", {"amount": "5000"}).status_code == 404


def test_no_trade_in_for_a_car_no_longer_for_sale(world):
    w, app = world, world["app"]
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", w["car"])
    response = describe(w, [("a.jpg", jpeg(size=(64, 48)))])
    assert response.status_code == 409 and b"no longer for sale" in response.data
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)] and stored_files(app) == []


def test_a_block_stops_describing_and_offers_but_not_withdrawing(world):
    w, app = world, world["app"]
    assert describe(w).status_code == 303
    tid = trade_in_id(app)
    sql(app, "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (%s, %s)", w["seller"], w["buyer"])
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "5000"}).status_code == 409
    assert send(w["bea"], f"/trade-ins/{tid}/withdraw").status_code == 303
    blocked = describe(w, model="Polo")
    assert blocked.status_code == 409 and b"blocked" in blocked.data
    assert sql(app, "SELECT model, status FROM trade_ins") == [("Golf", "withdrawn")]


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"make": ""}, "Enter the make"),
        ({"model": "Golf\x00"}, "control characters"),
        ({"notes": "bad \ufffd bytes"}, "not valid text"),
        ({"make": "V" * 61}, "at most 60 characters"),
        ({"model": "Golf\nPolo"}, "one line"),
        ({"notes": "x" * 2001}, "at most 2,000 characters"),
        ({"year": "1850"}, "between 1900 and"),
        ({"year": str(datetime.now(UTC).year + 2)}, "between 1900 and"),
        ({"year": "twelve"}, "four-digit year"),
        ({"year": "２０１２"}, "four-digit year"),
        ({"mileage_km": "-5"}, "must not be negative"),
        ({"mileage_km": "lots"}, "must be a number"),
        ({"mileage_km": "2,500,000"}, "at most 2,000,000"),
        ({"condition": "mint"}, "condition"),
        ({"condition": ""}, "condition"),
    ],
)
def test_bad_descriptions_are_400_naming_the_problem_and_store_nothing(world, changes, field_text):
    w, app = world, world["app"]
    response = describe(w, [("front.jpg", jpeg())], **changes)
    assert response.status_code == 400
    assert field_text in response.get_data(as_text=True)
    if not any("\x00" in value for value in changes.values()):  # NUL: refused for every route before the view
        assert 'value="Volkswagen"' in response.get_data(as_text=True) or "make" in changes  # the form keeps it
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)]
    assert sql(app, "SELECT count(*) FROM messages") == [(0,)]
    assert stored_files(app) == []


def test_invalid_utf8_in_the_form_is_400(world):
    w, app = world, world["app"]
    token = csrf(w["bea"], "/account")
    fields = {**GOLF, "csrf_token": token}
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        + (b"Golf \xff\xfe" if key == "model" else value.encode())
        + b"\r\n"
        for key, value in fields.items()
    ]
    body = b"".join(parts) + b"--b--\r\n"
    response = w["bea"].post(
        f"/messages/{w['cid']}/trade-in", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 400 and b"not valid text" in response.data
    # raw bytes that are not UTF-8 in a urlencoded body: Werkzeug drops the form, the CSRF check answers
    raw = f"csrf_token={token}&make=VW&model=".encode() + b"Golf\xff" + b"&year=2012&mileage_km=1000&condition=good"
    dropped = w["bea"].post(
        f"/messages/{w['cid']}/trade-in", data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert dropped.status_code == 400
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)]


@pytest.mark.parametrize(
    ("files", "status", "text"),
    [
        (
            [("car.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"not really a photo" * 50)],
            400,
            "not an image we can read",
        ),
        ([("car.jpg", jpeg()), ("notes.jpg", b"%PDF-1.4 pretending")], 400, "notes.jpg"),
        ([("empty.jpg", b"")], 400, "empty"),
        ([(f"p{n}.jpg", jpeg(size=(64, 48))) for n in range(7)], 400, "at most 6 photos"),
        ([("huge.jpg", b"\xff\xd8" + b"\0" * (10 * 1024 * 1024))], 413, "larger than 10 MB"),
    ],
)
def test_bad_photos_refuse_the_whole_description(world, files, status, text):
    w, app = world, world["app"]
    response = describe(w, files)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)]
    assert sql(app, "SELECT count(*) FROM trade_in_photos") == [(0,)]
    assert stored_files(app) == []


def test_an_upload_larger_than_a_request_may_be_is_413(world):
    w, app = world, world["app"]
    big = [(f"p{n}.jpg", b"\xff\xd8" + b"\0" * (6 * 1024 * 1024)) for n in range(3)]
    assert describe(w, big).status_code == 413
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)]


def test_add_and_remove_photos_up_to_six(world):
    w, app = world, world["app"]
    assert describe(w, [("a.jpg", jpeg(size=(64, 48)))]).status_code == 303
    tid = trade_in_id(app)
    assert (
        send(w["bea"], f"/trade-ins/{tid}/photos", files=[(f"b{n}.png", _png()) for n in range(4)]).status_code == 303
    )
    assert sql(app, "SELECT count(*) FROM trade_in_photos") == [(5,)]
    too_many = send(w["bea"], f"/trade-ins/{tid}/photos", files=[("c.jpg", jpeg()), ("d.jpg", jpeg())])
    assert too_many.status_code == 400 and b"at most 1 more" in too_many.data
    fake = send(w["bea"], f"/trade-ins/{tid}/photos", files=[("e.jpg", b"\xff\xd8\xff junk")])
    assert fake.status_code == 400 and b"not an image we can read" in fake.data
    assert sql(app, "SELECT count(*) FROM trade_in_photos") == [(5,)] and len(stored_files(app)) == 10
    assert send(w["bea"], f"/trade-ins/{tid}/photos", files=[("f.jpg", jpeg())]).status_code == 303
    assert sql(app, "SELECT array_agg(position ORDER BY position) FROM trade_in_photos") == [([0, 1, 2, 3, 4, 5],)]
    ((photo_id, name),) = sql(app, "SELECT id, file FROM trade_in_photos WHERE position = 2")
    assert send(w["bea"], f"/trade-ins/{tid}/photos/{photo_id}/delete").status_code == 303
    assert f"{name}-thumb.webp" not in stored_files(app) and len(stored_files(app)) == 10
    assert "Bea Buyer removed a photo" in system_messages(app)[-1]
    # the free position is taken again
    assert send(w["bea"], f"/trade-ins/{tid}/photos", files=[("g.jpg", jpeg())]).status_code == 303
    assert sql(app, "SELECT count(*) FROM trade_in_photos WHERE position = 2") == [(1,)]
    # a decided trade-in keeps its photos as they were
    assert send(w["bea"], f"/trade-ins/{tid}/withdraw").status_code == 303
    assert send(w["bea"], f"/trade-ins/{tid}/photos/{photo_id + 1}/delete").status_code == 409
    assert send(w["bea"], f"/trade-ins/{tid}/photos/999999/delete").status_code == 409


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (80, 60), (10, 200, 10, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def make_order(app, w, status: str = "pending", conversation: bool = True) -> int:
    ((order_id,),) = sql(
        app,
        "INSERT INTO orders (car_id, buyer_id, seller_id, final_price, status, reserved_until, conversation_id,"
        " cancelled_at) VALUES (%s, %s, %s, 9900, %s, now() + interval '3 days', %s,"
        " CASE WHEN %s = 'cancelled' THEN now() END) RETURNING id",
        w["car"],
        w["buyer"],
        w["seller"],
        status,
        w["cid"] if conversation else None,
        status,
    )
    return order_id


def test_describe_on_a_reservation(world):
    w, app = world, world["app"]
    order_id = make_order(app, w)
    form = w["bea"].get(f"/orders/{order_id}/trade-in")
    assert form.status_code == 200 and f'action="/orders/{order_id}/trade-in"'.encode() in form.data
    assert w["sam"].get(f"/orders/{order_id}/trade-in").status_code == 404
    assert w["oz"].get(f"/orders/{order_id}/trade-in").status_code == 404
    assert send(w["bea"], f"/orders/{order_id}/trade-in", GOLF, []).status_code == 303
    assert sql(app, "SELECT conversation_id, order_id FROM trade_ins") == [(w["cid"], order_id)]
    page = w["bea"].get(f"/messages/{w['cid']}").get_data(as_text=True)
    assert "2012 Volkswagen Golf" in page and "Offer your car in part exchange" not in page


def test_the_order_box_links_a_new_trade_in_to_the_order(world):
    w, app = world, world["app"]
    order_id = make_order(app, w)
    template = '{% from "tradeins/_box.html" import trade_in_box with context %}{{ trade_in_box(cid, order_id=oid) }}'
    with app.test_request_context():
        from flask import render_template_string
        from flask_login import login_user

        from carsite.web.access import start_session

        login_user(start_session(w["buyer"], False, timedelta(hours=1)))
        html = render_template_string(template, cid=w["cid"], oid=order_id)
        assert f'href="/orders/{order_id}/trade-in"' in html and "Offer your car in part exchange" in html
        # someone outside the conversation (an admin on the order page), or an order without one: no box, no 404
        login_user(start_session(w["outsider"], False, timedelta(hours=1)))
        assert 'id="trade-in"' not in render_template_string(template, cid=w["cid"], oid=order_id)
        assert 'id="trade-in"' not in render_template_string(template, cid=None, oid=order_id)


@pytest.mark.parametrize(("status", "conversation"), [("cancelled", True), ("completed", True), ("pending", False)])
def test_no_trade_in_on_a_closed_reservation_or_one_without_a_conversation(world, status, conversation):
    w, app = world, world["app"]
    if status == "completed":
        order_id = make_order(app, w)
        sql(
            app,
            "UPDATE orders SET status = 'completed', deal_year = 2026, deal_seq = 1, completed_at = now(),"
            " sale_date = current_date WHERE id = %s",
            order_id,
        )
    else:
        order_id = make_order(app, w, status, conversation)
    if not conversation:
        sql(app, "DELETE FROM conversations")
    response = send(w["bea"], f"/orders/{order_id}/trade-in", GOLF, [])
    assert response.status_code == 409
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(0,)]


def test_an_accepted_trade_in_of_a_completed_sale_cannot_be_withdrawn(world):
    w, app = world, world["app"]
    order_id = make_order(app, w)
    assert send(w["bea"], f"/orders/{order_id}/trade-in", GOLF, []).status_code == 303
    tid = trade_in_id(app)
    assert send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "4000"}).status_code == 303
    assert send(w["bea"], f"/trade-ins/{tid}/accept").status_code == 303
    sql(
        app,
        "UPDATE orders SET status = 'completed', deal_year = 2026, deal_seq = 1, completed_at = now(),"
        " sale_date = current_date WHERE id = %s",
        order_id,
    )
    response = send(w["bea"], f"/trade-ins/{tid}/withdraw")
    assert response.status_code == 409 and b"sale is completed" in response.data
    assert sql(app, "SELECT status FROM trade_ins") == [("accepted",)]


def test_strangers_get_404_on_every_trade_in_url(world):
    w, app = world, world["app"]
    order_id = make_order(app, w)
    assert send(w["bea"], f"/orders/{order_id}/trade-in", GOLF, [("a.jpg", jpeg(size=(64, 48)))]).status_code == 303
    tid = trade_in_id(app)
    ((photo_id, name),) = sql(app, "SELECT id, file FROM trade_in_photos")
    values = {
        "conversation_id": w["cid"],
        "order_id": order_id,
        "trade_in_id": tid,
        "photo_id": photo_id,
        "name": name,
    }
    walked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("tradeins."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            args = {key: values[key] for key in rule.arguments if key in values}
            for key, converter in rule._converters.items():
                if key not in values:
                    args[key] = sorted(converter.items)[0]
            url = rule.build(args, append_unknown=False)[1]
            for who in ("oz", "ada") if method == "POST" else ("oz",):
                client = w[who]
                if method == "GET":
                    response = client.get(url)
                else:
                    response = send(client, url, {**GOLF, "amount": "100"}, [("b.jpg", jpeg(size=(64, 48)))])
                assert response.status_code == 404, (who, method, url, response.status_code)
                walked += 1
    assert walked >= 10
    assert sql(app, "SELECT count(*), min(status), min(offer_amount) FROM trade_ins") == [(1, "open", None)]
    assert sql(app, "SELECT count(*) FROM trade_in_photos") == [(1,)]
    # and someone logged out is sent to log in
    assert app.test_client().get(f"/trade-ins/{tid}").status_code == 302


def test_two_descriptions_sent_at_once_make_one_trade_in(world):
    w, app = world, world["app"]
    barrier = threading.Barrier(4)
    results: list[str] = []

    def attempt(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                trades.describe(
                    w["cid"], trades.Description.from_form({**GOLF, "model": f"Golf {n}"}), [], actor=person(w["buyer"])
                )
                results.append("made")
            except Conflict:
                results.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["made", "refused", "refused", "refused"]
    assert sql(app, "SELECT count(*) FROM trade_ins") == [(1,)]
    assert sql(app, "SELECT count(*) FROM messages WHERE kind = 'system'") == [(1,)]


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("", "Enter the offer"),
        ("-100", "must not be negative"),
        ("0", "more than €0"),
        ("abc", "must be a number"),
        ("20,000,000", "at most"),
        ("1\x00", "control characters"),
    ],
)
def test_bad_offers_are_400_and_change_nothing(world, amount, text):
    w, app = world, world["app"]
    assert describe(w).status_code == 303
    tid = trade_in_id(app)
    response = send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": amount})
    assert response.status_code == 400 and text in response.get_data(as_text=True)
    too_long = send(w["sam"], f"/trade-ins/{tid}/offer", {"amount": "100", "note": "x" * 1001})
    assert too_long.status_code == 400 and b"at most 1,000 characters" in too_long.data
    assert sql(app, "SELECT status, offer_amount FROM trade_ins") == [("open", None)]


def test_demo_has_a_trade_in_with_an_offer(demo):
    rows = sql(
        demo,
        "SELECT t.make, t.model, t.status, t.offer_amount::text, u.email,"
        " (SELECT count(*) FROM trade_in_photos p WHERE p.trade_in_id = t.id)"
        " FROM trade_ins t JOIN users u ON u.id = t.seller_id",
    )
    assert rows == [("Volkswagen", "Golf", "offered", "5800.00", "dealer@demo.carsite.test", 2)]
    with demo.app_context():
        assert db.scalar("tradeins.order_completed", order_id=0) is False
