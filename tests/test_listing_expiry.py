"""Listing expiry: a reminder before, expiry once at the right time, the expired page, renewal by the mail's link
(once) and by the owner's button, and what never expires."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from carsite import create_app, jobs
from carsite.cars import favorites, follow
from carsite.config import ConfigError
from carsite.domain.actor import Actor
from carsite.selling import expiry

from .conftest import app_config
from .helpers import csrf, login, mails, make_car, make_user, path_of, post, run_jobs, sql

DAY = timedelta(days=1)


@pytest.fixture
def world(app):
    sam = make_user(app, "sam@example.com", name="Sam", role="seller")
    car = make_car(app, sam, status="available", title="Skoda Octavia 2.0 TDI", make="Skoda", model="Octavia")
    return app, sam, car


def listed(app, car_id, ago: timedelta, reminded_ago: timedelta | None = None) -> None:
    """Move a car's listing back in time, as if it went live ``ago`` (and was reminded ``reminded_ago``) before."""
    sql(
        app,
        "UPDATE cars SET listed_at = now() - %s::interval, expiry_reminded_at = now() - %s::interval WHERE id = %s",
        ago,
        reminded_ago,
        car_id,
    )


def run(app, at: datetime | None = None) -> dict[str, int]:
    with app.app_context():
        return expiry.remind_and_expire(at or datetime.now(UTC))


def state(app, car_id):
    return sql(app, "SELECT status, listed_at, expiry_reminded_at FROM cars WHERE id = %s", car_id)[0]


def notices(app, user_id):
    return [r[0] for r in sql(app, "SELECT title FROM notifications WHERE user_id = %s ORDER BY id", user_id)]


def renewal_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://\S+/sell/renew/\S+", body)
    assert match, body
    return path_of(match.group(0))


def test_going_live_stamps_listed_at_and_the_settings_are_checked(world, clean_db, tmp_path):
    app, _sam, car = world
    status, listed_at, reminded = state(app, car)
    assert status == "available" and reminded is None
    assert abs(datetime.now(UTC) - listed_at) < timedelta(minutes=1)
    for bad in ({"LISTING_DAYS": 0}, {"LISTING_REMINDER_DAYS": 60}, {"LISTING_DAYS": "soon"}):
        with pytest.raises(ConfigError, match="CARSITE_LISTING"):
            create_app(app_config(clean_db, tmp_path, **bad))


def test_a_reminder_is_sent_once_and_the_listing_expires_once_at_the_right_time(world):
    app, sam, car = world
    listed(app, car, 52 * DAY)  # the reminder window (7 days before day 60) is not open yet
    assert run(app) == {"reminded": 0, "expired": 0}
    listed(app, car, 53 * DAY + timedelta(minutes=1))
    assert run(app) == {"reminded": 1, "expired": 0}
    assert run(app) == {"reminded": 0, "expired": 0}  # once
    now = datetime.now(UTC)
    assert run(app, now + 7 * DAY - timedelta(minutes=5)) == {"reminded": 0, "expired": 0}
    assert state(app, car)[0] == "available"
    assert run(app, now + 7 * DAY + timedelta(minutes=1)) == {"reminded": 0, "expired": 1}
    assert run(app, now + 8 * DAY) == {"reminded": 0, "expired": 0}  # once
    assert state(app, car)[0] == "expired"
    titles = notices(app, sam)
    assert len(titles) == 2 and "expires on" in titles[0] and "has expired" in titles[1]
    sent = [m for m in mails(app) if m["To"] == "sam@example.com"]
    assert [m["Subject"] for m in sent] == [
        titles[0].replace("Your ", "Your listing "),
        "Your listing “Skoda Octavia 2.0 TDI” has expired",
    ]
    for message in sent:
        assert message["List-Unsubscribe"] and "/sell/renew/" in message.get_body(("html",)).get_content()
        assert "Renew listing" in message.get_body(("html",)).get_content()


