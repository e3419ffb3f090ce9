"""Saved cars followed: a price drop and a sale are told once to the people who saved the car."""

from __future__ import annotations

from carsite import db
from carsite.cars import favorites, follow
from carsite.domain.actor import Actor
from carsite.selling import expiry

from .helpers import mails, make_car, make_user, sql


def notices(app, user_id):
    return sql(app, "SELECT kind, title FROM notifications WHERE user_id = %s ORDER BY id", user_id)


def test_a_price_drop_is_told_once_a_rise_never_and_a_sale_once(app):
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea")
    other = make_user(app, "oz@example.com", name="Oz")
    car = make_car(app, seller, status="available", price=20000, title="Skoda Octavia 2.0 TDI")
    with app.app_context():
        assert favorites.save(car, actor=Actor(user_id=buyer, role="user", email_verified=True))
        assert favorites.save(car, actor=Actor(user_id=other, role="user", email_verified=True))
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 0}
    sql(app, "UPDATE cars SET price = 21000 WHERE id = %s", car)  # a rise tells nobody
    sql(app, "UPDATE cars SET price = 20000 WHERE id = %s", car)  # back to a price they knew: nothing new
    with app.app_context():
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 0}
    sql(app, "UPDATE cars SET price = 18500 WHERE id = %s", car)
    with app.app_context():
        assert follow.tell_followers() == {"price_drop": 2, "car_unavailable": 0}
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 0}  # told once
    assert [kind for kind, _ in notices(app, buyer)] == ["price_drop"]
    assert "18,500" in notices(app, buyer)[0][1]
    sent = [m for m in mails(app) if m["To"] == "bea@example.com"]
    assert len(sent) == 1
    body = sent[0].get_body(("plain",)).get_content()
    assert "18,500" in body and "20,000" in body and f"/cars/{car}" in body and sent[0]["List-Unsubscribe"]
    # a drop that rolls back was never there
    with app.app_context():
        try:
            with db.transaction():
                db.execute("bench.change_some_prices", share=1.0)
                assert follow.tell_followers()["price_drop"] <= 2
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert [kind for kind, _ in notices(app, buyer)] == ["price_drop"]
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", car)
    with app.app_context():
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 2}
        assert follow.tell_followers() == {"price_drop": 0, "car_unavailable": 0}
    assert [kind for kind, _ in notices(app, other)] == ["price_drop", "car_unavailable"]
    assert "is sold" in notices(app, other)[1][1]


def test_a_car_that_comes_back_and_goes_again_is_told_again(app):
    seller = make_user(app, "sam@example.com", role="seller")
    buyer = make_user(app, "bea@example.com", name="Bea")
    car = make_car(app, seller, status="available", price=20000, title="Skoda Octavia")
    with app.app_context():
        assert favorites.save(car, actor=Actor(user_id=buyer, role="user", email_verified=True))
    sql(app, "UPDATE cars SET status = 'expired' WHERE id = %s", car)
    with app.app_context():
        assert follow.tell_followers()["car_unavailable"] == 1
        assert follow.tell_followers()["car_unavailable"] == 0  # told once
        expiry.renew(car, actor=Actor(user_id=seller, role="seller", email_verified=True))
        assert follow.tell_followers()["car_unavailable"] == 0  # back: nothing to tell
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", car)
    with app.app_context():
        assert follow.tell_followers()["car_unavailable"] == 1  # gone again, for good this time
        assert follow.tell_followers()["car_unavailable"] == 0
