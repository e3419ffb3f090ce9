"""Notification settings at the edges: the unsubscribe link of an account deleted since changes nothing (404, said
plainly), and every change of the settings, from the settings page or an unsubscribe link, is in the audit log."""

from __future__ import annotations

import re

import pytest

from carsite.accounts import management
from carsite.domain.actor import Actor
from carsite.notifications import KINDS, unsubscribe_token

from .helpers import csrf, login, make_user, sql

GONE = "This account no longer exists."


def settings_form(page: str) -> dict[str, str]:
    """The settings form as a browser would send it: every ticked box."""
    ticked = re.findall(r'<input type="checkbox" name="([a-z_]+-(?:mail|site))" checked>', page)
    defaults = sum(kind.by_mail + kind.in_site for kind in KINDS.values())
    assert len(ticked) == defaults, page  # every kind's default channels on
    return {"settings": "1", **dict.fromkeys(ticked, "on")}


def audit(app, prefix: str = "notifications.") -> list[tuple]:
    return sql(
        app,
        "SELECT action, actor_id, subject_id, detail FROM audit_log WHERE action LIKE %s ORDER BY id",
        prefix + "%",
    )


@pytest.mark.parametrize(
    "form",
    [
        None,  # opening the link
        {},  # its "Stop these mails" button
        {"List-Unsubscribe": "One-Click"},  # a mail client's one-click request (RFC 8058)
        {"settings": "1", "price_drop-site": "on"},  # the whole table
    ],
    ids=["get", "stop", "one-click", "settings"],
)
def test_the_unsubscribe_link_of_a_deleted_account_answers_404_and_changes_nothing(app, form):
    ann = make_user(app)
    admin = make_user(app, "admin@example.com", role="admin")
    with app.app_context():
        token = unsubscribe_token(ann, "saved_search")
        management.delete(ann, actor=Actor(user_id=admin, role="admin", email_verified=True))
    client = app.test_client()
    url = f"/notifications/unsubscribe/{token}"
    answer = client.get(url) if form is None else client.post(url, data=form)
    assert answer.status_code == 404
    page = answer.get_data(as_text=True)
    assert GONE in page and "nothing left to unsubscribe from" in page
    assert "Save settings" not in page and "Stop these mails" not in page and "Deleted user" not in page
    assert sql(app, "SELECT count(*) FROM notification_settings")[0][0] == 0
    assert audit(app) == []
    with app.app_context():
        unknown = unsubscribe_token(999_999, "price_drop")  # signed by the site, for an account that never existed
    assert client.post(f"/notifications/unsubscribe/{unknown}").status_code == 404


def test_a_settings_change_on_the_settings_page_is_audited(app):
    ann = make_user(app)
    client = app.test_client()
    login(client)
    page = client.get("/account/notifications").get_data(as_text=True)
    form = settings_form(page)
    del form["price_drop-mail"], form["saved_search-site"]
    assert client.post("/account/notifications", data=form).status_code == 400  # no CSRF token
    assert audit(app) == [] and sql(app, "SELECT count(*) FROM notification_settings")[0][0] == 0
    form["csrf_token"] = csrf(client, "/account/notifications")
    assert client.post("/account/notifications", data=form).status_code == 303
    assert sql(
        app, "SELECT kind, by_mail, in_site FROM notification_settings WHERE NOT (by_mail AND in_site) ORDER BY kind"
    ) == [("message", True, False), ("price_drop", False, True), ("report", False, True), ("saved_search", True, False)]
    assert audit(app) == [
        (
            "notifications.settings",
            ann,
            ann,
            # message (in the site) and report (by mail) are off by default
            {"off_by_mail": ["price_drop", "report"], "off_in_site": ["message", "saved_search"]},
        )
    ]
    ((ip,),) = sql(app, "SELECT host(ip) FROM audit_log WHERE action = 'notifications.settings'")
    assert ip == "127.0.0.1"  # who changed it, from where


def test_changes_through_an_unsubscribe_link_are_audited_as_the_visitor_holding_it(app):
    ann = make_user(app)
    with app.app_context():
        token = unsubscribe_token(ann, "price_drop")
    visitor = app.test_client()
    url = f"/notifications/unsubscribe/{token}"
    form = settings_form(visitor.get(url).get_data(as_text=True))
    assert audit(app) == []  # opening the link changes nothing
    assert visitor.post(url).status_code == 200  # "Stop these mails"
    del form["car_unavailable-mail"]
    assert visitor.post(url, data=form).status_code == 200
    assert audit(app) == [
        ("notifications.unsubscribe", None, ann, {"kind": "price_drop"}),
        (
            "notifications.settings",
            None,
            ann,
            {"off_by_mail": ["car_unavailable", "report"], "off_in_site": ["message"]},
        ),
    ]