def test_a_listing_is_never_expired_sooner_than_the_reminder_days_after_its_reminder(world):
    app, _sam, car = world
    listed(app, car, 100 * DAY)  # older than the feature (or the job was down): warned first all the same
    assert run(app) == {"reminded": 1, "expired": 0}
    assert state(app, car)[0] == "available"
    assert run(app, datetime.now(UTC) + 6 * DAY) == {"reminded": 0, "expired": 0}
    assert run(app, datetime.now(UTC) + 7 * DAY + timedelta(minutes=1)) == {"reminded": 0, "expired": 1}


def test_the_real_worker_runs_the_job(world):
    app, _sam, car = world
    listed(app, car, 70 * DAY, reminded_ago=8 * DAY)
    with app.app_context():
        jobs.defer(expiry.expire_listings)
    run_jobs(app)
    assert state(app, car)[0] == "expired"


def test_reserved_and_sold_cars_never_expire(world):
    app, sam, car = world
    sold = make_car(app, sam, status="available", title="Sold one")
    sql(app, "UPDATE cars SET status = 'reserved' WHERE id = %s", car)
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", sold)
    for car_id in (car, sold):
        listed(app, car_id, 400 * DAY, reminded_ago=300 * DAY)
    assert run(app, datetime.now(UTC) + 400 * DAY) == {"reminded": 0, "expired": 0}
    assert [state(app, c)[0] for c in (car, sold)] == ["reserved", "sold"]
    assert notices(app, sam) == []


def test_expired_cars_leave_search_and_the_sitemap_but_keep_their_page(world):
    app, sam, car = world
    other = make_car(app, sam, status="available", title="Skoda Fabia 1.0 TSI", make="Skoda", model="Fabia")
    buyer = make_user(app, "bea@example.com", name="Bea")
    with app.app_context():
        assert favorites.save(car, actor=Actor(user_id=buyer, role="user", email_verified=True))
    client = app.test_client()
    assert "Skoda Octavia 2.0 TDI" in client.get("/cars?make=Skoda").get_data(as_text=True)
    listed(app, car, 61 * DAY, reminded_ago=8 * DAY)
    assert run(app) == {"reminded": 0, "expired": 1}
    results = client.get("/cars?make=Skoda").get_data(as_text=True)
    assert "Skoda Octavia 2.0 TDI" not in results and "Skoda Fabia 1.0 TSI" in results
    api = client.get("/api/v1/cars?make=Skoda").get_json()
    assert [item["id"] for item in api["items"]] == [other]
    sitemap = client.get("/sitemaps/cars-0.xml").get_data(as_text=True)
    assert f"/cars/{other}" in sitemap and f"/cars/{car}/" not in sitemap and f"/cars/{car}<" not in sitemap
    assert sql(app, "SELECT sum(cars) FROM listing_counts WHERE make = 'Skoda'")[0][0] == 1
    page = client.get(f"/cars/{car}", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This listing has expired" in html and "renew it" not in html  # the renew link is for its owner
    owner = app.test_client()
    login(owner, "sam@example.com")
    assert "renew it</a> to put it back" in owner.get(f"/cars/{car}", follow_redirects=True).get_data(as_text=True)
    with app.app_context():  # whoever saved it hears it is gone, once
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 1}


