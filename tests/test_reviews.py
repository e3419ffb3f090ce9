"""Reviews of sellers and the seller page: who may review, once per order or drive (also under two POSTs at once),
the rating and text rules of form and database, the edit window, one reply, admins hiding (audited, author told),
the maintained rating, the seller page's figures, the rating on search cards without extra queries, bad input."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from carsite import db
from carsite.config import ConfigError
from carsite.db import tools
from carsite.db.core import Database
from carsite.domain.actor import Actor
from carsite.messages import conversations
from carsite.reviews import reviews as use_cases
from carsite.reviews import sellers

from .helpers import login, mails, make_car, make_user, post, sql


def person(user_id: int, role: str = "user") -> Actor:
    return Actor(user_id=user_id, role=role, email_verified=True)


def client_of(app, address: str):
    client = app.test_client()
    assert login(client, address).status_code == 303
    return client


def send(client, path: str, data: dict | None = None, **kwargs):
    return post(client, path, data or {}, page="/account", **kwargs)


def order(app, car: int, buyer: int, seller: int, status: str = "completed", seq: int = 1) -> int:
    """An order in one of 0046's states, as the orders use cases leave it."""
    columns = {
        "completed": ", completed_at, sale_date, deal_year, deal_seq) VALUES (%s, %s, %s, 5000, 'completed',"
        " now(), current_date, 2026, %s)",
        "cancelled": ", cancelled_at, cancel_kind) VALUES (%s, %s, %s, 5000, 'cancelled', now(), 'buyer')",
        "pending": ", reserved_until) VALUES (%s, %s, %s, 5000, 'pending', now() + interval '2 days')",
    }[status]
    args = (car, buyer, seller, seq) if status == "completed" else (car, buyer, seller)
    text = "INSERT INTO orders (car_id, buyer_id, seller_id, final_price, status" + columns + " RETURNING id"
    return sql(app, text, *args)[0][0]


