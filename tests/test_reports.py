"""Reports: members report conversations, logged-in people report listings, admins resolve or dismiss them."""

from __future__ import annotations

import pytest

from carsite.domain.actor import Actor
from carsite.messages import conversations

from .helpers import login, make_car, make_user, post, sql


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="user", email_verified=True)


@pytest.fixture
def world(app):
    """Sam sells a car; Bea asked about it; Oz is someone else. Logged-in clients for Bea, Oz and an admin."""
    seller = make_user(app, "sam@example.com", name="Sam Seller", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea Buyer")
    make_user(app, "oz@example.com", name="Oz Other")
    make_user(app, "boss@example.com", name="Boss Admin", role="admin")
    car = make_car(app, seller, status="available", title="Toyota Corolla 1.8 Hybrid")
    with app.app_context():
        started = conversations.start(car, actor=person(buyer))
        conversations.post(started.conversation_id, "Is it still for sale?", actor=person(buyer))
        conversations.post(started.conversation_id, "Yes. Pay by gift card and I ship it.", actor=person(seller))
    clients = {}
    for who in ("bea", "oz", "boss", "sam"):
        clients[who] = app.test_client()
        assert login(clients[who], f"{who}@example.com").status_code == 303
    return {
        "app": app,
        "car": car,
        "conversation": started.conversation_id,
        "seller": seller,
        "buyer": buyer,
        **clients,
    }


def reports(app):
    return sql(app, "SELECT kind, conversation_id, car_id, reason, details, status FROM reports ORDER BY id")


def test_a_member_reports_a_conversation_once(world):
    app, bea, conversation = world["app"], world["bea"], world["conversation"]
    page = bea.get(f"/messages/{conversation}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Report this conversation" in html and "Sam Seller" in html and "Toyota Corolla" in html
    for value in ("scam", "abusive", "misleading", "other"):
        assert f'value="{value}"' in html
    path = f"/messages/{conversation}/report"
    response = post(bea, path, {"reason": "scam", "details": "  Asks for gift cards.\r\n"}, page=path)
    assert response.status_code == 303 and response.headers["Location"] == f"/messages/{conversation}"
    assert reports(app) == [("conversation", conversation, world["car"], "scam", "Asks for gift cards.", "open")]
    again = post(bea, path, {"reason": "abusive"}, page=path, follow_redirects=True)
    assert "You have reported this already" in again.get_data(as_text=True)
    assert len(reports(app)) == 1
    assert "You have reported this conversation already" in bea.get(path).get_data(as_text=True)
    # the seller, the other member, may report it too
    assert post(world["sam"], path, {"reason": "abusive"}, page="/forgot").status_code == 303
    assert len(reports(app)) == 2
    assert sql(app, "SELECT count(*) FROM audit_log WHERE action = 'report.file'") == [(2,)]


def test_non_members_get_404_and_visitors_go_to_log_in(world):
    app, conversation = world["app"], world["conversation"]
    path = f"/messages/{conversation}/report"
    assert world["oz"].get(path).status_code == 404
    assert post(world["oz"], path, {"reason": "scam"}).status_code == 404
    assert world["boss"].get(path).status_code == 404  # admins are not members either: they use the queue
    assert world["bea"].get(f"/messages/{conversation + 999}/report").status_code == 404
    visitor = app.test_client().get(path)
    assert visitor.status_code == 302 and visitor.headers["Location"].startswith("/login?next=")
    assert reports(app) == []


def test_a_logged_in_person_reports_a_listing_and_visitors_are_sent_to_log_in(world):
    app, car, oz = world["app"], world["car"], world["oz"]
    visitor = app.test_client()
    page = visitor.get(f"/cars/{car}", follow_redirects=True).get_data(as_text=True)
    assert f'href="/login?next=/cars/{car}/report"' in page
    response = visitor.get(f"/cars/{car}/report")
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next=/cars/{car}/report"
    shown = oz.get(f"/cars/{car}", follow_redirects=True).get_data(as_text=True)
    assert f'href="/cars/{car}/report"' in shown and "Report this listing" in shown
    path = f"/cars/{car}/report"
    assert "Report this listing" in oz.get(path).get_data(as_text=True)
    done = post(oz, path, {"reason": "misleading", "details": "The mileage is wrong."}, page=path)
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/cars/{car}")
    assert reports(app) == [("car", None, car, "misleading", "The mileage is wrong.", "open")]
    again = post(oz, path, {"reason": "misleading"}, page=path, follow_redirects=True)
    assert "You have reported this already" in again.get_data(as_text=True)
    assert len(reports(app)) == 1
    # a conversation report and a listing report of the same car are different reports
    bea_path = f"/messages/{world['conversation']}/report"
    assert post(world["bea"], path, {"reason": "scam"}).status_code == 303
    assert post(world["bea"], bea_path, {"reason": "scam"}).status_code == 303
    assert len(reports(app)) == 3


def test_the_seller_cannot_report_their_own_listing_and_unknown_cars_are_404(world):
    sam, car = world["sam"], world["car"]
    assert "Report this listing" not in sam.get(f"/cars/{car}", follow_redirects=True).get_data(as_text=True)
    assert sam.get(f"/cars/{car}/report").status_code == 409
    assert post(sam, f"/cars/{car}/report", {"reason": "scam"}).status_code == 409
    assert world["oz"].get(f"/cars/{car + 999}/report").status_code == 404
    draft = make_car(world["app"], world["seller"])
    assert post(world["oz"], f"/cars/{draft}/report", {"reason": "scam"}).status_code == 404
    assert reports(world["app"]) == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "Choose what is wrong"),
        ({"reason": "rude"}, "Choose what is wrong"),
        ({"reason": "other"}, "Write a description first"),
        ({"reason": "other", "details": "   "}, "Write a description first"),
        ({"reason": "scam", "details": "x" * 1001}, "at most 1,000 characters"),
        ({"reason": "scam", "details": "bad\x00byte"}, "control characters"),
        ({"reason": "scam", "details": "bell\x07"}, "control characters"),
    ],
)
@pytest.mark.parametrize("kind", ["car", "conversation"])
def test_bad_input_is_400_with_a_message_and_nothing_is_stored(world, data, words, kind):
    client = world["bea"]
    path = f"/cars/{world['car']}/report" if kind == "car" else f"/messages/{world['conversation']}/report"
    response = post(client, path, data, page=path)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in html
    if words != "control characters":  # those are refused for every form before any view (carsite.web)
        assert "Send the report" in html  # the form again, with what was typed
    assert reports(world["app"]) == []