def test_the_mail_link_renews_once_without_login(world):
    app, _sam, car = world
    listed(app, car, 61 * DAY, reminded_ago=8 * DAY)
    assert run(app) == {"reminded": 0, "expired": 1}
    link = renewal_link(next(m for m in mails(app) if m["To"] == "sam@example.com"))
    before = state(app, car)
    published = sql(app, "SELECT published_at FROM cars WHERE id = %s", car)
    visitor = app.test_client()
    landing = visitor.get(link)
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "no-store" in landing.headers["Cache-Control"]
    assert "Skoda Octavia 2.0 TDI" in html and "This listing has expired" in html and "Renew listing" in html
    assert state(app, car) == before  # opening the link changes nothing (link scanners open it)
    assert visitor.post(link, data={}).status_code == 400  # CSRF all the same
    assert state(app, car) == before
    done = visitor.post(link, data={"csrf_token": csrf(visitor, link)})
    assert done.status_code == 200 and "Your listing is renewed" in done.get_data(as_text=True)
    status, listed_at, reminded = state(app, car)
    assert status == "available" and reminded is None
    assert abs(datetime.now(UTC) - listed_at) < timedelta(minutes=1)
    assert "Skoda Octavia 2.0 TDI" in visitor.get("/cars?make=Skoda").get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM audit_log WHERE action = 'listing.renew'")[0][0] == 1
    # the same listing back, not a new one: saved searches do not announce it again
    assert sql(app, "SELECT published_at FROM cars WHERE id = %s", car) == published
    again = visitor.post(link, data={"csrf_token": csrf(visitor, "/forgot")})
    assert again.status_code == 409 and "used already" in again.get_data(as_text=True)
    assert visitor.get(link).status_code == 409
    assert state(app, car)[1] == listed_at  # the second use changed nothing


def test_the_reminder_link_renews_a_live_listing(world):
    app, _sam, car = world
    listed(app, car, 54 * DAY)
    assert run(app) == {"reminded": 1, "expired": 0}
    link = renewal_link(next(m for m in mails(app) if m["To"] == "sam@example.com"))
    visitor = app.test_client()
    assert "expires on" in visitor.get(link).get_data(as_text=True)
    assert visitor.post(link, data={"csrf_token": csrf(visitor, link)}).status_code == 200
    status, listed_at, reminded = state(app, car)
    assert status == "available" and reminded is None and datetime.now(UTC) - listed_at < timedelta(minutes=1)


def test_forged_damaged_and_old_links_are_refused_and_change_nothing(world, monkeypatch):
    app, sam, car = world
    listed(app, car, 61 * DAY, reminded_ago=8 * DAY)
    run(app)
    before = state(app, car)
    with app.test_request_context():
        good = expiry.renew_token(car, sam, before[1])
        unknown = expiry.renew_token(999_999, sam, before[1])
        not_owner = expiry.renew_token(car, sam + 1000, before[1])
        from carsite.notifications import unsubscribe_token

        other_kind = unsubscribe_token(sam, "listing_expiry")
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() - 31 * 86400)
        old = expiry.renew_token(car, sam, before[1])
        monkeypatch.setattr(time, "time", real)
    visitor = app.test_client()
    token = csrf(visitor, "/forgot")
    for bad, status, message in (
        (good[:-3] + ("abc" if not good.endswith("abc") else "xyz"), 400, "not valid"),
        (other_kind, 400, "not valid"),
        ("x", 400, "not valid"),
        (old, 400, "has expired"),
        (unknown, 404, "no longer on the site"),
        (not_owner, 404, "no longer on the site"),
    ):
        for response in (
            visitor.get(f"/sell/renew/{bad}"),
            visitor.post(f"/sell/renew/{bad}", data={"csrf_token": token}),
        ):
            assert response.status_code == status, bad
            assert message in response.get_data(as_text=True)
    assert state(app, car) == before


