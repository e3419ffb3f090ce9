"""The messaging pages: inbox, conversation, replies with files, attachments, polling, read receipts, blocks."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from carsite import db
from carsite.db import Database
from carsite.domain.actor import Actor
from carsite.messages import conversations
from carsite.messages.linkify import linkify

from .helpers import csrf, login, make_car, make_user, sql


@dataclass
class World:
    app: Flask
    buyer: FlaskClient
    seller: FlaskClient
    stranger: FlaskClient
    visitor: FlaskClient
    buyer_id: int
    seller_id: int
    car_id: int
    conversation_id: int
    first_message_id: int


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="user", email_verified=True)


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email).status_code == 303
    return client


@pytest.fixture
def world(make_app) -> World:
    app = make_app(RATELIMIT_ENABLED=False)
    seller_id = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer_id = make_user(app, "bea@example.com", name="Bea Buyer")
    make_user(app, "oz@example.com", name="Oz Other")
    car_id = make_car(app, seller_id, status="available", title="Fiat Panda 1.2", price=6400)
    with app.app_context():
        started = conversations.start(car_id, actor=person(buyer_id))
        first = conversations.post(started.conversation_id, "Is it still for sale?", actor=person(buyer_id))
    return World(
        app,
        client_for(app, "bea@example.com"),
        client_for(app, "sam@example.com"),
        client_for(app, "oz@example.com"),
        app.test_client(),
        buyer_id,
        seller_id,
        car_id,
        started.conversation_id,
        first["id"],
    )


def send(client: FlaskClient, conversation_id: int, body: str = "Hello", files=None, **kwargs):
    """POST the reply form. The body is encoded here, in memory: the test client spools a large one to a temporary
    file it never closes."""
    data = MultiDict({"csrf_token": csrf(client, f"/messages/{conversation_id}"), "body": body})
    for file in files or []:
        data.add("attachment", FileStorage(*file))
    boundary, encoded = encode_multipart(data)
    return client.post(
        f"/messages/{conversation_id}",
        data=encoded,
        content_type=f"multipart/form-data; boundary={boundary}",
        **kwargs,
    )


def download(client: FlaskClient, url: str):
    """GET a file and close it (a served file stays open until its response is closed)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def count(app: Flask, table: str) -> int:
    return sql(app, f"SELECT count(*) FROM {table}")[0][0]


def jpeg(size=(64, 48), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
)
PDF += b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\n"
PDF = PDF + b"startxref\n" + str(PDF.index(b"xref")).encode() + b"\n%%EOF\n"


# -- who may see what --------------------------------------------------------------------------------------------


def urls(w: World, attachment_id: int) -> list[tuple[str, str]]:
    c = w.conversation_id
    return [
        ("GET", f"/messages/{c}"),
        ("GET", f"/messages/{c}?before={w.first_message_id + 1}"),
        ("GET", f"/messages/{c}/poll?after=0"),
        ("GET", f"/messages/{c}/attachments/{attachment_id}"),
        ("POST", f"/messages/{c}"),
        ("POST", f"/messages/{c}/archive"),
        ("POST", f"/messages/{c}/unarchive"),
        ("POST", f"/messages/{c}/block"),
        ("POST", f"/messages/{c}/unblock"),
    ]


STATE = (
    "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM message_attachments),"
    " (SELECT count(*) FROM user_blocks), (SELECT count(*) FROM conversation_members WHERE archived_at IS NOT NULL),"
    " (SELECT string_agg(coalesce(last_read_message_id, 0) || ':' || unread_count, ',' ORDER BY user_id)"
    "    FROM conversation_members)"
)


