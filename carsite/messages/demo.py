"""Demo conversations: the demo buyer writing with both demo sellers, so the inbox, read receipts, unread counts and
the header's counter are in use from the first visit. Loaded by ``carsite.seed.demo``; a rerun adds nothing."""

from __future__ import annotations

from collections.abc import Callable

from .. import db
from ..domain.actor import Actor
from . import conversations, thread

# (seller index, car index of that seller, [(who, text, minutes ago)]); who: buyer, seller or system. The last
# message of each conversation decides what is unread: the other side has read everything before it.
PLANS: list[tuple[int, int, list[tuple[str, str, int]]]] = [
    (
        0,
        0,
        [
            ("buyer", "Hello! Is the car still available? I could come and see it this weekend.", 60 * 26),
            ("seller", "Hi Bea, yes it is. Saturday morning works for me, any time after 10.", 60 * 25),
            ("buyer", "Great. Has the timing belt been changed? The ad doesn't say.", 60 * 24),
            (
                "seller",
                "Yes, at 120,000 km, with the invoice. The full service history is here: "
                "https://www.example.com/service-history (scanned booklet).",
                95,
            ),
        ],
    ),
    (
        1,
        0,
        [
            ("buyer", "Good afternoon, would you take a part exchange? I have a 2012 Golf.", 60 * 50),
            ("seller", "Good afternoon! We do. Bring its papers and we'll value it on the spot.", 60 * 49),
            ("system", "Dana Dealer added 3 new photos to this listing.", 60 * 30),
            ("buyer", "Thank you, I'll bring them on Thursday.", 60 * 29),
        ],
    ),
    (
        0,
        1,
        [
            ("buyer", "Hi, what's the lowest price you'd accept? I can pay cash.", 35),
        ],
    ),
]


def demo_conversations(buyer_id: int, seller_ids: list[int], echo: Callable[[str], None] = lambda m: None) -> int:
    """Start the demo buyer's conversations with the demo sellers about their listed cars, unless the buyer has
    conversations already; returns how many were started."""
    if db.all("messages.inbox", user_id=buyer_id, archived=False, after_at=None, after_id=None, limit=1):
        return 0
    people = {"buyer": buyer_id}
    started = 0
    ids: list[int] = []
    minutes: list[int] = []
    for seller_index, car_index, lines in PLANS:
        if seller_index >= len(seller_ids):
            continue
        cars = db.all("seed.demo_notification_cars", seller_id=seller_ids[seller_index], limit=car_index + 1)
        if len(cars) <= car_index:
            continue
        people["seller"] = seller_ids[seller_index]
        conversation = conversations.start(cars[car_index]["id"], actor=_person(buyer_id)).conversation_id
        messages = []
        for who, text, ago in lines:
            if who == "system":
                message = conversations.post_system(conversation, text)
            else:
                message = conversations.post(conversation, text, actor=_person(people[who]))
            messages.append((who, message["id"]))
            ids.append(message["id"])
            minutes.append(ago)
        # The last message is new to the other side, who read everything before it (its author read it all).
        if len(messages) > 1:
            reader = "seller" if lines[-1][0] == "buyer" else "buyer"
            thread.mark_read(conversation, messages[-2][1], actor=_person(people[reader]))
        started += 1
    if ids:
        db.execute("messages.demo_backdate", ids=ids, minutes=minutes)
    if started:
        echo(f"started {started} demo conversations")
    return started


def _person(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="user", email_verified=True)
