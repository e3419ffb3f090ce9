"""Batched new-message mail: one mail per conversation once the oldest unread message is old enough, never twice."""

from __future__ import annotations

from datetime import UTC, datetime

from carsite.db import Database
from carsite.domain.actor import Actor
from carsite.messages import conversations, mailing

from .helpers import mails, make_car, make_user, sql


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="user", email_verified=True)


def chat(app, *, bodies=("Is it still for sale?",), buyer_email="bea@example.com"):
    """A conversation about a car of Sam's in which the buyer wrote ``bodies``; (conversation id, seller, buyer)."""
    seller = sql(app, "SELECT id FROM users WHERE email = 'sam@example.com'")
    seller = seller[0][0] if seller else make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, buyer_email, name="Bea Buyer")
    car = make_car(app, seller, status="available", title="Toyota Corolla 1.8 Hybrid")
    with app.app_context():
        started = conversations.start(car, actor=person(buyer))
        for body in bodies:
            conversations.post(started.conversation_id, body, actor=person(buyer))
    return started.conversation_id, seller, buyer


def age(app, conversation_id: int, minutes: int) -> None:
    """Make every message of the conversation ``minutes`` old."""
    sql(
        app,
        "UPDATE messages SET created_at = now() - make_interval(mins => %s) WHERE conversation_id = %s",
        minutes,
        conversation_id,
    )


def run(app) -> int:
    with app.app_context():
        return mailing.send_due(datetime.now(UTC))


def mailed(app, conversation_id: int, user_id: int):
    return sql(
        app,
        "SELECT mailed_message_id FROM conversation_members WHERE conversation_id = %s AND user_id = %s",
        conversation_id,
        user_id,
    )[0][0]


def test_one_mail_per_conversation_after_the_delay_summarising_the_messages(app):
    bodies = [f"Question number {n}" for n in range(1, 8)]
    conversation, seller, _buyer = chat(app, bodies=bodies)
    other, _, _ = chat(app, bodies=["Hello from Oz"], buyer_email="oz@example.com")
    assert run(app) == 0  # too fresh: the delay (5 minutes) has not passed
    age(app, conversation, 6)
    age(app, other, 6)
    assert run(app) == 2
    sent = mails(app)
    assert len(sent) == 2
    by_subject = {m["Subject"]: m for m in sent}
    mail = by_subject["Bea Buyer sent you 7 new messages about Toyota Corolla 1.8 Hybrid"]
    assert mail["To"] == "sam@example.com"
    text = mail.get_body(("plain",)).get_content()
    for n in range(1, 6):
        assert f"Question number {n}" in text
    assert "Question number 6" not in text and "and 2 more" in text
    assert f"http://localhost/messages/{conversation}" in text
    assert "Stop these mails" in text  # a notification: with its unsubscribe link
    assert "Bea Buyer sent you a new message about Toyota Corolla 1.8 Hybrid" in by_subject
    newest = sql(app, "SELECT max(id) FROM messages WHERE conversation_id = %s", conversation)[0][0]
    assert mailed(app, conversation, seller) == newest
    # in the site the messages counter shows them: no notification in the bell
    assert sql(app, "SELECT count(*) FROM notifications WHERE kind = 'message'") == [(0,)]


def test_nothing_is_mailed_twice_and_a_later_message_gets_a_mail_of_its_own(app):
    conversation, _seller, buyer = chat(app, bodies=["First"])
    age(app, conversation, 10)
    assert run(app) == 1
    assert run(app) == 0
    assert len(mails(app)) == 1
    with app.app_context():
        conversations.post(conversation, "Second", actor=person(buyer))
    assert run(app) == 0  # the new one is fresh
    age(app, conversation, 10)
    assert run(app) == 1
    sent = mails(app)
    assert len(sent) == 2
    text = sent[-1].get_body(("plain",)).get_content()
    assert "Second" in text and "First" not in text
    assert "sent you a new message" in sent[-1]["Subject"]
    assert run(app) == 0


def test_a_member_who_reads_within_the_delay_gets_no_mail(app):
    conversation, seller, _buyer = chat(app, bodies=["Hello", "Anyone there?"])
    # the seller opens the conversation (what the conversation page records) before the delay is over
    sql(
        app,
        "UPDATE conversation_members SET last_read_message_id = c.last_message_id, unread_count = 0"
        "  FROM conversations c WHERE c.id = conversation_id AND conversation_id = %s AND user_id = %s",
        conversation,
        seller,
    )
    age(app, conversation, 30)
    assert run(app) == 0
    assert mails(app) == []


def test_own_messages_and_system_notes_are_not_mailed(app):
    conversation, seller, _buyer = chat(app, bodies=["Hello"])
    with app.app_context():
        conversations.post(conversation, "Hi Bea, yes it is.", actor=person(seller))  # the seller read and answered
        conversations.post_system(conversation, "A test drive was booked.")
    age(app, conversation, 10)
    assert run(app) == 1  # the seller has read Bea's message (answering it); Bea has the answer and a note unread
    [mail] = mails(app)
    assert mail["To"] == "bea@example.com"
    text = mail.get_body(("plain",)).get_content()
    assert "Hi Bea, yes it is." in text and "test drive" not in text and "Hello" not in text.split(",", 1)[1]


def test_mail_switched_off_in_the_settings_sends_nothing_but_counts_as_done(app):
    conversation, seller, _buyer = chat(app, bodies=["Hello"])
    sql(
        app,
        "INSERT INTO notification_settings (user_id, kind, by_mail, in_site) VALUES (%s, 'message', false, false)",
        seller,
    )
    age(app, conversation, 10)
    assert run(app) == 1
    assert mails(app) == []
    sql(app, "DELETE FROM notification_settings WHERE user_id = %s", seller)
    assert run(app) == 0  # nothing is mailed later either: those messages were dealt with


def test_a_blocked_conversation_mails_nothing(app):
    conversation, seller, buyer = chat(app, bodies=["Hello", "Buy my crypto"])
    sql(app, "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (%s, %s)", seller, buyer)
    age(app, conversation, 10)
    assert run(app) == 0
    assert mails(app) == []
    assert mailed(app, conversation, seller) is None


def test_the_job_is_registered_every_minute_on_the_notify_queue(app):
    from carsite import jobs

    jobs.load_tasks()
    task = jobs.TASKS["carsite.messages.mailing.mail_unread"]
    assert task.queue == "notify"
    assert task.periodic == "* * * * *"


def test_the_scan_runs_a_constant_number_of_statements(app):
    for n in range(3):
        conversation, _, _ = chat(app, bodies=["Hello", "Again"], buyer_email=f"b{n}@example.com")
        age(app, conversation, 10)
    with app.app_context(), Database.record() as names:
        assert mailing.send_due(datetime.now(UTC)) == 3
    assert names.count("messages.mail_due") == 1
    assert len(names) <= 4, names


def test_two_runs_at_once_mail_each_conversation_once(app):
    import threading

    for n in range(5):
        conversation, _, _ = chat(app, bodies=["Hello", "Still there?"], buyer_email=f"r{n}@example.com")
        age(app, conversation, 10)
    barrier = threading.Barrier(3)
    done: list[int] = []

    def run_once() -> None:
        with app.app_context():
            barrier.wait()
            done.append(mailing.send_due(datetime.now(UTC)))

    threads = [threading.Thread(target=run_once) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(done) == 5
    assert len(mails(app)) == 5