def test_every_messages_url_is_a_404_for_a_non_member_and_changes_nothing(world):
    w = world
    assert send(w.buyer, w.conversation_id, "With a file", files=[(io.BytesIO(PDF), "offer.pdf")]).status_code == 303
    attachment_id = sql(w.app, "SELECT max(id) FROM message_attachments")[0][0]
    before = sql(w.app, STATE)
    token = csrf(w.stranger, "/messages")
    for method, url in urls(w, attachment_id):
        if method == "GET":
            response = download(w.stranger, url)
        else:
            response = w.stranger.post(url, data={"csrf_token": token, "body": "let me in"})
        assert response.status_code == 404, (method, url, response.status_code)
    # the inbox of a non-member shows nothing of it
    assert "Fiat Panda" not in w.stranger.get("/messages").get_data(as_text=True)
    visitor_token = csrf(w.visitor, "/forgot")
    for method, url in urls(w, attachment_id):
        if method == "GET":
            response = download(w.visitor, url)
            assert response.status_code == 404 or (
                response.status_code == 302 and response.headers["Location"].startswith("/login")
            ), (url, response.status_code)
        else:
            response = w.visitor.post(url, data={"csrf_token": visitor_token, "body": "hi"})
            assert response.status_code in (302, 404), (url, response.status_code)
            assert response.status_code == 404 or response.headers["Location"].startswith("/login")
    assert sql(w.app, STATE) == before


def test_forged_ids_and_other_conversations_attachments_are_404(world):
    w = world
    other_car = make_car(w.app, w.seller_id, status="available", title="Other car")
    stranger_id = sql(w.app, "SELECT id FROM users WHERE email = 'oz@example.com'")[0][0]
    with w.app.app_context():
        theirs = conversations.start(other_car, actor=person(stranger_id)).conversation_id
    assert send(w.stranger, theirs, "file", files=[(io.BytesIO(PDF), "a.pdf")]).status_code == 303
    foreign = sql(w.app, "SELECT max(id) FROM message_attachments")[0][0]
    # the seller is a member of both: the attachment only exists under its own conversation
    assert download(w.seller, f"/messages/{theirs}/attachments/{foreign}").status_code == 200
    assert download(w.seller, f"/messages/{w.conversation_id}/attachments/{foreign}").status_code == 404
    assert download(w.buyer, f"/messages/{w.conversation_id}/attachments/{foreign}").status_code == 404
    for path in (
        "/messages/999999",
        "/messages/9223372036854775807",
        "/messages/99999999999999999999",
        f"/messages/{w.conversation_id}/attachments/999",
        "/messages/999999/poll?after=0",
    ):
        assert w.buyer.get(path).status_code == 404, path
    assert send(w.buyer, 999999).status_code == 404


# -- the inbox ---------------------------------------------------------------------------------------------------


def test_inbox_shows_car_other_side_last_message_and_unread_in_at_most_four_queries(world):
    w = world
    html = w.seller.get("/messages").get_data(as_text=True)
    assert "Bea Buyer" in html and "Fiat Panda 1.2" in html and "Is it still for sale?" in html
    assert re.search(r'class="inbox-unread"[^>]*>.*?1</span>', html, re.S)
    assert "/media/" in html and "size" not in html.split("inbox-photo")[0][-5:]
    html = w.buyer.get("/messages").get_data(as_text=True)
    assert "Sam Seller" in html and "You: </span>Is it still for sale?" in html
    for client in (w.buyer, w.seller):
        with Database.record() as names:
            assert client.get("/messages").status_code == 200
        assert len(names) <= 4, names
    sql(w.app, "UPDATE cars SET status = 'sold' WHERE id = %s", w.car_id)
    assert 'badge-warn">Sold' in w.buyer.get("/messages").get_data(as_text=True)


