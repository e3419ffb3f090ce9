"""Mail as it leaves: multipart text + HTML from templates, escaping, and delivery over a real SMTP socket with
retries, backoff and no double send (tests/smtp_server.py), driven by procrastinate's real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from carsite import db, mail

from .helpers import mails, make_user, run_jobs, sql
from .smtp_server import SMTPServer

ACCOUNT_MAILS = {
    "verify": {"name": "Bea", "url": "https://carsite.test/confirm/t", "hours": 48},
    "reset": {"name": "Bea", "url": "https://carsite.test/reset/t", "minutes": 60},
    "reset_unknown": {"signup_url": "https://carsite.test/register"},
    "signup_taken": {
        "name": "Bea",
        "login_url": "https://carsite.test/login",
        "reset_url": "https://carsite.test/forgot",
    },
    "password_changed": {
        "name": "Bea",
        "how": "changed",
        "when": "1 May 2026 at 10:00",
        "reset_url": "https://carsite.test/forgot",
    },
    "listing_approved": {"name": "Bea", "car_title": "Fiat Panda", "url": "https://carsite.test/cars/1/fiat-panda"},
    "listing_rejected": {
        "name": "Bea",
        "car_title": "Fiat Panda",
        "remark": "More photos",
        "url": "https://carsite.test/sell/1",
    },
}


def queue(app: Flask, template: str, to: str = "bea@example.com", **context) -> int:
    with app.app_context(), db.transaction():
        return mail.queue(to, f"About {template}", template, kind=f"test.{template}", **context)


def smtp_app(app: Flask, server: SMTPServer) -> Flask:
    app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_STARTTLS=False)
    return app


def outbox(app: Flask, outbox_id: int) -> dict:
    ((status, attempts, last_error, job_id, sent_at),) = sql(
        app, "SELECT status, attempts, last_error, job_id, sent_at FROM mail_outbox WHERE id = %s", outbox_id
    )
    return {"status": status, "attempts": attempts, "last_error": last_error, "job_id": job_id, "sent_at": sent_at}


def job(app: Flask, job_id: int) -> tuple:
    """(status, attempts, seconds from now until it is due) of a procrastinate job."""
    ((status, attempts, wait),) = sql(
        app,
        "SELECT status::text, attempts, extract(epoch FROM scheduled_at - now())::float"
        " FROM procrastinate_jobs WHERE id = %s",
        job_id,
    )
    return status, attempts, wait


def due_now(app: Flask, job_id: int) -> None:
    """Skip a backoff wait: the job is due at once (what the clock would do in RETRY.wait seconds)."""
    sql(app, "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", job_id)


@pytest.mark.parametrize("template", sorted(ACCOUNT_MAILS))
def test_every_mail_is_multipart_alternative_with_a_text_and_an_html_part_from_its_templates(app, template):
    context = ACCOUNT_MAILS[template]
    queue(app, template, **context)
    (message,) = mails(app)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    main_link = next(value for key, value in context.items() if key.endswith("url"))
    assert main_link in text
    assert f'href="{main_link}"' in html  # the button (and the link written out under it)
    assert "background:#1a56db" in html  # the button's inline style: no stylesheet, no images
    assert "<img" not in html and "<link" not in html and "<style" not in html
    assert 'name="viewport"' in html and "max-width:560px" in html
    assert "carsite" in html  # the site name heads every mail
    assert message["Subject"] == f"About {template}" and message["To"] == "bea@example.com"
    assert "List-Unsubscribe" not in message  # account mails are transactional


def test_user_provided_values_are_escaped_in_html_and_kept_as_typed_in_text(app):
    name = "<script>alert(1)</script> & Co"
    remark = '<b>bold</b> "quoted"\nsecond line'
    queue(app, "listing_rejected", name=name, car_title="<img src=x onerror=alert(2)>", remark=remark, url="u")
    queue(app, "verify", name=name, url="https://carsite.test/c?a=1&b=<2>", hours=1)
    rejected, verify = mails(app)
    html = rejected.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &#34;quoted&#34;" in html
    assert name in rejected.get_body(("plain",)).get_content()  # plain text is not HTML: shown as typed
    html = verify.get_body(("html",)).get_content()
    assert 'href="https://carsite.test/c?a=1&amp;b=&lt;2&gt;"' in html and "<2>" not in html


def test_a_text_only_mail_gets_its_paragraphs_escaped_in_the_layout(app):
    with app.app_context():
        html = app.jinja_env.get_template("mail/_layout.html").render(
            subject="s",
            paragraphs=mail.paragraphs("Hi <b>you</b>\n\nsee https://carsite.test/x?a=1&b=2"),
            site_name="carsite",
        )
    assert "Hi &lt;b&gt;you&lt;/b&gt;" in html
    assert '<a href="https://carsite.test/x?a=1&amp;b=2">' in html


def test_a_text_only_mail_with_an_unsubscribe_link_has_it_once_in_html_in_the_footer(app):
    """The text part ends with the unsubscribe signature; the HTML part made from it carries the link only in the
    layout's footer, not a second time as a paragraph."""
    user_id = make_user(app, "bea@example.com")
    with app.test_request_context(), db.transaction():
        mail.queue(
            "bea@example.com",
            "Cheaper now",
            "price_drop",
            kind="price_drop",
            user_id=user_id,
            unsubscribe=True,
            name="Bea",
            car_title="Fiat Panda",
            new_price="€4,500",
            old_price="€5,000",
            url="https://carsite.test/cars/1",
        )
    (message,) = mails(app)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Stop these mails or change what we send: " in text
    assert "Stop these mails" not in html and html.count("/notifications/unsubscribe/") == 1
    assert "Unsubscribe or change what we send" in html and "https://carsite.test/cars/1" in html