def test_the_owner_renews_from_their_listings_and_others_cannot(world):
    app, sam, car = world
    fresh = make_car(app, sam, status="available", title="Fresh one")
    soon = make_car(app, sam, status="available", title="Soon one")
    listed(app, car, 61 * DAY, reminded_ago=8 * DAY)
    assert run(app) == {"reminded": 0, "expired": 1}
    listed(app, soon, 55 * DAY)  # in the reminder window, not reminded yet
    assert state(app, car)[0] == "expired"
    owner = app.test_client()
    login(owner, "sam@example.com")
    mine = owner.get("/sell").get_data(as_text=True)
    assert mine.count(">Renew</button>") == 2  # the expired one and the one about to expire
    assert "Expired (not in search)" in mine and mine.count("expires on") == 2  # the live ones say when
    edit = owner.get(f"/sell/{car}").get_data(as_text=True)
    assert "Renew listing" in edit and "This listing has expired" in edit and "Withdraw" in edit
    other = app.test_client()
    make_user(app, "oz@example.com", name="Oz", role="seller")
    login(other, "oz@example.com")
    assert post(other, f"/sell/{car}/renew").status_code == 404
    assert state(app, car)[0] == "expired"
    response = post(owner, f"/sell/{car}/renew", {"next": "/sell"})
    assert response.status_code == 303 and response.headers["Location"] == "/sell"
    assert state(app, car)[0] == "available"
    assert "is live until" in owner.get("/sell").get_data(as_text=True)
    assert post(owner, f"/sell/{soon}/renew").status_code == 303
    assert state(app, soon)[2] is None and datetime.now(UTC) - state(app, soon)[1] < timedelta(minutes=1)
    before = state(app, fresh)
    response = post(owner, f"/sell/{fresh}/renew")  # not about to expire: nothing to renew
    assert response.status_code == 303
    assert "cannot be renewed now" in owner.get(f"/sell/{fresh}").get_data(as_text=True)
    assert state(app, fresh) == before


def test_an_expired_listing_can_be_withdrawn(world):
    app, _sam, car = world
    listed(app, car, 61 * DAY, reminded_ago=8 * DAY)
    run(app)
    owner = app.test_client()
    login(owner, "sam@example.com")
    assert post(owner, f"/sell/{car}/withdraw").status_code == 303
    assert state(app, car)[0] == "withdrawn"


def test_the_settings_are_respected(world):
    app, sam, car = world
    sql(
        app,
        "INSERT INTO notification_settings (user_id, kind, by_mail, in_site)"
        " VALUES (%s, 'listing_expiry', false, false)",
        sam,
    )
    listed(app, car, 54 * DAY)
    assert run(app) == {"reminded": 1, "expired": 0}
    assert run(app, datetime.now(UTC) + 8 * DAY) == {"reminded": 0, "expired": 1}
    assert notices(app, sam) == []
    assert [m for m in mails(app) if m["To"] == "sam@example.com"] == []
    assert state(app, car)[0] == "expired"  # the listing expires all the same


def test_the_demo_shows_an_expired_listing_and_one_about_to_expire(demo):
    rows = sql(
        demo,
        "SELECT c.status, c.expiry_reminded_at IS NOT NULL FROM cars c JOIN users u ON u.id = c.seller_id"
        " WHERE u.email = 'seller@demo.carsite.test' AND (c.status = 'expired' OR c.expiry_reminded_at IS NOT NULL)"
        " ORDER BY c.id",
    )
    assert rows == [("expired", True), ("available", True)]
    assert run(demo) == {"reminded": 0, "expired": 0}  # nothing else is due on a new demo site
    titles = sql(demo, "SELECT title FROM notifications WHERE kind = 'listing_expiry' ORDER BY id")
    assert len(titles) == 2 and "has expired" in titles[0][0] and "expires on" in titles[1][0]


def test_without_reminders_a_listing_expires_on_its_day(make_app):
    app = make_app(LISTING_DAYS=30, LISTING_REMINDER_DAYS=0)
    sam = make_user(app, "sam@example.com", name="Sam", role="seller")
    car = make_car(app, sam, status="available")
    listed(app, car, 29 * DAY + timedelta(hours=23))
    assert run(app) == {"reminded": 0, "expired": 0}
    assert run(app, datetime.now(UTC) + timedelta(hours=2)) == {"reminded": 0, "expired": 1}
    assert notices(app, sam) == ["Your “Fiat Panda” has expired"]