def test_inbox_pages_by_cursor_and_refuses_a_forged_one(world):
    w = world
    for index in range(32):
        car = make_car(w.app, w.seller_id, status="available", title=f"Car {index}")
        with w.app.app_context():
            started = conversations.start(car, actor=person(w.buyer_id))
            conversations.post(started.conversation_id, f"About car {index}", actor=person(w.buyer_id))
    first = w.buyer.get("/messages").get_data(as_text=True)
    assert first.count('class="inbox-row') == 30 and "About car 31" in first
    cursor = re.search(r'href="/messages\?cursor=([^"]+)"', first).group(1)
    second = w.buyer.get(f"/messages?cursor={cursor}").get_data(as_text=True)
    assert second.count('class="inbox-row') == 3 and "Is it still for sale?" in second
    assert w.buyer.get("/messages?cursor=forged").status_code == 400
    assert w.buyer.get("/messages?view=nonsense").status_code == 400


def test_archive_moves_a_conversation_until_a_new_message_comes(world):
    w = world
    token = csrf(w.buyer, "/messages")
    assert w.buyer.post(f"/messages/{w.conversation_id}/archive", data={"csrf_token": token}).status_code == 303
    assert "Fiat Panda 1.2" not in w.buyer.get("/messages").get_data(as_text=True)
    archived = w.buyer.get("/messages?view=archived").get_data(as_text=True)
    assert "Fiat Panda 1.2" in archived and "Unarchive" in archived
    assert send(w.seller, w.conversation_id, "Yes it is").status_code == 303
    assert "Fiat Panda 1.2" in w.buyer.get("/messages").get_data(as_text=True)


def test_empty_inbox_explains_how_conversations_start(world):
    html = world.stranger.get("/messages").get_data(as_text=True)
    assert "No messages yet" in html and "from a car's page" in html


# -- the conversation page ---------------------------------------------------------------------------------------


def test_conversation_page_marks_read_shows_car_and_stays_within_four_queries(world):
    w = world
    sql(
        w.app,
        "INSERT INTO test_drives (conversation_id, car_id, buyer_id, seller_id, slots, time_zone)"
        " VALUES (%s, %s, %s, %s, ARRAY[tstzrange(now() + interval '1 day', now() + interval '1 day 30 minutes')],"
        " 'Europe/Berlin')",
        w.conversation_id,
        w.car_id,
        w.buyer_id,
        w.seller_id,
    )
    with Database.record() as names:
        response = w.seller.get(f"/messages/{w.conversation_id}")
    assert response.status_code == 200
    assert len(names) <= 4, names
    html = response.get_data(as_text=True)
    assert "Fiat Panda 1.2" in html and "Bea Buyer" in html and f"/cars/{w.car_id}" in html
    assert f'href="/messages/{w.conversation_id}/report"' in html
    assert 'name="body"' in html and 'name="attachment"' in html and "multiple" in html
    assert sql(w.app, "SELECT unread_count FROM conversation_members WHERE user_id = %s", w.seller_id) == [(0,)]
    assert 'data-counter="messages"' in html and 'class="counter"' not in html.split('data-counter="messages"')[1][:900]
    # the buyer's page offers the seller's free times (opening hours published, one drive of the car confirmed)
    sql(
        w.app,
        "INSERT INTO seller_settings (user_id, time_zone, slot_minutes, opening_hours)"
        """ VALUES (%s, 'Europe/Berlin', 60, '{"1": [["09:00", "17:00"]], "2": [["09:00", "17:00"]],"""
        """ "3": [["09:00", "17:00"]], "4": [["09:00", "17:00"]], "5": [["09:00", "17:00"]]}')""",
        w.seller_id,
    )
    with Database.record() as names:
        response = w.buyer.get(f"/messages/{w.conversation_id}")
    assert response.status_code == 200 and len(names) <= 4, names
    assert '<select name="slot"' in response.get_data(as_text=True)  # the seller's free times to pick from


