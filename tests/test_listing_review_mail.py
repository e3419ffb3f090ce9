"""The promise "We will let you know when it is live": a moderator's decision tells the seller, in the site and by
mail, in the decision's own transaction; and the password-changed notice."""

from __future__ import annotations

import pytest

from carsite import db
from carsite.domain.actor import Actor
from carsite.selling import workflow

from .helpers import PASSWORD, login, mails, make_car, make_user, path_of, post, sql


@pytest.fixture
def moderator(app):
    make_user(app, "boss@example.com", name="Boss", role="admin")
    client = app.test_client()
    assert login(client, "boss@example.com").status_code == 303
    return client


def notifications(app, user_id):
    return sql(app, "SELECT kind, title, body, url FROM notifications WHERE user_id = %s ORDER BY id", user_id)


def test_approving_a_listing_mails_the_seller_a_link_to_the_live_car_page(app, moderator, client):
    seller_id = make_user(app, "sel@example.com", name="Sel", role="seller")
    car_id = make_car(app, seller_id, status="pending", title="Fiat Panda 1.2")
    answer = post(moderator, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    assert answer.status_code == 303
    assert notifications(app, seller_id) == [
        ("listing_review", "Your “Fiat Panda 1.2” is live", "", f"/cars/{car_id}/fiat-panda-1-2")
    ]
    (message,) = mails(app)
    assert message["To"] == "sel@example.com" and "Fiat Panda 1.2" in message["Subject"]
    link = f"http://localhost/cars/{car_id}/fiat-panda-1-2"
    text = message.get_body(("plain",)).get_content()
    assert link.split("/cars/")[1] in text
    car_link = next(word for word in text.split() if f"/cars/{car_id}/" in word)
    assert client.get(path_of(car_link)).status_code == 200  # the live page, open to anyone
    assert f'href="{car_link}"' in message.get_body(("html",)).get_content()
    assert message["List-Unsubscribe"]  # a notification, not strictly transactional
    ((kind, status),) = sql(app, "SELECT kind, status FROM mail_outbox")
    assert (kind, status) == ("listing_review", "sent")


def test_sending_a_listing_back_mails_the_remark_and_links_to_the_edit_page(app, moderator):
    seller_id = make_user(app, "sel@example.com", name="Sel", role="seller")
    car_id = make_car(app, seller_id, status="pending")
    remark = "Add photos of the interior <please> & the service book."
    answer = post(moderator, f"/admin/moderation/{car_id}/reject", {"remark": remark}, page="/admin/moderation")
    assert answer.status_code == 303
    ((kind, _title, body, url),) = notifications(app, seller_id)
    assert (kind, body, url) == ("listing_review", remark, f"/sell/{car_id}")
    (message,) = mails(app)
    text = message.get_body(("plain",)).get_content()
    assert remark in text and f"/sell/{car_id}" in text
    html = message.get_body(("html",)).get_content()
    assert "&lt;please&gt; &amp; the service book." in html and f"/sell/{car_id}" in html
    seller = app.test_client()
    login(seller, "sel@example.com")
    assert seller.get(f"/sell/{car_id}").status_code == 200


def test_a_decision_that_rolls_back_tells_nobody(app):
    admin_id = make_user(app, "boss@example.com", role="admin")
    seller_id = make_user(app, "sel@example.com", role="seller")
    car_id = make_car(app, seller_id, status="pending")
    actor = Actor(user_id=admin_id, role="admin")
    with app.app_context(), pytest.raises(RuntimeError), db.transaction():
        workflow.decide(car_id, "approve", None, actor=actor)
        raise RuntimeError("something after the decision fails")
    assert sql(app, "SELECT status FROM cars WHERE id = %s", car_id) == [("pending",)]
    assert notifications(app, seller_id) == []
    assert sql(app, "SELECT count(*) FROM mail_outbox")[0][0] == 0
    assert mails(app) == []


def test_a_refused_approval_tells_nobody(app, moderator):
    seller_id = make_user(app, "sel@example.com", role="seller")
    car_id = make_car(app, seller_id, status="pending")
    post(moderator, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    mails(app)
    sql(app, "DELETE FROM mail_outbox; DELETE FROM notifications")
    # a second approval of the same car: it is not pending any more
    assert post(moderator, f"/admin/moderation/{car_id}/approve", page="/admin/moderation").status_code == 404
    assert notifications(app, seller_id) == [] and sql(app, "SELECT count(*) FROM mail_outbox")[0][0] == 0


def test_a_seller_who_turned_review_mail_off_gets_only_the_in_site_notification(app, moderator):
    seller_id = make_user(app, "sel@example.com", role="seller")
    sql(
        app,
        "INSERT INTO notification_settings (user_id, kind, by_mail, in_site)"
        " VALUES (%s, 'listing_review', false, true)",
        seller_id,
    )
    car_id = make_car(app, seller_id, status="pending")
    post(moderator, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    assert len(notifications(app, seller_id)) == 1
    assert mails(app) == []


def test_decisions_on_changes_to_a_live_listing_tell_the_seller(app, moderator):
    seller_id = make_user(app, "sel@example.com", role="seller")
    car_id = make_car(app, seller_id, status="available", title="Fiat Panda")
    revision_id = sql(
        app,
        "INSERT INTO listing_revisions (car_id, proposed) VALUES (%s, jsonb_build_object('price', 4500)) RETURNING id",
        car_id,
    )[0][0]
    (version,) = sql(app, "SELECT version FROM listing_revisions WHERE id = %s", revision_id)[0]
    answer = post(
        moderator,
        f"/admin/moderation/revisions/{revision_id}/reject",
        {"version": str(version), "remark": "The price must include VAT."},
        page="/admin/moderation",
    )
    assert answer.status_code == 303
    ((_, title, body, url),) = notifications(app, seller_id)
    assert ("changes to" in title, body, url) == (True, "The price must include VAT.", f"/sell/{car_id}")
    (message,) = mails(app)
    text = message.get_body(("plain",)).get_content()
    assert "The price must include VAT." in text and "the listing stays as it was" in text
    revision_id = sql(
        app,
        "INSERT INTO listing_revisions (car_id, proposed) VALUES (%s, jsonb_build_object('price', 4400)) RETURNING id",
        car_id,
    )[0][0]
    answer = post(
        moderator, f"/admin/moderation/revisions/{revision_id}/approve", {"version": "1"}, page="/admin/moderation"
    )
    assert answer.status_code == 303
    assert notifications(app, seller_id)[-1][3] == f"/cars/{car_id}/fiat-panda"
    approved = mails(app)[-1]
    assert "changes you made are approved" in approved.get_body(("plain",)).get_content()


def test_changing_or_resetting_the_password_sends_a_notice_without_a_secret(app, client):
    make_user(app, "pat@example.com", name="Pat")
    login(client, "pat@example.com")
    new = "a brand new long passphrase"
    answer = post(
        client,
        "/account/password",
        {"current": PASSWORD, "password": new, "confirm": new},
        page="/account/password",
    )
    assert answer.status_code in (200, 303)
    (message,) = [m for m in mails(app) if "password was changed" in m["Subject"]]
    text = message.get_body(("plain",)).get_content()
    assert "was changed on" in text and "/forgot" in text
    assert new not in text and "/reset/" not in text
    assert "List-Unsubscribe" not in message  # transactional
    ((body, sensitive, queue_name),) = sql(
        app,
        "SELECT o.text_body, o.sensitive, j.queue_name FROM mail_outbox o JOIN procrastinate_jobs j ON j.id = o.job_id"
        " WHERE o.kind = 'account.password_changed'",
    )
    assert not sensitive and "was changed on" in body and queue_name == "account"