def token_of(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def held_drive(app, car: int, buyer: int, status: str = "held") -> int:
    with app.app_context():
        cid = conversations.start(car, actor=person(buyer)).conversation_id
    return sql(
        app,
        "INSERT INTO test_drives (conversation_id, car_id, buyer_id, seller_id, status, slots, slot, time_zone)"
        " SELECT c.id, c.car_id, c.buyer_id, c.seller_id, %s, ARRAY[r], r, 'Europe/Berlin'"
        "   FROM conversations c, tstzrange(now() - interval '2 days', now() - interval '2 days' + interval '30 min') r"
        "  WHERE c.id = %s RETURNING id",
        status,
        cid,
    )[0][0]


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    outsider = make_user(app, "oz@example.com", name="Oz Outsider")
    admin = make_user(app, "ada@example.com", name="Ada Admin", role="admin")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2")
    return {
        "app": app,
        "seller": seller,
        "buyer": buyer,
        "outsider": outsider,
        "admin": admin,
        "car": car,
        "order": order(app, car, buyer, seller),
        "sam": client_of(app, "sam@example.com"),
        "bea": client_of(app, "bea@example.com"),
        "oz": client_of(app, "oz@example.com"),
        "ada": client_of(app, "ada@example.com"),
    }


def review(w, rating: str = "5", body: str = "Quick answers, an honest seller.", client: str = "bea", path=None):
    return send(w[client], path or f"/orders/{w['order']}/review", {"rating": rating, "body": body})


def ratings(app, seller: int):
    rows = sql(
        app,
        "SELECT review_count, rating_sum, stars_1, stars_2, stars_3, stars_4, stars_5, average"
        " FROM seller_ratings WHERE seller_id = %s",
        seller,
    )
    return rows[0] if rows else None


def counted(app, seller: int):
    """The same figures summed from the visible reviews themselves."""
    return sql(
        app,
        "SELECT count(*)::int, coalesce(sum(rating), 0)::int,"
        " count(*) FILTER (WHERE rating = 1)::int, count(*) FILTER (WHERE rating = 2)::int,"
        " count(*) FILTER (WHERE rating = 3)::int, count(*) FILTER (WHERE rating = 4)::int,"
        " count(*) FILTER (WHERE rating = 5)::int,"
        " CASE WHEN count(*) > 0 THEN round(avg(rating), 2) END"
        " FROM reviews WHERE seller_id = %s AND hidden_at IS NULL",
        seller,
    )[0]


# -- who may review ------------------------------------------------------------------------------------------------


def test_only_the_buyer_of_a_completed_order_may_review(world):
    w = world
    app = w["app"]
    path = f"/orders/{w['order']}/review"
    assert w["bea"].get(path).status_code == 200
    assert b"You bought" in w["bea"].get(path).data
    assert w["oz"].get(path).status_code == 404  # a stranger
    assert w["sam"].get(path).status_code == 404  # the seller cannot review themselves
    assert review(w, client="oz").status_code == 404
    assert review(w, client="sam").status_code == 404
    assert app.test_client().get(path).status_code in (302, 303)  # a visitor logs in first
    assert w["bea"].get("/orders/999999/review").status_code == 404
    other = make_car(app, w["seller"], status="available", title="Opel Corsa")
    cancelled = order(app, other, w["buyer"], w["seller"], status="cancelled")
    response = review(w, path=f"/orders/{cancelled}/review")
    assert response.status_code == 403 and b"cancelled" in response.data
    third = make_car(app, w["seller"], status="available", title="Seat Ibiza")
    pending = order(app, third, w["buyer"], w["seller"], status="pending")
    response = review(w, path=f"/orders/{pending}/review")
    assert response.status_code == 403 and b"once the sale is completed" in response.data
    assert sql(app, "SELECT count(*) FROM reviews") == [(0,)]


def test_a_review_is_shown_on_the_seller_page_and_told_to_the_seller(world):
    w = world
    app = w["app"]
    response = review(w, "4", "Quick answers <b>and</b> an honest seller.")
    assert response.status_code == 303
    review_id = sql(app, "SELECT id FROM reviews")[0][0]
    assert response.headers["Location"].endswith(f"/sellers/{w['seller']}#review-{review_id}")
    row = sql(app, "SELECT seller_id, author_id, author_name, car_id, car_title, order_id, source, rating FROM reviews")
    assert row == [(w["seller"], w["buyer"], "Bea Buyer", w["car"], "Fiat Panda 1.2", w["order"], "order", 4)]
    page = app.test_client().get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert "Quick answers &lt;b&gt;and&lt;/b&gt; an honest seller." in page  # plain text, escaped
    assert "Fiat Panda 1.2" in page and "Bea Buyer" in page
    told = sql(app, "SELECT kind, title, url FROM notifications WHERE user_id = %s", w["seller"])
    assert told == [("review", "New review: 4 stars for Fiat Panda 1.2", f"/sellers/{w['seller']}#review-{review_id}")]
    mail = [m for m in mails(app) if m["To"] == "sam@example.com"]
    assert len(mail) == 1 and "New review: 4 stars" in mail[0]["Subject"]
    assert f"/sellers/{w['seller']}#review-{review_id}" in mail[0].get_body(("plain",)).get_content()


def test_a_second_review_of_the_order_is_409_and_the_form_leads_to_the_first(world):
    w = world
    assert review(w).status_code == 303
    again = review(w, "1", "Changed my mind.")
    assert again.status_code == 409 and b"reviewed this seller for this car already" in again.data
    form = w["bea"].get(f"/orders/{w['order']}/review")
    assert form.status_code == 303 and "/reviews/" in form.headers["Location"]
    assert sql(w["app"], "SELECT rating FROM reviews") == [(5,)]


def test_a_held_test_drive_can_be_reviewed_once_and_not_again_after_buying_the_car(world):
    w = world
    app = w["app"]
    other = make_car(app, w["seller"], status="available", title="Opel Corsa")
    drive = held_drive(app, other, w["buyer"])
    path = f"/test-drives/{drive}/review"
    assert w["bea"].get(path).status_code == 200
    assert w["oz"].get(path).status_code == 404 and w["sam"].get(path).status_code == 404
    assert review(w, "3", "Friendly, but the car was dirty.", path=path).status_code == 303
    assert review(w, "3", "Again.", path=path).status_code == 409
    # the same buyer then bought that car: one review per buyer and car
    bought = order(app, other, w["buyer"], w["seller"], seq=2)
    assert review(w, "5", "Bought it after all.", path=f"/orders/{bought}/review").status_code == 409
    assert sql(app, "SELECT source, test_drive_id, rating FROM reviews") == [("test_drive", drive, 3)]
    # a no-show is not a drive to review
    third = make_car(app, w["seller"], status="available", title="Seat Ibiza")
    no_show = held_drive(app, third, w["buyer"], status="no_show")
    assert w["bea"].get(f"/test-drives/{no_show}/review").status_code == 403


def test_the_test_drive_panel_offers_the_review_to_the_buyer_of_a_held_drive(world):
    w = world
    app = w["app"]
    drive = held_drive(app, w["car"], w["buyer"])
    cid = sql(app, "SELECT conversation_id FROM test_drives WHERE id = %s", drive)[0][0]
    assert f"/test-drives/{drive}/review" in w["bea"].get(f"/messages/{cid}").get_data(as_text=True)
    assert f"/test-drives/{drive}/review" not in w["sam"].get(f"/messages/{cid}").get_data(as_text=True)
    assert review(w, "4", "Punctual.", path=f"/test-drives/{drive}/review").status_code == 303
    review_id = sql(app, "SELECT id FROM reviews")[0][0]
    with Database.record() as names:
        page = w["bea"].get(f"/messages/{cid}").get_data(as_text=True)
    assert f"/test-drives/{drive}/review" not in page and f"/reviews/{review_id}/edit" in page
    assert len(names) <= 4, names  # the review is found in the conversation page's own query


def test_two_reviews_posted_at_once_make_one(world):
    w = world
    app = w["app"]
    second = client_of(app, "bea@example.com")
    tokens = [token_of(client) for client in (w["bea"], second)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send_one(client, token: str) -> None:
        barrier.wait()
        response = client.post(
            f"/orders/{w['order']}/review", data={"csrf_token": token, "rating": "5", "body": "Great seller."}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send_one, args=pair) for pair in zip((w["bea"], second), tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [303, 409]
    assert sql(app, "SELECT count(*) FROM reviews") == [(1,)]
    assert ratings(app, w["seller"])[:2] == (1, 5)


def test_the_database_refuses_a_second_review_of_an_order_and_a_rating_out_of_range(world):
    w = world
    app = w["app"]
    values = {
        "seller_id": w["seller"],
        "author_id": w["buyer"],
        "car_id": w["car"],
        "car_title": "Fiat Panda",
        "order_id": w["order"],
        "test_drive_id": None,
        "source": "order",
        "body": "Fine.",
    }
    with app.app_context():
        assert db.optional("reviews.insert_review", rating=5, **values) is not None
        assert db.optional("reviews.insert_review", rating=4, **values) is None  # reviews_order_id_key
        with pytest.raises(db.CheckViolation) as refused:
            db.optional("reviews.insert_review", rating=6, **{**values, "order_id": None, "car_id": None})
    assert refused.value.constraint == "reviews_rating_check"
    with pytest.raises(psycopg.errors.CheckViolation, match="reviews_rating_check"):
        sql(app, "UPDATE reviews SET rating = 0")


@pytest.mark.parametrize(
    ("rating", "body", "field", "message"),
    [
        ("0", "Fine.", "rating", "Choose a rating from 1 to 5"),
        ("6", "Fine.", "rating", "Choose a rating from 1 to 5"),
        ("4.5", "Fine.", "rating", "Choose a rating from 1 to 5"),
        ("", "Fine.", "rating", "Choose a rating from 1 to 5"),
        ("5", "", "body", "Write a review first"),
        ("5", "   \n  ", "body", "Write a review first"),
        ("5", "Nice\x00seller", None, "control characters"),  # refused before any view (carsite.web.inputs)
        ("5", "x" * 2001, "body", "at most 2,000 characters"),
        ("5", "x" * 1_000_000, "body", "at most 2,000 characters"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(world, rating, body, field, message):
    response = review(world, rating, body)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    if field:
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert sql(world["app"], "SELECT count(*) FROM reviews") == [(0,)]


def test_text_that_is_not_utf8_is_a_400(world):
    w = world
    token = token_of(w["bea"]).encode()
    path = f"/orders/{w['order']}/review"
    # raw bytes in a urlencoded body: Werkzeug drops the form, and the CSRF check refuses it
    response = w["bea"].post(
        path,
        data=b"csrf_token=" + token + b"&rating=5&body=caf\xe9 \xff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    # in multipart they arrive as U+FFFD, which the review refuses
    boundary = b"xyzzy"
    parts = [(b"csrf_token", token), (b"rating", b"5"), (b"body", b"caf\xe9 \xff")]
    body = b"".join(
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in parts
    )
    response = w["bea"].post(
        path, data=body + b"--" + boundary + b"--\r\n", content_type="multipart/form-data; boundary=xyzzy"
    )
    assert response.status_code == 400 and b"not valid text" in response.data
    assert sql(w["app"], "SELECT count(*) FROM reviews") == [(0,)]


# -- changing, replying --------------------------------------------------------------------------------------------


def test_the_author_changes_the_review_within_the_window_and_not_after(world):
    w = world
    app = w["app"]
    review(w, "2", "Slow answers.")
    review_id = sql(app, "SELECT id FROM reviews")[0][0]
    path = f"/reviews/{review_id}/edit"
    assert w["oz"].get(path).status_code == 404 and w["sam"].get(path).status_code == 404
    assert send(w["oz"], path, {"rating": "1", "body": "x"}).status_code == 404
    page = w["bea"].get(path)
    assert page.status_code == 200 and b"Slow answers." in page.data
    assert send(w["bea"], path, {"rating": "4", "body": "Slow answers, but a fair deal."}).status_code == 303
    assert sql(app, "SELECT rating, body, edited_at IS NOT NULL FROM reviews") == [
        (4, "Slow answers, but a fair deal.", True)
    ]
    assert ratings(app, w["seller"])[:2] == (1, 4)
    sql(app, "UPDATE reviews SET created_at = now() - interval '7 days 1 minute'")
    late = send(w["bea"], path, {"rating": "1", "body": "Too late."})
    assert late.status_code == 409 and b"can no longer be changed" in late.data
    assert b"can no longer be changed" in w["bea"].get(path).data
    assert sql(app, "SELECT rating FROM reviews") == [(4,)]


def test_the_edit_window_is_configured_and_checked(make_app):
    app = make_app(REVIEW_EDIT_DAYS="2")
    assert app.config["REVIEW_EDIT_DAYS"] == 2
    for bad in ("0", "366", "a week", ""):
        with pytest.raises(ConfigError, match="CARSITE_REVIEW_EDIT_DAYS"):
            make_app(REVIEW_EDIT_DAYS=bad)


def test_the_seller_replies_once_and_the_author_is_told(world):
    w = world
    app = w["app"]
    review(w)
    review_id = sql(app, "SELECT id FROM reviews")[0][0]
    path = f"/reviews/{review_id}/reply"
    page = w["sam"].get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert f'action="{path}"' in page  # the seller's own page carries the form
    assert f'action="{path}"' not in w["bea"].get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert send(w["oz"], path, {"reply": "Not mine."}).status_code == 404
    assert send(w["bea"], path, {"reply": "Not mine either."}).status_code == 404
    assert send(w["sam"], path, {"reply": "\x00"}).status_code == 400
    assert send(w["sam"], path, {"reply": "Thank you, Bea!"}).status_code == 303
    second = send(w["sam"], path, {"reply": "And again."})
    assert second.status_code == 409 and b"replied to this review already" in second.data
    assert sql(app, "SELECT reply FROM reviews") == [("Thank you, Bea!",)]
    assert "Thank you, Bea!" in app.test_client().get(f"/sellers/{w['seller']}").get_data(as_text=True)
    told = sql(app, "SELECT title FROM notifications WHERE user_id = %s AND kind = 'review'", w["buyer"])
    assert told == [("The seller replied to your review of Fiat Panda 1.2",)]


# -- moderation ----------------------------------------------------------------------------------------------------


def test_admins_hide_a_review_with_a_reason_audited_and_the_author_told(world):
    w = world
    app = w["app"]
    review(w, "1", "Abusive words.")
    review_id = sql(app, "SELECT id FROM reviews")[0][0]
    assert w["oz"].get("/admin/reviews").status_code == 403
    assert send(w["oz"], f"/admin/reviews/{review_id}/hide", {"reason": "x"}).status_code == 403
    listing = w["ada"].get("/admin/reviews").get_data(as_text=True)
    assert "Abusive words." in listing and f"/admin/reviews/{review_id}/hide" in listing
    assert 'href="/admin/reviews"' in listing  # the admin navigation links to it
    refused = send(w["ada"], f"/admin/reviews/{review_id}/hide", {"reason": "  "}, follow_redirects=True)
    assert b"Write a reason first" in refused.data
    assert sql(app, "SELECT hidden_at FROM reviews") == [(None,)]
    hidden = send(w["ada"], f"/admin/reviews/{review_id}/hide", {"reason": "Insults."})
    assert hidden.status_code == 303, hidden.get_data(as_text=True)
    assert sql(app, "SELECT hidden_reason, hidden_by FROM reviews") == [("Insults.", w["admin"])]
    audit = sql(app, "SELECT actor_id, subject_id, detail->>'reason' FROM audit_log WHERE action = 'review.hide'")
    assert audit == [(w["admin"], w["buyer"], "Insults.")]
    told = sql(app, "SELECT title, body FROM notifications WHERE user_id = %s AND kind = 'review'", w["buyer"])
    assert told == [("Your review of the seller of Fiat Panda 1.2 was hidden", "Our moderators hid it: Insults.")]
    mail = [m for m in mails(app) if m["To"] == "bea@example.com"]
    assert len(mail) == 1 and "Insults." in mail[0].get_body(("plain",)).get_content()
    assert "Abusive words." not in app.test_client().get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert ratings(app, w["seller"])[0] == 0
    assert b"Our moderators hid this review" in w["bea"].get(f"/reviews/{review_id}/edit").data
    assert send(w["bea"], f"/reviews/{review_id}/edit", {"rating": "5", "body": "Nice."}).status_code == 409
    assert send(w["ada"], f"/admin/reviews/{review_id}/hide", {"reason": "Again."}).status_code == 303
    assert len(sql(app, "SELECT id FROM audit_log WHERE action = 'review.hide'")) == 1


def test_the_seller_rating_follows_insert_edit_and_hide(world):
    w = world
    app = w["app"]
    buyers = [make_user(app, f"b{n}@example.com", name=f"Buyer {n}") for n in range(4)]
    ids = []
    with app.app_context():
        for n, (buyer, stars) in enumerate(zip(buyers, (5, 4, 4, 1), strict=True)):
            car = make_car(app, w["seller"], status="available", title=f"Car {n}")
            placed = order(app, car, buyer, w["seller"], seq=n + 2)
            ids.append(use_cases.write("order", placed, str(stars), "Fine.", actor=person(buyer)))
        assert ratings(app, w["seller"]) == counted(app, w["seller"])
        assert ratings(app, w["seller"])[:2] == (4, 14) and str(ratings(app, w["seller"])[-1]) == "3.50"
        use_cases.edit(ids[3], "3", "Better than I said.", actor=person(buyers[3]))
        assert ratings(app, w["seller"]) == counted(app, w["seller"])
        use_cases.hide(ids[0], "Not about the seller.", actor=person(w["admin"], "admin"))
        assert ratings(app, w["seller"]) == counted(app, w["seller"])
        assert ratings(app, w["seller"])[:2] == (3, 11)
    sql(app, "DELETE FROM reviews WHERE id = %s", ids[1])
    assert ratings(app, w["seller"]) == counted(app, w["seller"])
    page = app.test_client().get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert "3.5" in page and "2 reviews" in page


# -- the seller page -----------------------------------------------------------------------------------------------


def test_the_seller_page_shows_response_rate_and_typical_response_time(world):
    w = world
    app = w["app"]
    now = datetime.now(UTC)
    buyers = [make_user(app, f"q{n}@example.com", name=f"Q {n}") for n in range(6)]
    # (days ago the buyer wrote, hours until the seller's first text, or None)
    plan = [(10, 1), (20, 2), (30, 5), (40, None), (50, 30), (120, 0.5)]
    for buyer, (days, hours) in zip(buyers, plan, strict=True):
        started = now - timedelta(days=days)
        cid = sql(
            app,
            "INSERT INTO conversations (car_id, buyer_id, seller_id, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
            w["car"],
            buyer,
            w["seller"],
            started,
        )[0][0]
        sql(
            app,
            "INSERT INTO messages (conversation_id, sender_id, body, created_at) VALUES (%s, %s, 'Still there?', %s)",
            cid,
            buyer,
            started,
        )
        # a system message under the seller's drive does not count as an answer
        sql(
            app,
            "INSERT INTO messages (conversation_id, kind, body, created_at) VALUES (%s, 'system', 'Noted.', %s)",
            cid,
            started + timedelta(minutes=1),
        )
        if hours is not None:
            for extra in (0, 3):  # only the first answer counts
                sql(
                    app,
                    "INSERT INTO messages (conversation_id, sender_id, body, created_at) VALUES (%s, %s, 'Yes', %s)",
                    cid,
                    w["seller"],
                    started + timedelta(hours=hours + extra),
                )
    with app.app_context():
        figures = sellers.profile(w["seller"])["answers"]
    # the 120-day-old one is outside the 90 days: 4 answered of 5, first answers after 1, 2, 5, 30 hours
    assert (figures.conversations, figures.answered, figures.rate_percent) == (5, 4, 80)
    assert figures.median_seconds == pytest.approx(3.5 * 3600, abs=1)
    assert figures.typical == "about 4 hours"
    page = app.test_client().get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert "80 %" in page and "about 4 hours" in page and "5 conversations" in page


def test_the_response_figures_come_from_one_indexed_statement(world):
    """One statement; the seller's conversations come from their index by (seller, start), each first answer from
    the messages index by conversation (enable_seqscan off: the tables here are too small for the planner to care)."""
    w = world
    app = w["app"]
    with app.app_context(), Database.record() as names:
        sellers.profile(w["seller"])
    assert names == ["reviews.seller_profile"]
    query = app.extensions["carsite.db"].queries["reviews.seller_profile"]
    with psycopg.connect(app.config["DATABASE_URL"], cursor_factory=psycopg.RawCursor) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(tools._explain(conn, tools.EXPLAIN, query, {"seller_id": w["seller"], "days": 90}))
        conn.rollback()
    assert "conversations_seller_id_created_at_idx" in plan, plan
    assert "messages_conversation_id_id_idx" in plan, plan


def test_seller_page_lists_reviews_ten_at_a_time_and_a_few_cars(world):
    w = world
    app = w["app"]
    with app.app_context():
        for n in range(12):
            buyer = make_user(app, f"p{n}@example.com", name=f"Reviewer {n:02d}")
            car = make_car(app, w["seller"], status="available", title=f"Listed car {n:02d}")
            use_cases.write(
                "order", order(app, car, buyer, w["seller"], seq=n + 2), "4", f"Review {n:02d}.", actor=person(buyer)
            )
    client = app.test_client()
    first = client.get(f"/sellers/{w['seller']}").get_data(as_text=True)
    assert first.count('class="panel review"') == 10 and "Review 11." in first and "Review 01." not in first
    older = re.search(r'href="([^"]*before=\d+)[^"]*" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert second.count('class="panel review"') == 2 and "Review 00." in second
    assert first.count('class="card"') == sellers.CARS_SHOWN and "All 13 cars of Sam Seller" in first
    everything = client.get(f"/sellers/{w['seller']}/cars").get_data(as_text=True)
    assert everything.count('class="card"') == 13
    assert client.get(f"/sellers/{w['seller']}?before=abc").status_code == 400


def test_seller_page_404s(world):
    w = world
    app = w["app"]
    client = app.test_client()
    assert client.get(f"/sellers/{w['seller']}").status_code == 200  # a seller with no reviews yet
    assert client.get(f"/sellers/{w['outsider']}").status_code == 404  # a buyer with nothing to show
    assert client.get("/sellers/999999").status_code == 404
    sql(app, "UPDATE users SET is_active = false WHERE id = %s", w["seller"])
    assert client.get(f"/sellers/{w['seller']}").status_code == 404
    assert client.get(f"/sellers/{w['seller']}/cars").status_code == 404
    sql(app, "UPDATE users SET deleted_at = now() WHERE id = %s", w["seller"])
    assert client.get(f"/sellers/{w['seller']}").status_code == 404


# -- the rating on car pages and search cards ----------------------------------------------------------------------


def test_search_cards_and_the_car_page_show_the_rating_with_the_same_queries(world):
    w = world
    app = w["app"]
    client = app.test_client()

    def recorded(path: str) -> tuple[list[str], str]:
        client.get(path)  # counts and facets are kept between requests until a listing changes: warm them
        with Database.record() as names:
            html = client.get(path).get_data(as_text=True)
        return names, html

    before, plain = recorded("/cars?sort=newest")
    before_filtered, _ = recorded("/cars?q=panda")
    assert "seller-rating" not in plain
    review(w, "4", "Good.")
    second = make_user(app, "cy@example.com", name="Cy")
    other = make_car(app, w["seller"], status="available", title="Opel Corsa")
    with app.app_context():
        use_cases.write("order", order(app, other, second, w["seller"], seq=2), "5", "Great.", actor=person(second))
    after, shown = recorded("/cars?sort=newest")
    after_filtered, filtered = recorded("/cars?q=panda")
    assert after == before and after_filtered == before_filtered
    assert "4.5" in shown and "(2)" in shown and "seller-rating" in shown
    assert "4.5" in filtered and "seller-rating" in filtered
    location = client.get(f"/cars/{other}").headers["Location"]
    with Database.record() as car_page:
        page = client.get(location).get_data(as_text=True)
    assert len(car_page) <= 4, car_page
    assert f'href="/sellers/{w["seller"]}"' in page and "4.5" in page


def test_review_prompt_for_the_order_page(world):
    w = world
    app = w["app"]
    row = {"id": w["order"], "status": "completed", "buyer_id": w["buyer"], "car_id": w["car"]}
    with app.app_context():
        first = use_cases.prompt(row, actor=person(w["buyer"]))
        assert first == {"url": f"/orders/{w['order']}/review", "label": "Review the seller", "reviewed": False}
        assert use_cases.prompt(row, actor=person(w["seller"], "seller")) is None
        assert use_cases.prompt({**row, "status": "accepted"}, actor=person(w["buyer"])) is None
        review_id = use_cases.write("order", w["order"], "5", "Good.", actor=person(w["buyer"]))
        assert use_cases.prompt(row, actor=person(w["buyer"]))["url"] == f"/reviews/{review_id}/edit"


def test_the_order_page_offers_its_buyer_the_review(world):
    w = world
    page = w["bea"].get(f"/orders/{w['order']}").get_data(as_text=True)
    assert f'href="/orders/{w["order"]}/review"' in page and "Review the seller" in page
    assert "/review" not in w["sam"].get(f"/orders/{w['order']}").get_data(as_text=True)
    review(w)
    review_id = sql(w["app"], "SELECT id FROM reviews")[0][0]
    assert f'href="/reviews/{review_id}/edit"' in w["bea"].get(f"/orders/{w['order']}").get_data(as_text=True)