def test_the_drives_reach_the_panel_as_rows_of_test_drives(world):
    from carsite.messages import thread

    w = world
    sql(
        w.app,
        "INSERT INTO test_drives (conversation_id, car_id, buyer_id, seller_id, slots, time_zone)"
        " VALUES (%s, %s, %s, %s, ARRAY[tstzrange(now(), now() + interval '30 minutes')], 'Europe/Berlin')",
        w.conversation_id,
        w.car_id,
        w.buyer_id,
        w.seller_id,
    )
    with w.app.app_context():
        _conversation, drives = thread.header(w.conversation_id, actor=person(w.buyer_id))
        columns = {
            row[0]
            for row in sql(w.app, "SELECT column_name FROM information_schema.columns WHERE table_name = 'test_drives'")
        }
        read_alone = db.all("testdrives.of_conversation", conversation_id=w.conversation_id)
    # the columns of test_drives and the buyer's review of a held drive, as testdrives.of_conversation gives them
    assert len(drives) == 1 and set(drives[0]) == columns | {"review_id"} and drives[0]["status"] == "requested"
    assert set(read_alone[0]) == set(drives[0])


def test_messages_page_shows_the_last_fifty_with_a_link_to_earlier_ones(world):
    w = world
    with w.app.app_context():
        for index in range(60):
            conversations.post(
                w.conversation_id, f"Line {index}", actor=person(w.seller_id if index % 2 else w.buyer_id)
            )
    html = w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert html.count('class="msg ') == 50 and "Line 59" in html and "Line 9<" not in html
    earlier = re.search(r'href="(/messages/\d+\?before=\d+)"', html).group(1)
    older = w.buyer.get(earlier).get_data(as_text=True)
    assert "Line 9<" in older and "Is it still for sale?" in older and "data-poll" not in older


def test_opening_an_earlier_page_leaves_newer_messages_unread(world):
    w = world
    with w.app.app_context():
        for index in range(55):
            conversations.post(w.conversation_id, f"Note {index}", actor=person(w.buyer_id))
    first_ids = sql(w.app, "SELECT id FROM messages ORDER BY id LIMIT 3")
    w.seller.get(f"/messages/{w.conversation_id}?before={first_ids[2][0]}")
    assert sql(w.app, "SELECT unread_count FROM conversation_members WHERE user_id = %s", w.seller_id) == [(54,)]


def test_read_receipt_appears_for_the_sender_once_the_other_side_opened_it(world):
    w = world
    html = w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert re.search(r'class="msg-read" hidden', html)
    w.seller.get(f"/messages/{w.conversation_id}")
    html = w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert re.search(r'<span class="msg-read"> · Read <time', html)


def test_links_are_escaped_and_get_nofollow_ugc_noopener(world):
    w = world
    body = "See https://example.com/a?b=1&c=<2> and <script>alert(1)</script> (www.example.org/x)."
    assert send(w.seller, w.conversation_id, body).status_code == 303
    html = w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=" rel="nofollow ugc noopener" target="_blank">'
        "https://example.com/a?b=1&amp;c=</a>&lt;2&gt;" in html
    )
    assert (
        '<a href="https://www.example.org/x" rel="nofollow ugc noopener" target="_blank">www.example.org/x</a>).'
        in html
    )


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("javascript:alert(1)", "javascript:alert(1)"),
        ('"><img src=x onerror=alert(1)>', "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        (
            "go to http://x.test.",
            'go to <a href="http://x.test" rel="nofollow ugc noopener" target="_blank">http://x.test</a>.',
        ),
        (
            "(https://en.wikipedia.org/wiki/Fiat_(company))",
            '(<a href="https://en.wikipedia.org/wiki/Fiat_(company)" rel="nofollow ugc noopener" target="_blank">'
            "https://en.wikipedia.org/wiki/Fiat_(company)</a>)",
        ),
        (
            'https://a.test/"onmouseover="x',
            '<a href="https://a.test/" rel="nofollow ugc noopener" target="_blank">'
            "https://a.test/</a>&#34;onmouseover=&#34;x",
        ),
    ],
)
def test_linkify_makes_only_http_links_and_escapes_everything(text, html):
    assert str(linkify(text)) == html


# -- sending -----------------------------------------------------------------------------------------------------


