"""Contacting a seller: a logged-in buyer's question, a visitor's message held until the mailed link confirms it,
the seller's notification (never the buyer's address), rate limits that keep the text, and the phone number that
is revealed on request only (not in the page, not indexed, counted)."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .helpers import TOKEN, csrf, link_in, login, mails, make_car, make_user, post, sql

MESSAGE = "Hello, is the Panda still available? I could come on Saturday."


@pytest.fixture
def market(app):
    """A seller (confirmed, with a phone number), an available car of theirs, and a buyer with a phone."""
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    sql(app, "UPDATE users SET phone = '+49 170 5550123' WHERE id = %s", seller)
    sql(app, "UPDATE users SET phone = '+49 151 9998877' WHERE id = %s", buyer)
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2")
    return {"seller": seller, "buyer": buyer, "car": car}


def send_by_link(client, link: str):
    """Open the mailed link (a page that sends nothing) and press its button, as a person does."""
    page = client.get(link)
    if page.status_code != 200:
        return page
    assert "Send my message" in page.get_data(as_text=True)
    token = TOKEN.search(page.get_data(as_text=True))
    return client.post(link, data={"csrf_token": token.group(1) or token.group(2)})


def logged_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 303
    return client


def count(app, table: str) -> int:
    return sql(app, f"SELECT count(*) FROM {table}")[0][0]


def mails_to(app, address: str):
    return [m for m in mails(app) if m["To"] == address]


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()


def path_of(url: str) -> str:
    """The path (and query) of a link or a Location, absolute or not."""
    return re.sub(r"^https?://[^/]+", "", url)


def conversation_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/messages/(\d+)", path_of(response.headers["Location"]))
    assert match, response.headers["Location"]
    return int(match.group(1))


# -- a logged-in buyer ---------------------------------------------------------------------------------------------


def test_logged_in_question_starts_the_conversation_records_the_inquiry_and_tells_the_seller(app, market):
    car = market["car"]
    buyer = logged_in(app, "bea@example.com")
    page = buyer.get(f"/cars/{car}/fiat-panda-1-2?utm_source=newsletter&utm_campaign=spring").get_data(as_text=True)
    assert f'action="/cars/{car}/contact"' in page and 'name="message"' in page
    assert 'name="utm_source" value="newsletter"' in page and 'name="utm_campaign" value="spring"' in page

    data = {"message": MESSAGE, "utm_source": "newsletter", "utm_campaign": "spring", "utm_bogus": "x"}
    conversation = conversation_of(post(buyer, f"/cars/{car}/contact", data, page=f"/cars/{car}/contact"))
    assert sql(app, "SELECT car_id, buyer_id, seller_id FROM conversations WHERE id = %s", conversation) == [
        (car, market["buyer"], market["seller"])
    ]
    assert sql(app, "SELECT sender_id, body FROM messages WHERE conversation_id = %s", conversation) == [
        (market["buyer"], MESSAGE)
    ]
    assert sql(app, "SELECT user_id, seller_id, source, utm, conversation_id FROM inquiries") == [
        (
            market["buyer"],
            market["seller"],
            "car_page",
            {"utm_source": "newsletter", "utm_campaign": "spring"},
            conversation,
        )
    ]
    assert sql(app, "SELECT user_id, kind, url FROM notifications") == [
        (market["seller"], "inquiry", f"/messages/{conversation}")
    ]
    assert sql(app, "SELECT contacts, phone_reveals FROM car_contact_stats WHERE car_id = %s", car) == [(1, 0)]

    (mail,) = mails_to(app, "sam@example.com")
    text = body_of(mail)
    assert "Bea" in mail["Subject"] and "Fiat Panda 1.2" in mail["Subject"]
    assert MESSAGE in text and f"/messages/{conversation}" in text and "Fiat Panda 1.2" in text
    for secret in ("bea@example.com", "9998877", "Buyer"):
        assert secret not in text and secret not in mail["Subject"], secret

    # a second question from the car page continues the conversation and is a new inquiry, told again
    again = post(buyer, f"/cars/{car}/contact", {"message": "And the service book?"}, page=f"/cars/{car}/contact")
    assert conversation_of(again) == conversation
    assert count(app, "inquiries") == 2 and count(app, "notifications") == 2 and count(app, "conversations") == 1


def test_the_seller_sees_their_own_listing_and_cannot_write_to_themselves(app, market):
    car = market["car"]
    seller = logged_in(app, "sam@example.com")
    page = seller.get(f"/cars/{car}/fiat-panda-1-2").get_data(as_text=True)
    assert "This is your listing" in page and 'href="/sell"' in page and 'name="message"' not in page
    refused = post(seller, f"/cars/{car}/contact", {"message": MESSAGE}, page="/account")
    assert refused.status_code == 409 and "your own car" in refused.get_data(as_text=True)
    assert count(app, "messages") == 0 and count(app, "inquiries") == 0


@pytest.mark.parametrize("status", ["sold", "withdrawn"])
def test_a_car_no_longer_for_sale_has_no_contact_form_and_refuses_messages(app, market, status):
    car = market["car"]
    sql(app, "UPDATE cars SET status = %s WHERE id = %s", status, car)
    buyer = logged_in(app, "bea@example.com")
    page = buyer.get(f"/cars/{car}/fiat-panda-1-2").get_data(as_text=True)
    assert 'name="message"' not in page and "Show phone number" not in page
    assert "Ask the seller" not in app.test_client().get(f"/cars/{car}/fiat-panda-1-2").get_data(as_text=True)
    refused = post(buyer, f"/cars/{car}/contact", {"message": MESSAGE}, page="/account")
    assert refused.status_code == 409 and "no longer for sale" in refused.get_data(as_text=True)
    assert app.test_client().get(f"/cars/{car}/contact").status_code == 409
    assert count(app, "messages") == 0 and count(app, "contact_requests") == 0


# -- visitors ------------------------------------------------------------------------------------------------------


VISITOR = {"name": "Vic Visitor", "email": "vic@example.com", "phone": "+49 30 1234567", "message": MESSAGE}


def visitor_post(client, car: int, data: dict, query: str = "", **kwargs):
    token = csrf(client, f"/cars/{car}/contact{query}")
    return client.post(f"/cars/{car}/contact", data={"csrf_token": token, **data}, **kwargs)


def test_the_anonymous_car_page_links_to_the_contact_page_with_the_visit_utm_and_starts_no_session(app, market):
    car = market["car"]
    client = app.test_client()
    response = client.get(f"/cars/{car}/fiat-panda-1-2?utm_source=ads&utm_medium=cpc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "ETag" in response.headers
    assert app.config["SESSION_COOKIE_NAME"] not in " ".join(response.headers.getlist("Set-Cookie"))
    assert "csrf_token" not in page
    assert f'href="/cars/{car}/contact?utm_source=ads&amp;utm_medium=cpc"' in page
    form = client.get(f"/cars/{car}/contact?utm_source=ads&utm_medium=cpc").get_data(as_text=True)
    assert 'name="utm_source" value="ads"' in form and 'name="website"' in form and 'name="email"' in form


def test_a_visitor_message_waits_for_the_link_which_makes_the_account_and_delivers_it_once(app, market):
    car = market["car"]
    visitor = app.test_client()
    data = {**VISITOR, "utm_source": "ads", "utm_medium": "cpc"}
    sent = visitor_post(visitor, car, data, query="?utm_source=ads&utm_medium=cpc")
    assert sent.status_code == 303 and path_of(sent.headers["Location"]) == f"/cars/{car}/contact/sent"
    assert "vic@example.com" in visitor.get(f"/cars/{car}/contact/sent").get_data(as_text=True)
    # held: nothing delivered, no account yet, only the token's hash kept
    assert count(app, "messages") == 0 and count(app, "inquiries") == 0
    assert sql(app, "SELECT count(*) FROM users WHERE email = 'vic@example.com'") == [(0,)]
    ((stored_hash, hours),) = sql(
        app, "SELECT token_hash, round(extract(epoch FROM expires_at - created_at) / 3600) FROM contact_requests"
    )
    assert hours == 24
    (confirmation,) = mails_to(app, "vic@example.com")
    link = path_of(link_in(confirmation))
    assert link.startswith("/contact/confirm/") and link.rsplit("/", 1)[1].encode() not in bytes(stored_hash)
    assert "Fiat Panda 1.2" in body_of(confirmation) and MESSAGE not in body_of(confirmation)  # no relay for text

    fresh = app.test_client()  # the link opened in another browser (the mail app's) works the same
    assert fresh.get(link).status_code == 200 and count(app, "messages") == 0  # opening it sends nothing (scanners)
    assert fresh.get("/account").status_code == 302  # nor logs anyone in
    conversation = conversation_of(send_by_link(fresh, link))
    with fresh.session_transaction() as session:
        flashed = " ".join(text for _category, text in session.get("_flashes", []))
    assert "password" in flashed
    ((user_id, role, verified, password_hash, phone),) = sql(
        app,
        "SELECT id, role, email_verified_at IS NOT NULL, password_hash, phone FROM users"
        " WHERE email = 'vic@example.com'",
    )
    assert (role, verified, password_hash, phone) == ("user", True, "!", "+49 30 1234567")
    assert fresh.get("/account").status_code == 200  # logged in as the new account
    assert sql(app, "SELECT buyer_id FROM conversations WHERE id = %s", conversation) == [(user_id,)]
    assert sql(app, "SELECT user_id, source, utm, message FROM inquiries") == [
        (user_id, "visitor", {"utm_source": "ads", "utm_medium": "cpc"}, MESSAGE)
    ]
    (told,) = mails_to(app, "sam@example.com")
    assert "Vic" in told["Subject"]
    for secret in ("vic@example.com", "1234567", "Visitor"):
        assert secret not in body_of(told), secret

    # the link works once: a second use is refused, and nothing is delivered twice
    again = send_by_link(app.test_client(), link)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    assert count(app, "messages") == 1 and count(app, "inquiries") == 1 and count(app, "notifications") == 1


def test_a_visitor_whose_address_has_an_account_writes_as_it_and_is_sent_to_log_in(app, market):
    car = market["car"]
    ann = make_user(app, "ann@example.com", name="Ann Example")  # confirmed, with a password (else it is claimed)
    visitor = app.test_client()
    assert (
        visitor_post(visitor, car, {**VISITOR, "email": "ANN@example.com", "name": "Someone Else"}).status_code == 303
    )
    link = path_of(link_in(mails_to(app, "ANN@example.com")[0]))
    opened = send_by_link(visitor, link)
    assert opened.status_code == 303
    conversation = int(re.search(r"next=(?:%2F|/)messages(?:%2F|/)(\d+)", opened.headers["Location"]).group(1))
    assert path_of(opened.headers["Location"]).startswith("/login?")
    assert visitor.get("/account").status_code == 302  # not logged in
    assert sql(app, "SELECT buyer_id FROM conversations WHERE id = %s", conversation) == [(ann,)]
    assert sql(app, "SELECT count(*), bool_and(email_verified_at IS NOT NULL) FROM users WHERE id = %s", ann) == [
        (1, True)
    ]
    assert count(app, "users") == 3  # nobody made: the seller, the buyer, Ann


def test_a_link_opened_twice_at_once_delivers_the_message_once(make_app, market):
    app = make_app(DB_POOL_MAX=6)
    car = market["car"]
    assert visitor_post(app.test_client(), car, VISITOR).status_code == 303
    link = path_of(link_in(mails_to(app, "vic@example.com")[0]))
    barrier = threading.Barrier(4)

    def open_link() -> int:
        client = app.test_client()
        token = TOKEN.search(client.get(link).get_data(as_text=True))
        barrier.wait()
        return client.post(link, data={"csrf_token": token.group(1) or token.group(2)}).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda _: open_link(), range(4)))
    assert statuses == [303, 410, 410, 410]
    assert count(app, "messages") == 1 and count(app, "inquiries") == 1
    assert sql(app, "SELECT count(*) FROM users WHERE email = 'vic@example.com'") == [(1,)]


def test_two_links_of_one_new_address_opened_at_once_make_one_account(make_app, market):
    app = make_app(DB_POOL_MAX=6)
    car = market["car"]
    for text in ("First question?", "Second question?"):
        assert visitor_post(app.test_client(), car, {**VISITOR, "message": text}).status_code == 303
    links = [path_of(link_in(m)) for m in mails_to(app, "vic@example.com")]
    barrier = threading.Barrier(2)

    def open_link(link: str) -> int:
        client = app.test_client()
        token = TOKEN.search(client.get(link).get_data(as_text=True))
        barrier.wait()
        return client.post(link, data={"csrf_token": token.group(1) or token.group(2)}).status_code

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(open_link, links)) == [303, 303]
    assert sql(app, "SELECT count(*) FROM users WHERE email = 'vic@example.com'") == [(1,)]
    assert count(app, "conversations") == 1 and count(app, "messages") == 2


def test_an_expired_or_unknown_link_delivers_nothing(app, market):
    car = market["car"]
    visitor = app.test_client()
    assert visitor_post(visitor, car, VISITOR).status_code == 303
    link = path_of(link_in(mails_to(app, "vic@example.com")[0]))
    sql(app, "UPDATE contact_requests SET expires_at = now() - interval '1 minute'")
    expired = visitor.get(link)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert send_by_link(visitor, link).status_code == 410
    assert visitor.get("/contact/confirm/not-a-real-token").status_code == 404
    assert visitor.get("/contact/confirm/" + "x" * 300).status_code == 404
    assert count(app, "messages") == 0 and sql(app, "SELECT count(*) FROM users WHERE email = 'vic@example.com'") == [
        (0,)
    ]


def test_a_filled_honeypot_is_told_the_same_and_nothing_is_kept(app, market):
    car = market["car"]
    bot = app.test_client()
    response = visitor_post(bot, car, {**VISITOR, "website": "http://spam.example"})
    assert response.status_code == 303 and path_of(response.headers["Location"]) == f"/cars/{car}/contact/sent"
    assert count(app, "contact_requests") == 0 and mails(app) == []


@pytest.mark.parametrize("who", ["visitor", "buyer"])
def test_a_post_without_csrf_token_is_400_and_stores_nothing(app, market, who):
    client = app.test_client() if who == "visitor" else logged_in(app, "bea@example.com")
    response = client.post(f"/cars/{market['car']}/contact", data=VISITOR)
    assert response.status_code == 400
    assert count(app, "contact_requests") == 0 and count(app, "messages") == 0


BAD = [
    ({"message": ""}, "Write a message"),
    ({"message": "   "}, "Write a message"),
    ({"message": "x" * 5001}, "too long"),
    ({"message": "Hello\x00there"}, "cannot be sent"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "vic@example.com\x00"}, "control characters"),
    ({"name": ""}, "Tell the seller your name"),
    ({"phone": "12"}, "6 to 15 digits"),
]


@pytest.mark.parametrize(("change", "words"), BAD)
def test_bad_visitor_input_is_400_with_the_text_kept_and_nothing_stored(app, market, change, words):
    data = {**VISITOR, **change}
    response = visitor_post(app.test_client(), market["car"], data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page
    kept = "Vic Visitor" if "name" not in change else MESSAGE
    assert kept in page
    if "message" not in change:
        assert MESSAGE in page
    assert count(app, "contact_requests") == 0 and mails(app) == []


def test_text_not_sent_as_utf8_is_400_with_a_plain_message(app, market):
    """A multipart form carries the bytes as they were (a urlencoded one that is not UTF-8 loses its every field,
    the CSRF token with them: 400 too)."""
    car = market["car"]
    client = app.test_client()
    fields = {"csrf_token": csrf(client, f"/cars/{car}/contact").encode(), "name": b"Vic", "email": b"vic@example.com"}
    fields["message"] = b"Caf\xe9 ol\xe9, still for sale?"
    body = b"".join(
        b'--XyZ\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name.encode(), value)
        for name, value in fields.items()
    )
    response = client.post(
        f"/cars/{car}/contact", data=body + b"--XyZ--\r\n", content_type="multipart/form-data; boundary=XyZ"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "not valid text" in page and "still for sale?" in page
    assert count(app, "contact_requests") == 0


@pytest.mark.parametrize(("text", "words"), [("", "Write a message"), ("a\x00b", "cannot be sent")])
def test_bad_logged_in_input_is_400_with_the_form_again(app, market, text, words):
    buyer = logged_in(app, "bea@example.com")
    response = post(buyer, f"/cars/{market['car']}/contact", {"message": text}, page="/account")
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert 'name="message"' in response.get_data(as_text=True)
    assert count(app, "messages") == 0 and count(app, "conversations") == 0


# -- rate limits ---------------------------------------------------------------------------------------------------


def test_over_the_address_limit_is_429_with_the_form_and_the_text_kept(app, market):
    car = market["car"]
    buyer = logged_in(app, "bea@example.com")
    token = csrf(buyer, f"/cars/{car}/contact")
    statuses = [
        buyer.post(f"/cars/{car}/contact", data={"csrf_token": token, "message": f"Question {i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [303] * 5
    over = buyer.post(f"/cars/{car}/contact", data={"csrf_token": token, "message": "My sixth question, kept"})
    page = over.get_data(as_text=True)
    assert over.status_code == 429 and "My sixth question, kept" in page and "wait a few minutes" in page
    assert 'name="message"' in page and "Retry-After" in over.headers
    assert count(app, "messages") == 5


def test_one_visitor_address_is_limited_across_client_addresses(app, market):
    car = market["car"]
    statuses = []
    for i in range(11):
        client = app.test_client()
        statuses.append(
            visitor_post(client, car, VISITOR, environ_base={"REMOTE_ADDR": f"192.0.2.{i + 1}"}).status_code
        )
    assert statuses == [303] * 10 + [429]
    assert count(app, "contact_requests") == 10


def test_one_car_is_limited_across_senders_and_addresses(app, market):
    car = market["car"]
    statuses = []
    for i in range(31):
        client = app.test_client()
        data = {**VISITOR, "email": f"v{i}@example.com"}
        statuses.append(
            visitor_post(client, car, data, environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"}).status_code
        )
    assert statuses == [303] * 30 + [429]


# -- the phone number ----------------------------------------------------------------------------------------------


def publish_phone(app, email: str, phone: str = "+49 170 5550123"):
    client = logged_in(app, email)
    response = post(client, "/account", {"name": "Sam Seller", "phone": phone, "phone_public": "y"}, page="/account")
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def test_the_account_page_publishes_a_valid_phone_number_only(app, market):
    client = logged_in(app, "sam@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert "Show my phone number on my car pages" in page
    missing = post(client, "/account", {"name": "Sam Seller", "phone": "", "phone_public": "y"}, page="/account")
    assert missing.status_code == 400 and "Add a phone number" in missing.get_data(as_text=True)
    bad = post(client, "/account", {"name": "Sam Seller", "phone": "+49 (0) ++1", "phone_public": "y"}, page="/account")
    assert bad.status_code == 400
    assert sql(app, "SELECT count(*) FROM seller_settings") == [(0,)]
    publish_phone(app, "sam@example.com")
    assert sql(app, "SELECT phone_public FROM seller_settings") == [(True,)]
    assert re.search(r'<input checked[^>]*name="phone_public"', client.get("/account").get_data(as_text=True))
    car_page = app.test_client().get(f"/cars/{market['car']}/fiat-panda-1-2")
    assert "Show phone number" in car_page.get_data(as_text=True)
    # removing the number hides it, and the cached car page is stale at once
    assert post(client, "/account", {"name": "Sam Seller", "phone": ""}, page="/account").status_code == 303
    assert sql(app, "SELECT phone_public FROM seller_settings") == [(False,)]
    again = app.test_client().get(
        f"/cars/{market['car']}/fiat-panda-1-2", headers={"If-None-Match": car_page.headers["ETag"]}
    )
    assert again.status_code == 200 and "Show phone number" not in again.get_data(as_text=True)


def test_the_phone_number_is_revealed_on_request_only_and_counted(app, market):
    car = market["car"]
    visitor = app.test_client()
    before = visitor.get(f"/cars/{car}/fiat-panda-1-2")
    assert "Show phone number" not in before.get_data(as_text=True)
    assert visitor.get(f"/cars/{car}/phone").status_code == 404  # not published
    publish_phone(app, "sam@example.com")

    # the cached page is stale at once (publishing bumps the listings version), and the number is not in it
    page = visitor.get(f"/cars/{car}/fiat-panda-1-2", headers={"If-None-Match": before.headers["ETag"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'href="/cars/{car}/phone"' in html and "Show phone number" in html
    assert "5550123" not in html

    shown = visitor.get(f"/cars/{car}/phone")
    assert shown.status_code == 200 and "+49 170 5550123" in shown.get_data(as_text=True)
    assert 'href="tel:+491705550123"' in shown.get_data(as_text=True)
    assert shown.headers["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in shown.headers["Cache-Control"]
    as_json = visitor.get(f"/cars/{car}/phone", headers={"Accept": "application/json"})
    assert as_json.get_json() == {"phone": "+49 170 5550123", "tel": "tel:+491705550123"}
    assert as_json.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Disallow: /cars/*/phone" in visitor.get("/robots.txt").get_data(as_text=True)

    seller = logged_in(app, "sam@example.com")
    assert seller.get(f"/cars/{car}/phone").status_code == 200  # the seller's own look is not counted
    assert sql(app, "SELECT phone_reveals FROM car_contact_stats WHERE car_id = %s", car) == [(2,)]
    mine = seller.get("/sell").get_data(as_text=True)
    assert '<td data-label="Phone shown">2</td>' in mine and '<td data-label="Contacts">0</td>' in mine

    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", car)
    assert visitor.get(f"/cars/{car}/phone").status_code == 404


def test_phone_reveals_are_limited_per_address_with_a_clear_message(app, market):
    publish_phone(app, "sam@example.com")
    client = app.test_client()
    statuses = [client.get(f"/cars/{market['car']}/phone").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    over = client.get(f"/cars/{market['car']}/phone", headers={"Accept": "application/json"})
    assert over.status_code == 429 and "phone numbers" in json.dumps(over.get_json())
    assert int(over.headers["Retry-After"]) > 60 and over.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_the_demo_dealer_publishes_a_phone_number(demo):
    ((car,),) = sql(
        demo,
        "SELECT c.id FROM cars c JOIN users u ON u.id = c.seller_id"
        " WHERE u.email = 'dealer@demo.carsite.test' AND c.status = 'available' ORDER BY c.id LIMIT 1",
    )
    client = demo.test_client()
    page = client.get(client.get(f"/cars/{car}").headers["Location"]).get_data(as_text=True)
    assert "Show phone number" in page and "5550 1234" not in page
    assert client.get(f"/cars/{car}/phone", headers={"Accept": "application/json"}).get_json()["phone"] == (
        "+49 30 5550 1234"
    )


def test_an_unconfirmed_account_of_the_address_is_claimed_by_whoever_confirms_the_link(app, market):
    """Someone signed up with Vic's address and never confirmed it (they cannot read Vic's mail). When Vic confirms
    a contact link, that account's password and sessions end before it gets the message, and Vic is let in."""
    car = market["car"]
    squatter_id = make_user(app, "vic@example.com", name="Not Vic", verified=False)
    squatter = app.test_client()
    assert login(squatter, "vic@example.com").status_code == 303
    vic = app.test_client()
    assert visitor_post(vic, car, VISITOR).status_code == 303
    conversation = conversation_of(send_by_link(vic, path_of(link_in(mails_to(app, "vic@example.com")[0]))))
    assert vic.get(f"/messages/{conversation}").status_code == 200  # Vic is in
    assert squatter.get(f"/messages/{conversation}").status_code in (302, 404)  # the squatter's session ended
    assert squatter.get("/account").status_code == 302
    assert sql(app, "SELECT password_hash, email_verified_at IS NOT NULL FROM users WHERE id = %s", squatter_id) == [
        ("!", True)
    ]
    assert login(app.test_client(), "vic@example.com").status_code != 303  # the old password is gone
    assert sql(app, "SELECT action FROM audit_log WHERE action = 'account.claimed_by_contact'") == [
        ("account.claimed_by_contact",)
    ]


