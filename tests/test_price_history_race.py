"""The price history ends on the car's price, also when several edits of one car race."""

from __future__ import annotations

import threading

from carsite.cars import catalogue

from .helpers import csrf, login, make_user, sql
from .test_selling import VALID, create

TABS = 8
ROUNDS = 5


def test_concurrent_price_edits_leave_the_history_ending_on_the_current_price(make_app):
    app = make_app(RATELIMIT_ENABLED=False, DB_POOL_MAX=TABS + 2)
    make_user(app, "seller@example.com", role="seller")
    tabs = [app.test_client() for _ in range(TABS)]
    for tab in tabs:
        login(tab, "seller@example.com")
    car_id = create(tabs[0])
    for round_number in range(ROUNDS):
        barrier = threading.Barrier(len(tabs))
        statuses = []

        def edit(tab, token, price, barrier=barrier, statuses=statuses):
            barrier.wait()
            response = tab.post(f"/sell/{car_id}", data={**VALID, "price": str(price), "csrf_token": token})
            statuses.append(response.status_code)

        threads = [
            threading.Thread(target=edit, args=(tab, csrf(tab, "/sell"), 17000 + round_number * 100 + i))
            for i, tab in enumerate(tabs)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert statuses == [303] * len(tabs)
        with app.app_context():
            history = catalogue.price_history(car_id)
        (current,) = sql(app, "SELECT price FROM cars WHERE id = %s", car_id)[0]
        assert history[-1]["price"] == current, f"round {round_number}: {[h['price'] for h in history]} vs {current}"
        assert [h["changed_at"] for h in history] == sorted(h["changed_at"] for h in history)