def test_a_temporary_refusal_is_retried_with_backoff_and_the_mail_arrives_exactly_once(app):
    with SMTPServer(refuse=2, refuse_code=451) as server:
        smtp_app(app, server)
        outbox_id = queue(app, "verify", name="Bea", url="https://carsite.test/c/1", hours=1)
        job_id = outbox(app, outbox_id)["job_id"]
        for attempt in (1, 2):
            run_jobs(app)
            row = outbox(app, outbox_id)
            assert row["status"] == "queued" and row["attempts"] == attempt
            assert "451" in row["last_error"] and "try again later" in row["last_error"]
            status, job_attempts, wait = job(app, job_id)
            expected = mail.RETRY.wait(attempt - 1)  # 30 s, then 60 s
            assert status == "todo" and job_attempts == attempt
            assert expected - 5 <= wait <= expected + 1, (attempt, wait)
            assert server.messages == []
            run_jobs(app)  # not due yet: the worker leaves it alone
            assert outbox(app, outbox_id)["attempts"] == attempt
            due_now(app, job_id)
        run_jobs(app)
        row = outbox(app, outbox_id)
        assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
        assert job(app, job_id)[0] == "succeeded"
        (received,) = server.messages
        assert received.recipients == ["bea@example.com"]
        assert received.message["Subject"] == "About verify"
        assert received.message.get_content_type() == "multipart/alternative"
        # the job once more (a duplicate, a retry after a lost acknowledgement): nothing is sent twice
        with app.app_context():
            mail.deliver(outbox_id=outbox_id)
        sql(app, "UPDATE procrastinate_jobs SET status = 'todo', scheduled_at = now() WHERE id = %s", job_id)
        run_jobs(app)
        assert len(server.messages) == 1 and server.refused == 2


def test_after_the_last_attempt_the_message_is_failed_with_the_error(app):
    with SMTPServer(refuse=100, refuse_code=451) as server:
        smtp_app(app, server)
        outbox_id = queue(app, "listing_approved", **ACCOUNT_MAILS["listing_approved"])
        job_id = outbox(app, outbox_id)["job_id"]
        waits = []
        for attempt in range(1, mail.RETRY.attempts + 1):
            run_jobs(app)
            row = outbox(app, outbox_id)
            assert row["attempts"] == attempt
            if attempt < mail.RETRY.attempts:
                assert row["status"] == "queued"
                waits.append(round(job(app, job_id)[2]))
                due_now(app, job_id)
        assert row["status"] == "failed" and row["sent_at"] is None
        assert "451" in row["last_error"] and "try again later" in row["last_error"]
        assert job(app, job_id)[:2] == ("failed", mail.RETRY.attempts)
        # exponential, capped at an hour: 30 s, 1, 2, 4, 8, 16, 32 min, then 60 min
        expected = [mail.RETRY.wait(n) for n in range(mail.RETRY.attempts - 1)]
        assert expected == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        assert all(e - 5 <= w <= e + 1 for e, w in zip(expected, waits, strict=True)), waits
        assert server.messages == [] and server.refused == mail.RETRY.attempts
        run_jobs(app)  # nothing left to try
        assert server.refused == mail.RETRY.attempts


def test_an_unreachable_server_counts_as_an_attempt(app):
    with SMTPServer() as server:
        port = server.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_STARTTLS=False)  # nobody listens there now
    outbox_id = queue(app, "verify", name="Bea", url="https://carsite.test/c/1", hours=1)
    run_jobs(app)
    row = outbox(app, outbox_id)
    assert row["status"] == "queued" and row["attempts"] == 1 and row["last_error"]
    assert timedelta(seconds=job(app, row["job_id"])[2]) > timedelta(seconds=20)


REFUSED_AT = {
    "mail": "the mail server refused the sender: {code} ",
    "rcpt": "the mail server refused the recipient: bea@example.com: {code} ",
    "data": "the mail server refused the message: {code} ",
}