def test_a_reply_is_stored_and_redirects_to_the_message(world):
    w = world
    response = send(w.seller, w.conversation_id, "Yes, come on Saturday.")
    message_id = sql(w.app, "SELECT max(id) FROM messages")[0][0]
    assert response.status_code == 303
    assert response.headers["Location"] == f"/messages/{w.conversation_id}#message-{message_id}"
    json_reply = send(w.seller, w.conversation_id, "And bring papers.", headers={"Accept": "application/json"})
    assert json_reply.status_code == 200 and json_reply.json["id"] == message_id + 1


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("", 400, "Write a message first."),
        ("   \n ", 400, "Write a message first."),
        ("x" * 5001, 400, "too long"),
        ("a\x00b", 400, "control characters"),
    ],
)
def test_bad_text_is_refused_keeping_what_was_typed(world, body, status, words):
    w = world
    before = count(w.app, "messages")
    response = send(w.seller, w.conversation_id, body)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert count(w.app, "messages") == before


def test_typed_text_is_kept_when_a_file_is_refused(world):
    w = world
    response = send(w.seller, w.conversation_id, "My offer <b>stands</b>", files=[(io.BytesIO(b"hello"), "car.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "car.jpg is not an image we can read" in html
    assert "My offer &lt;b&gt;stands&lt;/b&gt;</textarea>" in html


def test_invalid_utf8_in_the_form_body_is_a_400_and_stores_nothing(world):
    w = world
    token = csrf(w.seller, f"/messages/{w.conversation_id}")
    before = count(w.app, "messages")
    urlencoded = w.seller.post(
        f"/messages/{w.conversation_id}",
        data=b"csrf_token=" + token.encode() + b"&body=caf%E9+\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert urlencoded.status_code == 400
    boundary = "b0undary"
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
        ).encode()
        + b"caf\xe9 \xff\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = w.seller.post(
        f"/messages/{w.conversation_id}", data=multipart, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "not valid text" in response.get_data(as_text=True)
    assert count(w.app, "messages") == before


# -- attachments -------------------------------------------------------------------------------------------------


def test_photos_are_reencoded_without_metadata_and_pdfs_kept(world, tmp_path):
    w = world
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    photo = jpeg((800, 600), exif=exif.tobytes())
    assert b"SecretCam" in photo
    response = send(
        w.buyer,
        w.conversation_id,
        "",
        files=[(io.BytesIO(photo), "front.JPG"), (io.BytesIO(PDF), "Service history.pdf")],
    )
    assert response.status_code == 303
    rows = sql(
        w.app,
        "SELECT id, file, original_name, content_type, width, height, size_bytes FROM message_attachments ORDER BY id",
    )
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("front.JPG", "image/jpeg", 800, 600),
        ("Service history.pdf", "application/pdf", None, None),
    ]
    stored = (tmp_path / "uploads" / "attachments" / rows[0][1]).read_bytes()
    assert b"SecretCam" not in stored and Image.open(io.BytesIO(stored)).getexif() == {}
    assert rows[0][1] != "front.JPG" and re.fullmatch(r"[0-9a-f]{32}\.jpg", rows[0][1])
    html = w.seller.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert f"/messages/{w.conversation_id}/attachments/{rows[0][0]}" in html and "Service history.pdf" in html


def test_an_attachment_is_a_download_with_safe_headers(world):
    w = world
    name = "Überweisung März; 2026 (1).pdf"
    assert send(w.buyer, w.conversation_id, "invoice", files=[(io.BytesIO(PDF), name)]).status_code == 303
    attachment_id = sql(w.app, "SELECT max(id) FROM message_attachments")[0][0]
    for client in (w.buyer, w.seller):
        response = download(client, f"/messages/{w.conversation_id}/attachments/{attachment_id}")
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert (
            disposition.startswith("attachment;")
            and "filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz%3B%202026%20%281%29.pdf" in disposition
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["Cache-Control"] == "private"


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ([(b"just some text, not a photo", "car.jpg")], "car.jpg is not an image we can read"),
        ([(b"%PDF-1.4\nnot really a pdf at all", "contract.pdf")], "contract.pdf is not a PDF document"),
        ([(b"<html><script>alert(1)</script>", "page.pdf")], "page.pdf is not a PDF document"),
        ([(PDF, "contract.exe")], "Attach photos (JPEG, PNG or WebP) or PDF documents."),
        ([(PDF, "a.pdf"), (PDF, "b.pdf"), (PDF, "c.pdf"), (PDF, "d.pdf")], "at most 3 files"),
        ([(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "big.pdf")], "big.pdf is larger than 10 MB"),
        ([(b"GIF89a" + b"\x00" * 20, "anim.gif")], "Attach photos"),
        ([(PDF, "ok.pdf"), (b"fake", "fake.png")], "fake.png is not an image"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(world, tmp_path, files, words):
    w = world
    before = (count(w.app, "messages"), count(w.app, "message_attachments"))
    response = send(w.buyer, w.conversation_id, "See attached", files=[(io.BytesIO(d), n) for d, n in files])
    assert response.status_code in (400, 413), response.status_code
    assert words in response.get_data(as_text=True)
    assert (count(w.app, "messages"), count(w.app, "message_attachments")) == before
    folder = tmp_path / "uploads" / "attachments"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_three_files_of_nearly_ten_megabytes_fit_one_reply(world):
    w = world
    big = PDF[:-6] + b"%" + b"x" * (9 * 1024 * 1024) + b"\n"
    big = big + b"startxref\n" + str(PDF.index(b"xref")).encode() + b"\n%%EOF\n"
    files = [(io.BytesIO(big), f"part{i}.pdf") for i in range(3)]
    assert send(w.buyer, w.conversation_id, "", files=files).status_code == 303
    assert count(w.app, "message_attachments") == 3


def test_a_request_over_the_limit_is_413_saying_what_fits(world):
    w = world
    chunk = b"%PDF-1.4\n" + b"0" * (9 * 1024 * 1024)
    files = [(io.BytesIO(chunk), f"part{i}.pdf") for i in range(4)]
    response = send(w.buyer, w.conversation_id, "big", files=files)
    assert response.status_code == 413
    assert "attach at most 3 files of 10 MB each" in response.get_data(as_text=True)
    assert count(w.app, "messages") == 1 and count(w.app, "message_attachments") == 0


# -- polling -----------------------------------------------------------------------------------------------------


def test_poll_answers_304_with_one_query_and_new_messages_with_their_html(world):
    w = world
    page = w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    etag = re.search(r'data-etag="([^"]+)"', page).group(1)
    after = re.search(r'data-after="(\d+)"', page).group(1)
    url = f"/messages/{w.conversation_id}/poll?after={after}"
    first = w.buyer.get(url)
    assert first.status_code == 200 and first.json["messages"] == []
    assert first.headers["ETag"] == f'W/"{etag}"'
    with Database.record() as names:
        again = w.buyer.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and len(names) <= 1, names
    # the seller answers: the state changes, the poll brings the message and reads it
    send(w.seller, w.conversation_id, "Yes, see https://example.com")
    fresh = w.buyer.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != first.headers["ETag"]
    (message,) = fresh.json["messages"]
    assert 'class="msg msg-theirs"' in message["html"] and 'rel="nofollow ugc noopener"' in message["html"]
    assert fresh.json["unread_total"] == 0
    # the next poll asks after that message with the ETag it got: nothing new, so a 304 at once
    following = f"/messages/{w.conversation_id}/poll?after={message['id']}"
    with Database.record() as names:
        quiet = w.buyer.get(following, headers={"If-None-Match": fresh.headers["ETag"]})
    assert quiet.status_code == 304 and len(names) <= 1, names
    assert sql(
        w.app, "SELECT unread_count, last_read_message_id FROM conversation_members WHERE user_id = %s", w.buyer_id
    ) == [(0, message["id"])]
    # the seller's poll learns that the buyer read up to it
    seller_poll = w.seller.get(f"/messages/{w.conversation_id}/poll?after={message['id']}")
    assert seller_poll.json["read_up_to"] == message["id"] and seller_poll.json["read_label"].startswith("Read ")


@pytest.mark.parametrize("after", ["", "x", "-1", "1.5", "99999999999999999999"])
def test_poll_refuses_a_bad_after(world, after):
    assert world.buyer.get(f"/messages/{world.conversation_id}/poll?after={after}").status_code == 400


# -- blocking ----------------------------------------------------------------------------------------------------


def test_block_stops_messages_both_ways_until_unblocked(world):
    w = world
    token = csrf(w.seller, f"/messages/{w.conversation_id}")
    assert w.seller.post(f"/messages/{w.conversation_id}/block", data={"csrf_token": token}).status_code == 303
    assert sql(w.app, "SELECT blocker_id, blocked_id FROM user_blocks") == [(w.seller_id, w.buyer_id)]
    html = w.seller.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    assert "You blocked Bea Buyer" in html and "Unblock Bea Buyer" in html
    assert "You can no longer send messages" in w.buyer.get(f"/messages/{w.conversation_id}").get_data(as_text=True)
    before = count(w.app, "messages")
    refused = send(w.buyer, w.conversation_id, "Hello?", files=[(io.BytesIO(PDF), "a.pdf")])
    assert refused.status_code == 409 and "blocked" in refused.get_data(as_text=True)
    assert send(w.seller, w.conversation_id, "Me neither").status_code == 409
    assert count(w.app, "messages") == before and count(w.app, "message_attachments") == 0
    assert (
        list(
            (
                w.app.config["UPLOAD_DIR"] and __import__("pathlib").Path(w.app.config["UPLOAD_DIR"]) / "attachments"
            ).glob("*")
        )
        == []
    )
    assert sql(w.app, "SELECT count(*) FROM audit_log WHERE action = 'messages.block'") == [(1,)]
    assert w.seller.post(f"/messages/{w.conversation_id}/unblock", data={"csrf_token": token}).status_code == 303
    assert send(w.buyer, w.conversation_id, "Hello again").status_code == 303


def test_the_header_counts_unread_messages(world):
    w = world
    html = w.seller.get("/cars").get_data(as_text=True)
    counter = html.split('data-counter="messages"')[1][:900]
    assert 'aria-label="Messages, 1 unread"' in html and '<span class="counter" aria-hidden="true">1</span>' in counter
    assert '<a href="/messages" class="nav-messages">Messages</a>' in html


def test_poll_session_returns_the_columns_of_user_for_session(world):
    from carsite import db

    with world.app.app_context():
        db.scalar(
            "sessions.create_session",
            user_id=world.buyer_id,
            token_hash="probe",
            remember=False,
            ip=None,
            user_agent="",
            lifetime_seconds=60,
        )
        ordinary = db.one("sessions.user_for_session", token_hash="probe")
        polled = db.one("messages.poll_session", token_hash="probe", conversation_id=world.conversation_id)
    assert [key for key in polled if not key.startswith("poll_")] == list(ordinary)
    assert {k: v for k, v in polled.items() if k in ordinary} == ordinary
    assert polled["poll_member"] and polled["poll_last_message_id"] == world.first_message_id


def test_replies_are_rate_limited_per_account_and_visitors_go_to_login(make_app):
    app = make_app()  # limits on
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        conversation = conversations.start(car, actor=person(buyer)).conversation_id
    visitor = app.test_client()
    response = visitor.post(f"/messages/{conversation}", data={"csrf_token": csrf(visitor, "/forgot"), "body": "x"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    client = client_for(app, "bea@example.com")
    statuses = [send(client, conversation, f"Message {index}").status_code for index in range(21)]
    assert statuses == [303] * 20 + [429]
    assert count(app, "messages") == 20
