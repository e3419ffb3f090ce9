"""The notification centre: the bell's count with the account, the list, reading, settings and the unsubscribe
landing over the same settings."""

from __future__ import annotations

import re

from carsite import db
from carsite.notifications import notify, unsubscribe_token

from .helpers import csrf, login, make_user, sql


def add(app, user_id, title, url="/cars"):
    with app.app_context(), db.transaction():
        notify(user_id, "price_drop", title=title, url=url)


def bell(page: str) -> str | None:
    match = re.search(r'aria-label="Notifications(?:, ([^"]+))?"', page)
    return None if match is None else (match.group(1) or "")


def test_the_bell_counts_unread_and_the_centre_reads_them(app):
    ann = make_user(app, "ann@example.com")
    bob = make_user(app, "bob@example.com", name="Bob")
    client = app.test_client()
    assert bell(client.get("/").get_data(as_text=True)) is None  # visitors have no bell
    login(client)
    assert bell(client.get("/cars").get_data(as_text=True)) == ""
    add(app, ann, "First news", "/cars?make=BMW")
    add(app, ann, "Second news")
    add(app, bob, "Bob's own")
    page = client.get("/notifications").get_data(as_text=True)
    assert bell(page) == "2 unread"
    assert page.index("Second news") < page.index("First news") and "Bob's own" not in page
    (first,) = sql(app, "SELECT id FROM notifications WHERE title = 'First news'")[0]
    (theirs,) = sql(app, "SELECT id FROM notifications WHERE title = %s", "Bob's own")[0]
    token = csrf(client, "/notifications")
    opened = client.post(f"/notifications/{first}/open", data={"csrf_token": token})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/cars?make=BMW")
    assert bell(client.get("/notifications").get_data(as_text=True)) == "1 unread"
    assert client.post(f"/notifications/{theirs}/open", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/notifications/{first}/open").status_code == 400  # no CSRF token
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 303
    assert bell(client.get("/notifications").get_data(as_text=True)) == ""
    assert sql(app, "SELECT read_at IS NULL FROM notifications WHERE id = %s", theirs) == [(True,)]
    for n in range(12):
        add(app, ann, f"More {n}")
    assert bell(client.get("/cars").get_data(as_text=True)) == "more than 9 unread"


def test_the_bell_costs_no_query_of_its_own(app):
    make_user(app)
    client = app.test_client()
    login(client)
    with app.app_context(), db.Database.record() as names:
        assert client.get("/account").status_code == 200
    assert not any(name.startswith("notifications.") for name in names)


def test_settings_are_saved_and_every_sender_respects_them(app):
    ann = make_user(app)
    client = app.test_client()
    login(client)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Price drops" in page and "Saved search alerts" in page
    form = {"csrf_token": csrf(client, "/account/notifications")}
    for field in re.findall(r'name="([a-z_]+-(?:mail|site))"[^>]*checked', page):
        form[field] = "on"
    del form["price_drop-mail"], form["price_drop-site"]
    assert client.post("/account/notifications", data=form).status_code == 303
    assert sql(app, "SELECT by_mail, in_site FROM notification_settings WHERE kind = 'price_drop'") == [(False, False)]
    assert sql(app, "SELECT by_mail, in_site FROM notification_settings WHERE kind = 'saved_search'") == [(True, True)]
    add(app, ann, "Not wanted")
    assert sql(app, "SELECT count(*) FROM notifications")[0][0] == 0


def test_the_unsubscribe_link_lands_on_the_settings_without_login(app):
    ann = make_user(app)
    with app.app_context():
        token = unsubscribe_token(ann, "saved_search")
    client = app.test_client()
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Saved search alerts" in text and "Price drops" in text
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert sql(app, "SELECT kind, by_mail FROM notification_settings") == [("saved_search", False)]
    assert client.get(f"/notifications/unsubscribe/{token[:-4]}abcd").status_code == 400
