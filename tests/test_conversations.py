"""The conversation core: one per car and buyer, members only, counts kept by the post statement itself."""

from __future__ import annotations

import threading
import time

import pytest

from carsite import db
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict, Invalid, NotFound
from carsite.messages import conversations, thread

from .helpers import make_car, make_user, sql


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="user", email_verified=True)


def members(app, conversation_id):
    return sql(
        app,
        "SELECT role, unread_count, last_read_message_id FROM conversation_members WHERE conversation_id = %s"
        " ORDER BY role",
        conversation_id,
    )


def test_one_conversation_per_car_and_buyer_with_counts_kept_by_each_post(app):
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        first = conversations.start(car, actor=person(buyer))
        again = conversations.start(car, actor=person(buyer))
        assert first.created and not again.created and first.conversation_id == again.conversation_id
        one = conversations.post(first.conversation_id, "  Is it still for sale?\r\n ", actor=person(buyer))
        assert one["body"] == "Is it still for sale?"
        two = conversations.post(first.conversation_id, "Yes.", actor=person(seller))
        conversations.post(first.conversation_id, "Great", actor=person(buyer))
    assert members(app, first.conversation_id) == [("buyer", 0, two["id"] + 1), ("seller", 1, two["id"])]
    with app.app_context():
        with pytest.raises(Conflict):
            conversations.start(car, actor=person(seller))  # own car
        with pytest.raises(NotFound):
            conversations.post(first.conversation_id, "hi", actor=person(make_user(app, "oz@example.com")))
        with pytest.raises(NotFound):
            conversations.membership(first.conversation_id + 1000, actor=person(buyer))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Write a message"),
        ("   \n ", "Write a message"),
        ("a\x00b", "cannot be sent"),
        ("x" * 5001, "too long"),
        ("bad \ufffd bytes", "not valid text"),
    ],
)
def test_bad_text_is_refused_with_a_plain_message(text, words):
    with pytest.raises(Invalid, match=words):
        conversations.clean_text(text)


def test_a_block_either_way_stops_texts_but_not_system_notes(app):
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        started = conversations.start(car, actor=person(buyer))
        conversations.post(started.conversation_id, "Hello", actor=person(buyer))
    sql(app, "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (%s, %s)", seller, buyer)
    with app.app_context():
        for who in (buyer, seller):
            with pytest.raises(Conflict, match="blocked"):
                conversations.post(started.conversation_id, "Still there?", actor=person(who))
        conversations.post_system(started.conversation_id, "The car is sold.")
    assert sql(app, "SELECT count(*) FROM messages WHERE conversation_id = %s", started.conversation_id) == [(2,)]
    assert members(app, started.conversation_id)[1][1] == 2  # the seller: the text and the note


def test_the_sellers_reply_closes_the_open_inquiries_of_the_conversation_as_answered(app):
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        started = conversations.start(car, actor=person(buyer))
        first = conversations.post(started.conversation_id, "Is it still for sale?", actor=person(buyer))
        conversations.record_inquiry(started, first, car_id=car, actor=person(buyer))
        conversations.post(started.conversation_id, "And the service book?", actor=person(buyer))
        conversations.post_system(started.conversation_id, "Test drive requested")  # carsite's note answers nothing
    assert sql(app, "SELECT status, answered_at FROM inquiries") == [("open", None)]
    with app.app_context():
        reply = conversations.post(started.conversation_id, "Yes, and it has one.", actor=person(seller))
        conversations.post(started.conversation_id, "Anything else?", actor=person(seller))
    assert sql(app, "SELECT status, answered_at FROM inquiries") == [("closed", reply["created_at"])]


def test_a_message_posted_while_the_page_marks_read_stays_unread(make_app):
    """The page marks read up to what it showed while the other side's post is committing: the count is lowered by
    what was read, not recounted from a snapshot that cannot see the new message."""
    app = make_app(DB_POOL_MAX=4)
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com")
    car = make_car(app, seller, status="available")
    with app.app_context():
        started = conversations.start(car, actor=person(buyer))
        seen = conversations.post(started.conversation_id, "Hello?", actor=person(seller))
    posted, release = threading.Event(), threading.Event()

    def post_and_hold() -> None:
        with app.app_context(), db.transaction():
            conversations.post(started.conversation_id, "Are you there?", actor=person(seller))
            posted.set()
            release.wait(10)

    writer = threading.Thread(target=post_and_hold)
    writer.start()
    assert posted.wait(10)

    def read() -> None:
        with app.app_context():
            thread.mark_read(started.conversation_id, seen["id"], actor=person(buyer))

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)  # the reader now waits on the member row the writer holds
    release.set()
    writer.join(10)
    reader.join(10)
    assert members(app, started.conversation_id)[0][:2] == ("buyer", 1)
