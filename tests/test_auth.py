"""Accounts over HTTP against real PostgreSQL: sign-up, confirmation, login, revocable sessions, resets, passwords."""

from __future__ import annotations

import logging
import re
import threading
from http.cookies import SimpleCookie

import pytest

from carsite.accounts import passwords as security

from .helpers import PASSWORD, csrf, link_in, login, mails, make_user, path_of, post, sql


def cookie_values(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {k: v.value for k, v in jar.items()}


def set_cookie(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


# -- registration and confirmation --------------------------------------------------------------------------------


def test_register_sends_a_single_use_confirmation_link_that_logs_in(app):
    client = app.test_client()
    response = post(
        client, "/register", {"name": "Ann", "email": "Ann@Example.com", "password": PASSWORD}, page="/register"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/register/sent"
    assert "Check your inbox" in client.get("/register/sent").get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in until the address is confirmed
    (message,) = mails(app)
    assert message["To"] == "Ann@Example.com"
    url = link_in(message)
    assert url.startswith(app.config["BASE_URL"] + "/confirm/")
    confirmed = client.get(path_of(url))
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/account"
    assert "Email confirmed" in client.get("/account").get_data(as_text=True)
    again = app.test_client().get(path_of(url))
    assert again.status_code == 400 and b"already used" in again.data
    assert login(app.test_client(), "ann@example.com").status_code == 303  # the password works too
    assert sql(app, "SELECT action FROM audit_log WHERE action LIKE 'account.%%' ORDER BY id") == [
        ("account.register",),
        ("account.email_verified",),
    ]


def test_confirmation_link_of_a_deactivated_account_does_not_log_in(app):
    client = app.test_client()
    post(client, "/register", {"name": "Ann", "email": "ann@example.com", "password": PASSWORD}, page="/register")
    sql(app, "UPDATE users SET is_active = false RETURNING id")
    response = client.get(path_of(link_in(mails(app)[0])))
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


def test_expired_confirmation_link_is_refused(app):
    client = app.test_client()
    post(client, "/register", {"name": "Ann", "email": "ann@example.com", "password": PASSWORD}, page="/register")
    sql(app, "UPDATE user_tokens SET expires_at = now() - interval '1 second' RETURNING id")
    assert client.get(path_of(link_in(mails(app)[0]))).status_code == 400
    assert sql(app, "SELECT email_verified_at FROM users") == [(None,)]


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("a" * 11, False),
        ("elevenchars", False),
        ("twelve chars", True),
        ("correct-horse-" * 9 + "xy", True),
        ("aaaaaaaaaaaaaaaa", False),
        ("1qaz2wsx3edc", False),
        ("p" * 257, False),
    ],
)
def test_password_rules_are_length_and_commonness_only(app, password, accepted):
    client = app.test_client()
    response = post(
        client, "/register", {"name": "Ann", "email": "ann@example.com", "password": password}, page="/register"
    )
    if accepted:
        assert response.status_code == 303
        return
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html
    assert 'value="ann@example.com"' in html and 'value="Ann"' in html  # what was typed is kept
    assert password not in html  # never the password


def test_a_128_character_password_logs_in_untruncated(app):
    long_password = "correct-horse-" * 9 + "xy"  # 128 characters
    assert len(long_password) == 128
    make_user(app, password=long_password)
    assert login(app.test_client(), password=long_password).status_code == 303
    assert login(app.test_client(), password=long_password[:-1]).status_code == 401


def signup_exchange(app, email_address: str):
    """Sign up as a stranger would: every response on the way, as (status, location, page after it)."""
    client = app.test_client()
    form = client.get("/register")
    response = post(client, "/register", {"name": "A", "email": email_address, "password": PASSWORD}, page="/register")
    after = client.get(response.headers["Location"])
    return (
        form.status_code,
        response.status_code,
        response.headers["Location"],
        sorted(k for k, _ in response.headers if k.lower() != "set-cookie"),
        after.status_code,
        re.sub(r'value="[^"]+"', "", after.get_data(as_text=True)),
    )


def test_sign_up_with_a_taken_address_looks_like_any_sign_up_and_tells_the_owner(app):
    make_user(app, "ann@example.com")
    taken = signup_exchange(app, "ANN@example.COM")
    fresh = signup_exchange(app, "bob@example.com")
    assert taken == fresh
    assert taken[1:3] == (303, "/register/sent")
    assert sql(app, "SELECT lower(email) FROM users ORDER BY id") == [("ann@example.com",), ("bob@example.com",)]
    owner, new = mails(app)
    assert owner["To"] == "ann@example.com" and "tried to sign up" in owner["Subject"]
    body = owner.get_body(("plain",)).get_content()
    assert "already has" in body and "/login" in body and "/forgot" in body and "/confirm/" not in body
    assert new["To"] == "bob@example.com" and "/confirm/" in link_in(new)
    assert sql(app, "SELECT action FROM audit_log ORDER BY id") == [("account.register_taken",), ("account.register",)]


def test_simultaneous_registrations_with_one_email_make_one_account(app):
    clients = [app.test_client() for _ in range(4)]
    tokens = [csrf(c, "/register") for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def register(client, token, i):
        barrier.wait()
        response = client.post(
            "/register",
            data={
                "csrf_token": token,
                "name": "Racer",
                "email": f"{'RACE' if i % 2 else 'race'}@example.com",
                "password": PASSWORD,
            },
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=register, args=(c, t, i)) for i, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [303, 303, 303, 303]
    assert sql(app, "SELECT count(*) FROM users") == [(1,)]
    subjects = sorted(m["Subject"].split(" ")[0] for m in mails(app))
    assert subjects == ["Confirm", "Someone", "Someone", "Someone"]


def test_hashes_are_salted_scrypt(app):
    # Through registration: make_user reuses one hash per password for speed.
    for address in ("a@example.com", "b@example.com"):
        account = {"name": "Ann", "email": address, "password": PASSWORD}
        assert post(app.test_client(), "/register", account, page="/register").status_code == 303
    (first,), (second,) = sql(app, "SELECT password_hash FROM users ORDER BY id")
    assert first.startswith("scrypt:") and second.startswith("scrypt:")
    assert first != second


# -- login ---------------------------------------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(app):
    make_user(app)
    wrong = login(app.test_client(), password="not the right one at all")
    unknown = login(app.test_client(), "nobody@example.com", password="not the right one at all")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert b"The email or password is not correct." in response.data
    assert sql(app, "SELECT action, subject_id IS NOT NULL FROM audit_log ORDER BY id") == [
        ("login.failed", True),
        ("login.failed", False),
    ]


def test_login_starts_a_new_session_and_drops_what_was_there(app):
    @app.get("/_put-in-session")
    def put():
        from flask import session

        session["cart"] = "left over"
        return "ok"

    @app.get("/_read-session")
    def read():
        from flask import session

        return session.get("cart", "gone")

    put.access = read.access = "public"
    make_user(app)
    client = app.test_client()
    before = cookie_values(client.get("/_put-in-session"))["carsite_session"]
    response = login(client)
    assert response.status_code == 303
    after = cookie_values(response)["carsite_session"]
    assert after != before
    assert client.get("/_read-session").data == b"gone"


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_redirects_to_local_paths(app, next_url, lands):
    make_user(app)
    client = app.test_client()
    token = csrf(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"csrf_token": token, "email": "ann@example.com", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == lands


def test_inactive_account_cannot_log_in(app):
    user_id = make_user(app)
    sql(app, "UPDATE users SET is_active = false WHERE id = %s RETURNING id", user_id)
    response = login(app.test_client())
    assert response.status_code == 403 and b"deactivated" in response.data


def test_older_hash_is_upgraded_on_login_but_not_by_a_wrong_password(app):
    from werkzeug.security import generate_password_hash

    user_id = make_user(app)
    weak = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    sql(app, "UPDATE users SET password_hash = %s WHERE id = %s RETURNING id", weak, user_id)
    assert login(app.test_client(), password="wrong wrong wrong").status_code == 401
    assert sql(app, "SELECT password_hash FROM users") == [(weak,)]
    assert login(app.test_client()).status_code == 303
    (stored,) = sql(app, "SELECT password_hash FROM users")[0]
    assert stored.startswith(security.current_method() + "$")
    assert login(app.test_client()).status_code == 303  # and the new hash works


# -- sessions that really end --------------------------------------------------------------------------------------


def copy_of(client, app):
    """A second client holding the same cookies: an attacker who copied them."""
    thief = app.test_client()
    for cookie in client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def test_logout_revokes_a_copied_session_cookie_and_remember_cookie(app):
    make_user(app)
    client = app.test_client()
    login(client, remember=True)
    thief = copy_of(client, app)
    remember_only = app.test_client()
    remember_only.set_cookie("carsite_remember", client.get_cookie("carsite_remember").value)
    assert thief.get("/account").status_code == 200
    assert remember_only.get("/account").status_code == 200
    assert post(client, "/logout").status_code == 303
    assert thief.get("/account").status_code == 302
    assert thief.get("/account").headers["Location"].startswith("/login")
    fresh_remember = app.test_client()
    fresh_remember.set_cookie(
        "carsite_remember", thief.get_cookie("carsite_remember").value if thief.get_cookie("carsite_remember") else "x"
    )
    assert fresh_remember.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert ("logout",) in sql(app, "SELECT action FROM audit_log")


def test_log_out_everywhere_else_keeps_this_session(app):
    make_user(app)
    here, there = app.test_client(), app.test_client()
    login(here)
    login(there, remember=True)
    response = post(here, "/account/sessions/logout-others", page="/account")
    assert response.status_code == 303
    assert here.get("/account").status_code == 200
    assert there.get("/account").status_code == 302
    remembered = app.test_client()
    remembered.set_cookie("carsite_remember", "anything")
    assert remembered.get("/account").status_code == 302


def test_password_change_needs_the_current_password_and_ends_other_sessions(app):
    make_user(app)
    here, there = app.test_client(), app.test_client()
    login(here)
    login(there, remember=True)
    there_remember = there.get_cookie("carsite_remember").value
    wrong = post(
        here,
        "/account/password",
        {"current": "not it at all!", "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
        page="/account/password",
    )
    assert wrong.status_code == 401
    response = post(
        here,
        "/account/password",
        {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
        page="/account/password",
    )
    assert response.status_code == 303
    assert here.get("/account").status_code == 200
    assert there.get("/account").status_code == 302
    by_cookie = app.test_client()
    by_cookie.set_cookie("carsite_remember", there_remember)
    assert by_cookie.get("/account").status_code == 302
    assert login(app.test_client(), password="a brand new passphrase").status_code == 303
    assert ("password.change",) in sql(app, "SELECT action FROM audit_log")


def test_remember_cookie_alone_is_not_fresh_enough_to_change_the_password(app):
    make_user(app)
    client = app.test_client()
    login(client, remember=True)
    remembered = app.test_client()
    remembered.set_cookie("carsite_remember", client.get_cookie("carsite_remember").value)
    assert remembered.get("/account").status_code == 200
    response = remembered.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauthenticate")
    again = post(remembered, "/reauthenticate?next=/account/password", {"password": PASSWORD}, page="/reauthenticate")
    assert again.status_code == 303 and again.headers["Location"] == "/account/password"
    assert remembered.get("/account/password").status_code == 200


def test_expired_session_is_rejected(app):
    make_user(app)
    client = app.test_client()
    login(client)
    sql(app, "UPDATE user_sessions SET expires_at = now() - interval '1 second' RETURNING id")
    assert client.get("/account").status_code == 302


def test_cookies_are_httponly_and_samesite_lax(app):
    make_user(app)
    response = login(app.test_client(), remember=True)
    for name in ("carsite_session", "carsite_remember"):
        header = set_cookie(response, name)
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    remember = set_cookie(response, "carsite_remember")
    assert "Expires=" in remember  # a configurable, bounded lifetime (14 days by default), not a year


def test_production_cookies_are_secure_host_prefixed(make_app):
    app = make_app(ENV="production", SECRET_KEY="k" * 40, BASE_URL="https://cars.example", MAIL_SERVER="smtp.x")
    make_user(app)
    client = app.test_client()
    page = client.get("/login", base_url="https://cars.example")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        base_url="https://cars.example",
        headers={"Referer": "https://cars.example/login"},
        data={"csrf_token": token, "email": "ann@example.com", "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 303, response.data
    for name in ("__Host-session", "__Host-remember"):
        header = set_cookie(response, name)
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
        assert "Domain=" not in header


# -- forgotten passwords ---------------------------------------------------------------------------------------------


def test_reset_flow_is_single_use_and_ends_every_session(app):
    make_user(app)
    logged_in = app.test_client()
    login(logged_in)
    client = app.test_client()
    known = post(client, "/forgot", {"email": "ANN@example.com"}, page="/forgot")
    unknown = post(client, "/forgot", {"email": "nobody@example.com"}, page="/forgot")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    message, note = mails(app)  # the unknown address hears that it has no account
    assert note["To"] == "nobody@example.com" and "/reset/" not in note.get_body(("plain",)).get_content()
    reset_path = path_of(link_in(message))
    assert client.get(reset_path).status_code == 200
    mismatch = post(client, reset_path, {"password": "a fresh passphrase!", "confirm": "different"}, page=reset_path)
    assert mismatch.status_code == 400 and b"The passwords differ." in mismatch.data
    done = post(
        client, reset_path, {"password": "a fresh passphrase!", "confirm": "a fresh passphrase!"}, page=reset_path
    )
    assert done.status_code == 303
    assert logged_in.get("/account").status_code == 302
    assert client.get(reset_path).status_code == 400
    assert login(app.test_client(), password=PASSWORD).status_code == 401
    assert login(app.test_client(), password="a fresh passphrase!").status_code == 303
    actions = [a for (a,) in sql(app, "SELECT action FROM audit_log ORDER BY id")]
    assert "password.reset_requested" in actions and "password.reset" in actions


def test_expired_reset_link_is_refused(app):
    make_user(app)
    client = app.test_client()
    post(client, "/forgot", {"email": "ann@example.com"}, page="/forgot")
    sql(app, "UPDATE user_tokens SET expires_at = now() - interval '1 second' RETURNING id")
    assert client.get(path_of(link_in(mails(app)[0]))).status_code == 400


def test_reset_link_uses_the_configured_base_url_not_the_host_header(make_app):
    app = make_app(BASE_URL="https://cars.example")
    make_user(app)
    client = app.test_client()
    page = client.get("/forgot", base_url="http://evil.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/forgot", base_url="http://evil.example", data={"csrf_token": token, "email": "ann@example.com"}
    )
    assert response.status_code == 303
    (message,) = mails(app)
    assert link_in(message).startswith("https://cars.example/reset/")


def test_reserved_test_addresses_work_in_development_and_refusals_say_why(app):
    """The demo accounts use the reserved .test domain: development accepts it for sign-up and resets."""
    client = app.test_client()
    signed_up = post(
        client, "/register", {"name": "Tess", "email": "tess@demo.carsite.test", "password": PASSWORD}, page="/register"
    )
    assert signed_up.status_code == 303
    make_user(app, "bea@demo.carsite.test")
    assert post(client, "/forgot", {"email": "bea@demo.carsite.test"}, page="/forgot").status_code == 303
    assert [m["To"] for m in mails(app)] == ["tess@demo.carsite.test", "bea@demo.carsite.test"]
    refused = post(
        client, "/register", {"name": "L", "email": "l@shop.localhost", "password": PASSWORD}, page="/register"
    )
    assert refused.status_code == 400
    assert "special-use or reserved name" in refused.get_data(as_text=True)
    no_at = post(client, "/forgot", {"email": "someone.example.com"}, page="/forgot")
    assert no_at.status_code == 400 and "must have an @-sign" in no_at.get_data(as_text=True)


def test_production_refuses_reserved_test_addresses_with_the_reason(make_app):
    app = make_app(ENV="production", SECRET_KEY="k" * 40, BASE_URL="https://cars.example", MAIL_SERVER="smtp.x")
    client = app.test_client()
    page = client.get("/register", base_url="https://cars.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/register",
        base_url="https://cars.example",
        headers={"Referer": "https://cars.example/register"},
        data={"csrf_token": token, "name": "Tess", "email": "tess@demo.carsite.test", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert "special-use or reserved name" in response.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM users") == [(0,)]


# -- throttling ---------------------------------------------------------------------------------------------------


def test_31st_login_attempt_from_one_address_in_a_minute_is_429_with_retry_after(app):
    client = app.test_client()
    statuses = [login(client, f"user{i}@example.com", "wrong password here").status_code for i in range(31)]
    assert statuses == [401] * 30 + [429]
    last = login(client, "other@example.com", "wrong password here")
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) > 0
    assert b"Too many attempts" in last.data


def test_one_account_is_throttled_across_client_addresses(app):
    make_user(app)
    statuses = []
    for i in range(6):
        client = app.test_client()
        address = "192.0.2.1" if i % 2 else "198.51.100.7"
        statuses.append(
            login(client, "Ann@Example.com", "wrong password here", environ_base={"REMOTE_ADDR": address}).status_code
        )
    assert statuses == [401] * 5 + [429]
    # another account from one of those addresses is still allowed
    other = login(
        app.test_client(), "someone@example.com", "wrong password here", environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert other.status_code == 401


# -- logs ----------------------------------------------------------------------------------------------------------


def test_no_password_token_or_cookie_value_in_the_logs(app, caplog):
    make_user(app)
    with caplog.at_level(logging.DEBUG):
        client = app.test_client()
        login(client, password="a wrong secret value")
        response = login(client, remember=True)
        cookies = list(cookie_values(response).values())
        post(client, "/logout")
        post(app.test_client(), "/forgot", {"email": "ann@example.com"}, page="/forgot")
        token = path_of(link_in(mails(app)[0])).rsplit("/", 1)[1]
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for secret in (PASSWORD, "a wrong secret value", token, *cookies):
        assert secret not in text
