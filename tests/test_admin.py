"""Admin pages: account list, roles, deactivation, soft deletion, the audit log."""

from __future__ import annotations

import pytest

from .helpers import login, make_car, make_user, post, sql


@pytest.fixture
def admin(app):
    make_user(app, "boss@example.com", name="Boss", role="admin")
    client = app.test_client()
    login(client, "boss@example.com")
    return client


def test_account_list_searches_and_pages(app, admin):
    sql(
        app,
        "INSERT INTO users (name, email, password_hash, created_at) SELECT 'Person ' || g,"
        " 'person' || g || '@example.com', '!', now() - g * interval '1 minute' FROM generate_series(1, 60) g",
    )
    first = admin.get("/admin/users")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert html.count("@example.com</td>") == 50
    next_link = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = admin.get(next_link).get_data(as_text=True)
    assert second.count("@example.com</td>") == 11  # 60 people + the admin
    found = admin.get("/admin/users?q=person42").get_data(as_text=True)
    assert "person42@example.com" in found and found.count("@example.com</td>") == 1
    assert admin.get("/admin/users?role=admin").get_data(as_text=True).count("@example.com</td>") == 1
    assert admin.get("/admin/users?role=emperor").status_code == 400
    assert admin.get("/admin/users?cursor=forged").status_code == 400


def test_role_change_is_audited(app, admin):
    user_id = make_user(app, "sam@example.com")
    response = post(admin, f"/admin/users/{user_id}/role", {"role": "seller"}, page=f"/admin/users/{user_id}")
    assert response.status_code == 303
    assert sql(app, "SELECT role FROM users WHERE id = %s", user_id) == [("seller",)]
    assert sql(app, "SELECT action, detail->>'old', detail->>'new' FROM audit_log WHERE subject_id = %s", user_id) == [
        ("role.change", "user", "seller")
    ]
    bad = post(admin, f"/admin/users/{user_id}/role", {"role": "emperor"}, page=f"/admin/users/{user_id}")
    assert bad.status_code == 400


def test_deactivated_user_is_logged_out_on_the_next_request(app, admin):
    user_id = make_user(app, "sam@example.com")
    victim = app.test_client()
    login(victim, "sam@example.com", remember=True)
    assert victim.get("/account").status_code == 200
    assert post(admin, f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}").status_code == 303
    assert victim.get("/account").status_code == 302
    assert login(app.test_client(), "sam@example.com").status_code == 403
    assert post(admin, f"/admin/users/{user_id}/reactivate", page=f"/admin/users/{user_id}").status_code == 303
    assert login(app.test_client(), "sam@example.com").status_code == 303
    actions = [a for (a,) in sql(app, "SELECT action FROM audit_log WHERE subject_id = %s ORDER BY id", user_id)]
    assert actions == ["login", "account.deactivate", "login.refused_inactive", "account.reactivate", "login"]


def test_soft_delete_scrubs_personal_data_and_keeps_history(app, admin):
    user_id = make_user(app, "sam@example.com", name="Sam Private", role="seller")
    sql(app, "UPDATE users SET phone = '+1 555 0100', address = 'Secret St 1' WHERE id = %s", user_id)
    make_car(app, user_id, title="Old car", price=1000, year=2010)
    response = post(admin, f"/admin/users/{user_id}/delete", {"confirm": "yes"}, page=f"/admin/users/{user_id}")
    assert response.status_code == 303
    row = sql(
        app, "SELECT name, email, phone, address, is_active, deleted_at IS NOT NULL FROM users WHERE id = %s", user_id
    )[0]
    assert row == ("Deleted user", f"deleted-{user_id}@invalid", None, None, False, True)
    assert sql(app, "SELECT count(*) FROM cars WHERE seller_id = %s", user_id) == [(1,)]
    assert login(app.test_client(), "sam@example.com").status_code == 401
    # the address is free again
    make_user(app, "sam@example.com")
    again = post(admin, f"/admin/users/{user_id}/delete", page="/admin/users")
    assert again.status_code == 404
    assert post(admin, f"/admin/users/{user_id}/reactivate", page="/admin/users").status_code == 404


def test_the_last_admin_cannot_be_removed(app, admin):
    (boss,) = sql(app, "SELECT id FROM users WHERE email = 'boss@example.com'")[0]
    assert post(admin, f"/admin/users/{boss}/deactivate", page="/admin/users").status_code == 409
    assert post(admin, f"/admin/users/{boss}/role", {"role": "user"}, page="/admin/users").status_code == 409
    other = make_user(app, "second@example.com", role="admin")
    assert post(admin, f"/admin/users/{other}/role", {"role": "user"}, page="/admin/users").status_code == 303


def test_unknown_accounts_are_404(admin):
    assert admin.get("/admin/users/999999").status_code == 404
    assert post(admin, "/admin/users/999999/deactivate", page="/admin/users").status_code == 404
    assert post(admin, "/admin/users/999999/role", {"role": "user"}, page="/admin/users").status_code == 404


def test_audit_log_lists_auth_events_with_who_when_and_where(app, admin):
    make_user(app, "sam@example.com")
    login(app.test_client(), "sam@example.com", "wrong password given", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "login.failed" in page and "203.0.113.5" in page and "login" in page
    filtered = admin.get("/admin/audit?action=login.failed").get_data(as_text=True)
    assert filtered.count("<tr>") == 2  # header + one event
    assert admin.get("/admin/audit?before=abc").status_code == 400
    (ip, agent) = sql(app, "SELECT host(ip), user_agent FROM audit_log WHERE action = 'login.failed'")[0]
    assert ip == "203.0.113.5" and agent is not None
