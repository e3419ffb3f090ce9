"""Admin → Mail: the outbox, searchable by recipient, status and kind, and one message's record, for admins only."""

from __future__ import annotations

import pytest

from carsite import db, mail

from .helpers import clients_by_role, login, mails, make_user, sql
from .smtp_server import SMTPServer


@pytest.fixture
def admin(app):
    make_user(app, "boss@example.com", name="Boss", role="admin")
    client = app.test_client()
    login(client, "boss@example.com")
    return client


def queue(app, to, template="listing_approved", *, kind="listing_review", sensitive=False, **context):
    context = context or {"name": "Bea", "car_title": "Fiat Panda", "url": "https://carsite.test/cars/1/fiat-panda"}
    with app.app_context(), db.transaction():
        return mail.queue(to, f"Mail for {to}", template, kind=kind, sensitive=sensitive, **context)


def rows(html: str) -> int:
    return html.count('href="/admin/mail/')


def test_only_admins_read_the_outbox(app):
    outbox_id = queue(app, "bea@example.com")
    clients = clients_by_role(app, "visitor", ("user", "seller", "admin"))
    for role, client in clients.items():
        for path in ("/admin/mail", f"/admin/mail/{outbox_id}", f"/admin/mail/{outbox_id}/html"):
            answer = client.get(path)
            if role == "admin":
                assert answer.status_code == 200, path
            elif role == "visitor":
                assert answer.status_code in (302, 303) and "/login" in answer.location
            else:
                assert answer.status_code in (403, 404), (role, path)
    assert 'href="/admin/mail"' in clients["admin"].get("/admin/users").get_data(as_text=True)  # in the admin tabs


def test_the_outbox_searches_by_exact_address_or_prefix_status_and_kind_newest_first(app, admin):
    for n in range(3):
        queue(app, f"bea{n}@example.com")
    queue(app, "Bea@Example.com")
    queue(app, "cy@example.org", kind="account.verify", template="verify", name="Cy", url="https://x/y", hours=1)
    sql(app, "UPDATE mail_outbox SET created_at = now() - id * interval '1 minute'")
    html = admin.get("/admin/mail").get_data(as_text=True)
    assert rows(html) == 5
    assert html.index("bea0@example.com") < html.index("cy@example.org")  # newest (lowest id here) first
    exact = admin.get("/admin/mail?to=bea@example.com").get_data(as_text=True)
    assert rows(exact) == 1 and "Bea@Example.com" in exact  # exact, case-insensitive
    assert rows(admin.get("/admin/mail?to=BEA").get_data(as_text=True)) == 4  # a prefix
    assert rows(admin.get("/admin/mail?to=bea1@example.com*").get_data(as_text=True)) == 1
    assert rows(admin.get("/admin/mail?to=bea%25").get_data(as_text=True)) == 0  # % is no wildcard
    assert rows(admin.get("/admin/mail?kind=account.verify").get_data(as_text=True)) == 1
    assert rows(admin.get("/admin/mail?status=sent").get_data(as_text=True)) == 0
    mails(app)
    assert rows(admin.get("/admin/mail?status=sent&to=bea").get_data(as_text=True)) == 4
    assert admin.get("/admin/mail?status=lost").status_code == 400
    assert admin.get("/admin/mail?kind=<script>").status_code == 400
    assert admin.get("/admin/mail?cursor=forged").status_code == 400
    assert admin.get("/admin/mail?to=" + "a" * 400).status_code == 400


def test_the_outbox_pages_by_keyset(app, admin):
    sql(
        app,
        "INSERT INTO mail_outbox (to_address, kind, subject, text_body, created_at)"
        " SELECT 'p' || g || '@example.com', 'test', 'Hello ' || g, 'x', now() - g * interval '1 second'"
        " FROM generate_series(1, 60) g",
    )
    first = admin.get("/admin/mail").get_data(as_text=True)
    assert rows(first) == 50 and "p1@example.com" in first
    next_link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = admin.get(next_link).get_data(as_text=True)
    assert rows(second) == 10 and "p60@example.com" in second and "p1@example.com<" not in second
    assert 'rel="next"' not in second