def test_admins_see_open_reports_with_the_conversation_and_resolve_or_dismiss_them(world):
    app, boss, bea, oz = world["app"], world["boss"], world["bea"], world["oz"]
    conversation, car = world["conversation"], world["car"]
    post(bea, f"/messages/{conversation}/report", {"reason": "scam", "details": "Gift cards!"})
    post(oz, f"/cars/{car}/report", {"reason": "misleading", "details": "Not a hybrid."})
    page = boss.get("/admin/moderation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="reports"' in html and "2 open" in html
    assert "Bea Buyer" in html and "Oz Other" in html
    assert "Spam or a scam" in html and "Misleading listing" in html
    assert "Gift cards!" in html and "Not a hybrid." in html
    assert "Is it still for sale?" in html and "Pay by gift card and I ship it." in html  # the messages, inline
    assert f'href="/cars/{car}' in html
    viewed = sql(
        app, "SELECT actor_id, detail->>'conversation_id' FROM audit_log WHERE action = 'report.conversation_viewed'"
    )
    admin_id = sql(app, "SELECT id FROM users WHERE email = 'boss@example.com'")[0][0]
    assert viewed == [(admin_id, str(conversation))]
    [(conversation_report,), (car_report,)] = sql(app, "SELECT id FROM reports ORDER BY id")
    done = post(
        boss, f"/admin/reports/{conversation_report}/resolve", {"note": "Seller warned."}, page="/admin/moderation"
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("#reports")
    assert post(boss, f"/admin/reports/{car_report}/dismiss", {"note": "It is a hybrid."}).status_code == 303
    assert sql(app, "SELECT status, resolved_by, note, resolved_at IS NOT NULL FROM reports ORDER BY id") == [
        ("resolved", admin_id, "Seller warned.", True),
        ("dismissed", admin_id, "It is a hybrid.", True),
    ]
    audited = sql(
        app,
        "SELECT action, subject_id, detail->>'note' FROM audit_log"
        " WHERE action IN ('report.resolve', 'report.dismiss') ORDER BY id",
    )
    oz_id = sql(app, "SELECT id FROM users WHERE email = 'oz@example.com'")[0][0]
    assert audited == [
        ("report.resolve", world["buyer"], "Seller warned."),
        ("report.dismiss", oz_id, "It is a hybrid."),
    ]
    told = sql(app, "SELECT user_id, kind, title, url FROM notifications WHERE kind = 'report'")
    assert told == [
        (
            world["buyer"],
            "report",
            "Thank you: we acted on your report of the conversation about “Toyota Corolla 1.8 Hybrid”",
            f"/messages/{conversation}",
        )
    ]
    # both are closed: the queue is empty, and deciding again is refused with a message
    assert "No open reports." in boss.get("/admin/moderation").get_data(as_text=True)
    again = post(boss, f"/admin/reports/{car_report}/resolve", {}, follow_redirects=True)
    assert "no longer open" in again.get_data(as_text=True)
    # once closed, the same person may report the same thing again
    assert post(oz, f"/cars/{car}/report", {"reason": "misleading"}).status_code == 303
    assert sql(app, "SELECT count(*) FROM reports WHERE status = 'open'") == [(1,)]


def test_non_admins_cannot_see_or_decide_reports(world):
    app, bea = world["app"], world["bea"]
    post(bea, f"/cars/{world['car']}/report", {"reason": "scam"})
    [(report,)] = sql(app, "SELECT id FROM reports")
    for who in ("bea", "oz", "sam"):
        assert world[who].get("/admin/moderation").status_code == 403
        assert post(world[who], f"/admin/reports/{report}/resolve", {"note": "mine"}).status_code == 403
    visitor = app.test_client()
    response = visitor.post(f"/admin/reports/{report}/dismiss", data={"csrf_token": "x"})
    assert response.status_code in (302, 400)
    assert sql(app, "SELECT status FROM reports") == [("open",)]
    assert post(world["boss"], f"/admin/reports/{report}/close", {}).status_code == 404
    assert post(world["boss"], f"/admin/reports/{report}/resolve", {"note": "x" * 1001}).status_code == 400
    assert sql(app, "SELECT status FROM reports") == [("open",)]


def test_reports_are_rate_limited_per_account(world):
    app, oz = world["app"], world["oz"]
    cars = [make_car(app, world["seller"], status="available", title=f"Car {n}") for n in range(11)]
    statuses = [post(oz, f"/cars/{car}/report", {"reason": "scam"}).status_code for car in cars]
    assert statuses[:10] == [303] * 10
    assert statuses[10] == 429
    assert sql(app, "SELECT count(*) FROM reports") == [(10,)]


def test_the_demo_has_one_open_report_for_the_moderation_queue(demo):
    from carsite import seed

    assert sql(demo, "SELECT kind, reason, status FROM reports") == [("car", "misleading", "open")]
    with demo.app_context():
        assert seed.demo() == 0  # a rerun adds no second report
    assert sql(demo, "SELECT count(*) FROM reports") == [(1,)]