@pytest.mark.parametrize("stage", sorted(REFUSED_AT))
def test_a_permanent_refusal_fails_the_message_at_once_with_the_servers_answer(app, stage):
    with SMTPServer(refuse=100, refuse_code=550, refuse_at=stage) as server:
        smtp_app(app, server)
        outbox_id = queue(app, "verify", name="Bea", url="https://carsite.test/c/1", hours=1)
        job_id = outbox(app, outbox_id)["job_id"]
        run_jobs(app)
        row = outbox(app, outbox_id)
        assert (row["status"], row["attempts"], row["sent_at"]) == ("failed", 1, None)
        assert row["last_error"] == REFUSED_AT[stage].format(code=550) + "5.7.1 refused (1)"
        assert job(app, job_id)[:2] == ("failed", 1)  # no retry planned: the answer would be the same
        assert sql(app, "SELECT attempt, error FROM job_failures WHERE job_id = %s", job_id) == [
            (1, f"Permanent: {row['last_error']}")
        ]
        due_now(app, job_id)
        run_jobs(app)
        assert server.refused == 1 and server.messages == []


@pytest.mark.parametrize("stage", sorted(REFUSED_AT))
def test_a_temporary_refusal_at_any_stage_is_retried_with_backoff(app, stage):
    with SMTPServer(refuse=1, refuse_code=451, refuse_at=stage) as server:
        smtp_app(app, server)
        outbox_id = queue(app, "verify", name="Bea", url="https://carsite.test/c/1", hours=1)
        job_id = outbox(app, outbox_id)["job_id"]
        run_jobs(app)
        row = outbox(app, outbox_id)
        assert (row["status"], row["attempts"]) == ("queued", 1)
        assert row["last_error"] == REFUSED_AT[stage].format(code=451) + "4.3.0 try again later (1)"
        status, attempts, wait = job(app, job_id)
        assert (status, attempts) == ("todo", 1) and mail.RETRY.wait(0) - 5 <= wait <= mail.RETRY.wait(0) + 1
        due_now(app, job_id)
        run_jobs(app)
        assert outbox(app, outbox_id)["status"] == "sent" and len(server.messages) == 1


def test_mails_queued_together_each_have_their_own_job_and_roll_back_together(app):
    def rendered(n: int) -> mail.Rendered:
        return mail.render(
            f"p{n}@example.com",
            f"Message {n}",
            "listing_approved",
            kind="test.batch",
            **ACCOUNT_MAILS["listing_approved"],
        )

    with app.app_context(), db.transaction():
        ids = mail.queue_many([rendered(n) for n in range(5)], channel=mail.BULK)
    assert len(ids) == len(set(ids)) == 5
    rows = sql(
        app,
        "SELECT o.id, o.to_address, o.subject, j.queue_name, (j.args->>'outbox_id')::bigint FROM mail_outbox o"
        " JOIN procrastinate_jobs j ON j.id = o.job_id WHERE o.id = ANY(%s) ORDER BY o.id",
        ids,
    )
    # In the order given, each row with the job that sends that very row, on the queue asked for.
    assert [r[0] for r in rows] == ids
    assert [(r[1], r[2]) for r in rows] == [(f"p{n}@example.com", f"Message {n}") for n in range(5)]
    assert all(r[3] == "alerts" and r[4] == r[0] for r in rows)

    with pytest.raises(RuntimeError), app.app_context(), db.transaction():
        mail.queue_many([rendered(9)])
        raise RuntimeError("the change that caused the mail fails")
    assert sql(app, "SELECT count(*) FROM mail_outbox WHERE to_address = 'p9@example.com'") == [(0,)]
    assert sql(app, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 5

    delivered = mails(app)
    assert sorted(m["To"] for m in delivered) == [f"p{n}@example.com" for n in range(5)]


def test_a_delivery_that_breaks_for_another_reason_fails_its_message_after_the_last_run(app, monkeypatch):
    """Not the mail server: a bug or a broken template in delivery. The job is retried like any; after its last run
    the outbox message says failed with the error, instead of staying queued for ever."""
    outbox_id = queue(app, "listing_approved", **ACCOUNT_MAILS["listing_approved"])
    job_id = outbox(app, outbox_id)["job_id"]

    def broken(row):
        raise RuntimeError("the message could not be composed")

    monkeypatch.setattr(mail, "transmit", broken)
    run_jobs(app)
    assert outbox(app, outbox_id)["status"] == "queued"  # retried later
    assert job(app, job_id)[:2] == ("todo", 1)
    sql(app, "UPDATE procrastinate_jobs SET attempts = %s, scheduled_at = now() WHERE id = %s", 9, job_id)
    run_jobs(app)
    row = outbox(app, outbox_id)
    assert row["status"] == "failed" and "could not be composed" in row["last_error"]
    assert job(app, job_id)[:2] == ("failed", mail.RETRY.attempts)