def test_a_second_contact_of_an_account_without_password_logs_its_owner_in_again(app, market):
    """The account a first contact made has no password until its owner sets one; a later contact from another
    device must not send them to a login page they cannot pass."""
    car = market["car"]
    first = app.test_client()
    assert visitor_post(first, car, VISITOR).status_code == 303
    send_by_link(first, path_of(link_in(mails_to(app, "vic@example.com")[0])))
    other_car = make_car(app, market["seller"], status="available", title="Skoda Fabia")
    laptop = app.test_client()
    assert visitor_post(laptop, other_car, {**VISITOR, "message": "And the Fabia?"}).status_code == 303
    links = [path_of(link_in(m)) for m in mails_to(app, "vic@example.com")]
    conversation = conversation_of(send_by_link(laptop, links[-1]))
    assert laptop.get(f"/messages/{conversation}").status_code == 200
    assert sql(app, "SELECT count(*) FROM users WHERE email = 'vic@example.com'") == [(1,)]


def test_the_car_page_leads_a_buyer_who_wrote_already_to_the_conversation(app, market):
    car = market["car"]
    buyer = app.test_client()
    assert login(buyer, "bea@example.com").status_code == 303
    page = f"/cars/{car}/fiat-panda-1-2"
    assert "see your conversation" not in buyer.get(page).get_data(as_text=True)
    conversation = conversation_of(post(buyer, f"/cars/{car}/contact", {"message": MESSAGE}, page=page))
    html = buyer.get(page).get_data(as_text=True)
    assert f'href="/messages/{conversation}">see your conversation</a>' in html and 'name="message"' in html