def test_the_address_search_uses_the_index_on_lower_to_address(app):
    sql(
        app,
        "INSERT INTO mail_outbox (to_address, kind, subject, text_body)"
        " SELECT 'p' || g || '@example.com', 'test', 's', 'x' FROM generate_series(1, 2000) g; ANALYZE mail_outbox",
    )
    for address, prefix in (("p7@example.com", False), ("p7", True)):
        with app.app_context():
            found = db.all(
                "mail.admin_page",
                address=address,
                prefix=prefix,
                status=None,
                kind=None,
                after_created_at=None,
                after_id=None,
                limit=51,
            )
        expected = 1 if not prefix else 1 + 10 + 100  # p7, p70…p79, p700…p799
        assert len(found) == min(expected, 51)
    text = "\n".join(
        row[0] for row in sql(app, "EXPLAIN SELECT id FROM mail_outbox WHERE lower(to_address) = 'p7@example.com'")
    )
    assert "mail_outbox_to_address_idx" in text, text
    prefix_plan = "\n".join(
        row[0]
        for row in sql(
            app,
            "EXPLAIN SELECT id FROM mail_outbox WHERE lower(to_address) >= 'p7@'"
            " AND lower(to_address) < 'p7@' || chr(1114111) AND left(lower(to_address), 3) = 'p7@'",
        )
    )
    assert "mail_outbox_to_address_idx" in prefix_plan, prefix_plan


def test_a_message_page_answers_did_they_get_it(app, admin):
    user_id = make_user(app, "bea@example.com", name="Bea")
    with app.app_context(), db.transaction():
        secret_id = mail.queue(
            "bea@example.com",
            "Reset",
            "reset",
            kind="account.reset",
            user_id=user_id,
            sensitive=True,
            name="<b>Bea</b>",
            url="https://carsite.test/reset/SECRET-TOKEN",
            minutes=60,
        )
    plain_id = queue(app, "bea@example.com")
    before = admin.get(f"/admin/mail/{secret_id}").get_data(as_text=True)
    assert "Waiting to be sent" in before and "SECRET-TOKEN" in before and "removed once the mail is sent" in before
    assert "&lt;b&gt;Bea&lt;/b&gt;" in before and "<b>Bea</b>" not in before
    mails(app)
    html = admin.get(f"/admin/mail/{secret_id}").get_data(as_text=True)
    assert "SECRET-TOKEN" not in html and "The body is removed: it held a one-time link" in html
    assert "Sent " in html and "Message-ID" in html and "account.reset" in html
    assert f'href="/admin/users/{user_id}"' in html
    (message_id,) = sql(app, "SELECT message_id FROM mail_outbox WHERE id = %s", secret_id)[0]
    assert message_id.strip("<>") in html.replace("&lt;", "<").replace("&gt;", ">")
    html = admin.get(f"/admin/mail/{plain_id}").get_data(as_text=True)
    assert "your listing “Fiat Panda” is live" in html and "The body is removed" not in html
    assert admin.get("/admin/mail/999999").status_code == 404
    # the HTML part, previewed in a sandboxed frame of the page: the sender's markup, no script, no other site
    assert f'<iframe class="mail-preview" src="/admin/mail/{plain_id}/html" sandbox' in html
    part = admin.get(f"/admin/mail/{plain_id}/html")
    assert part.status_code == 200 and part.mimetype == "text/html" and "Fiat Panda" in part.get_data(as_text=True)
    assert (
        part.headers["Content-Security-Policy"].startswith("default-src 'none'")
        and "sandbox" in (part.headers["Content-Security-Policy"])
    )
    assert part.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert admin.get(f"/admin/mail/{secret_id}/html").status_code == 404  # blanked once sent: nothing to show
    assert "<iframe" not in admin.get(f"/admin/mail/{secret_id}").get_data(as_text=True)


def test_a_message_that_keeps_failing_shows_its_attempts_error_and_next_try(app, admin):
    with SMTPServer(refuse=5, refuse_code=451) as server:
        app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_STARTTLS=False)
        outbox_id = queue(app, "bea@example.com")
        mails(app)
    html = admin.get(f"/admin/mail/{outbox_id}").get_data(as_text=True)
    assert "1 attempt failed so far" in html and "next try" in html
    assert "451" in html and "try again later" in html
    (job_id,) = sql(app, "SELECT job_id FROM mail_outbox WHERE id = %s", outbox_id)[0]
    assert f"#{job_id} · mail · todo, tried 1×" in html
    listing = admin.get("/admin/mail?to=bea@example.com").get_data(as_text=True)
    assert "retrying" in listing
