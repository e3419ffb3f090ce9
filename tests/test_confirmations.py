"""Destructive actions ask first: the button leads to a confirmation page (GET, nothing changes) that spells out
the consequences and holds the real POST button with confirm=yes; a POST without it deletes nothing."""

from __future__ import annotations

import re

from .helpers import csrf, login, make_user, post, sql
from .test_selling import create


def forms_posting_to(html: str, action: str) -> list[str]:
    return [
        f for f in re.findall(r"<form\b.*?</form>", html, re.S) if f'action="{action}"' in f and 'method="post"' in f
    ]


def assert_asks_first(client, page: str, action: str, consequence: str) -> None:
    html = client.get(page).get_data(as_text=True)
    assert forms_posting_to(html, action) == []  # the button on the page only leads to the question
    assert re.search(rf'<form method="get" action="{re.escape(action)}"', html)
    question = client.get(action)
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert consequence in text and "This cannot be undone." in text
    (final,) = forms_posting_to(text, action)
    assert 'name="confirm" value="yes"' in final


def test_deleting_a_listing_asks_first_and_needs_confirm_yes(app, seller):
    car_id = create(seller)
    action = f"/sell/{car_id}/delete"
    assert_asks_first(seller, f"/sell/{car_id}", action, "It leaves the site at once")
    assert sql(app, "SELECT deleted_at FROM cars WHERE id = %s", car_id) == [(None,)]
    for data in ({}, {"confirm": "no"}, {"confirm": "YES!"}):
        refused = post(seller, action, data, page=f"/sell/{car_id}")
        assert refused.status_code == 303 and refused.headers["Location"] == action
    assert sql(app, "SELECT deleted_at FROM cars WHERE id = %s", car_id) == [(None,)]
    done = post(seller, action, {"confirm": "yes"}, page=action)
    assert done.status_code == 303 and done.headers["Location"] == "/sell"
    assert sql(app, "SELECT deleted_at IS NOT NULL FROM cars WHERE id = %s", car_id) == [(True,)]
    assert seller.get(action).status_code == 404


def test_others_cannot_see_a_listing_s_confirmation_page(app, seller):
    car_id = create(seller)
    make_user(app, "rival@example.com", role="seller")
    rival = app.test_client()
    login(rival, "rival@example.com")
    assert rival.get(f"/sell/{car_id}/delete").status_code == 404
    token = csrf(rival, "/sell")
    assert rival.post(f"/sell/{car_id}/delete", data={"csrf_token": token, "confirm": "yes"}).status_code == 404
    assert sql(app, "SELECT deleted_at FROM cars WHERE id = %s", car_id) == [(None,)]


def test_deleting_an_account_asks_first_and_needs_confirm_yes(app, admin):
    user_id = make_user(app, "sam@example.com", name="Sam Private")
    action = f"/admin/users/{user_id}/delete"
    assert_asks_first(admin, f"/admin/users/{user_id}", action, "are erased for good")
    assert "Sam Private (sam@example.com)" in admin.get(action).get_data(as_text=True)
    refused = post(admin, action, page=f"/admin/users/{user_id}")
    assert refused.status_code == 303 and refused.headers["Location"] == action
    assert sql(app, "SELECT deleted_at FROM users WHERE id = %s", user_id) == [(None,)]
    done = post(admin, action, {"confirm": "yes"}, page=action)
    assert done.status_code == 303 and done.headers["Location"] == "/admin/users"
    assert sql(app, "SELECT name FROM users WHERE id = %s", user_id) == [("Deleted user",)]
    assert admin.get(action).status_code == 404  # nothing left to confirm
