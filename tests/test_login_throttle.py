"""Login throttling: per account for every attempt, per address with a budget an office behind one address fits."""

from __future__ import annotations

from .helpers import PASSWORD, login, make_user, sql


def test_ten_accounts_log_in_from_one_address_within_a_minute(app):
    for i in range(10):
        make_user(app, f"seller{i}@dealer.example", name=f"Seller {i}")
    statuses = [
        login(
            app.test_client(), f"seller{i}@dealer.example", PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.20"}
        ).status_code
        for i in range(10)
    ]
    assert statuses == [303] * 10


def test_sixth_wrong_password_for_one_account_is_429_from_any_address(app):
    make_user(app)
    statuses = [
        login(
            app.test_client(), "ann@example.com", "wrong password here", environ_base={"REMOTE_ADDR": f"192.0.2.{i}"}
        ).status_code
        for i in range(1, 7)
    ]
    assert statuses == [401] * 5 + [429]
    # the right password from a fresh address waits for the window too: the account is what is protected
    fresh = login(app.test_client(), "ann@example.com", PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert fresh.status_code == 429


def test_spellings_postgresql_folds_to_one_account_share_its_limit(app):
    # PostgreSQL's lower() (which finds the account) folds 'İ' to 'i'; Python's str.lower gives 'i' + U+0307.
    assert sql(app, "SELECT lower('İnfo@example.com')") == [("info@example.com",)]
    assert "İnfo@example.com".lower() != "info@example.com"
    make_user(app, "info@example.com")
    spellings = ["info@example.com", "İnfo@example.com"] * 3
    statuses = [
        login(app.test_client(), email, "wrong password here", environ_base={"REMOTE_ADDR": f"192.0.2.{i}"}).status_code
        for i, email in enumerate(spellings, start=1)
    ]
    assert statuses == [401] * 5 + [429]
