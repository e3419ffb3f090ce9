"""Demo data for development and benchmarks. Never runs in production."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from werkzeug.security import generate_password_hash

from . import db, demo_photos
from .cars import pricing
from .domain import numbers, places
from .domain.actor import Actor
from .domain.vocabulary import FEATURES
from .selling import expiry

# (make, model, body, price new in EUR), as the catalogue spells them (migration 0024); each demo car gets a year
# within its model's production years.
MODELS: list[tuple[str, str, str, int]] = [
    ("Toyota", "Corolla", "hatchback", 27000),
    ("Toyota", "RAV4", "suv", 38000),
    ("Toyota", "Yaris", "hatchback", 21000),
    ("Toyota", "Camry", "sedan", 36000),
    ("Volkswagen", "Golf", "hatchback", 30000),
    ("Volkswagen", "Passat", "estate", 42000),
    ("Volkswagen", "Tiguan", "suv", 40000),
    ("Volkswagen", "Polo", "hatchback", 22000),
    ("Volkswagen", "ID.4", "suv", 45000),
    ("BMW", "3 Series", "sedan", 48000),
    ("BMW", "5 Series", "sedan", 62000),
    ("BMW", "X3", "suv", 58000),
    ("BMW", "1 Series", "hatchback", 36000),
    ("Mercedes-Benz", "C-Class", "sedan", 50000),
    ("Mercedes-Benz", "E-Class", "estate", 64000),
    ("Mercedes-Benz", "GLC", "suv", 60000),
    ("Mercedes-Benz", "A-Class", "hatchback", 36000),
    ("Audi", "A3", "hatchback", 35000),
    ("Audi", "A4", "estate", 46000),
    ("Audi", "Q5", "suv", 56000),
    ("Audi", "A6", "sedan", 60000),
    ("Ford", "Focus", "hatchback", 27000),
    ("Ford", "Fiesta", "hatchback", 19000),
    ("Ford", "Kuga", "suv", 34000),
    ("Ford", "Mustang", "coupe", 55000),
    ("Ford", "Transit", "van", 42000),
    ("Ford", "Ranger", "pickup", 45000),
    ("Opel", "Astra", "hatchback", 26000),
    ("Opel", "Corsa", "hatchback", 20000),
    ("Opel", "Insignia", "estate", 35000),
    ("Renault", "Clio", "hatchback", 19000),
    ("Renault", "Megane", "hatchback", 27000),
    ("Renault", "Captur", "suv", 25000),
    ("Peugeot", "208", "hatchback", 21000),
    ("Peugeot", "308", "hatchback", 28000),
    ("Peugeot", "3008", "suv", 36000),
    ("Citroen", "C3", "hatchback", 18000),
    ("Citroen", "C5 Aircross", "suv", 33000),
    ("Skoda", "Octavia", "estate", 30000),
    ("Skoda", "Fabia", "hatchback", 19000),
    ("Skoda", "Kodiaq", "suv", 40000),
    ("Seat", "Leon", "hatchback", 27000),
    ("Seat", "Ibiza", "hatchback", 19000),
    ("Hyundai", "i30", "hatchback", 25000),
    ("Hyundai", "Tucson", "suv", 35000),
    ("Hyundai", "Ioniq 5", "suv", 47000),
    ("Kia", "Ceed", "hatchback", 25000),
    ("Kia", "Sportage", "suv", 34000),
    ("Kia", "Niro", "suv", 33000),
    ("Mazda", "3", "hatchback", 27000),
    ("Mazda", "CX-5", "suv", 36000),
    ("Mazda", "MX-5", "convertible", 32000),
    ("Honda", "Civic", "hatchback", 30000),
    ("Honda", "CR-V", "suv", 40000),
    ("Honda", "Jazz", "hatchback", 23000),
    ("Nissan", "Qashqai", "suv", 32000),
    ("Nissan", "Leaf", "hatchback", 32000),
    ("Nissan", "Micra", "hatchback", 18000),
    ("Fiat", "500", "hatchback", 17000),
    ("Fiat", "Panda", "hatchback", 15000),
    ("Fiat", "Ducato", "van", 40000),
    ("Volvo", "XC60", "suv", 55000),
    ("Volvo", "V60", "estate", 47000),
    ("Volvo", "XC40", "suv", 42000),
    ("Tesla", "Model 3", "sedan", 42000),
    ("Tesla", "Model Y", "suv", 46000),
    ("Porsche", "911", "coupe", 125000),
    ("Porsche", "Macan", "suv", 80000),
    ("Porsche", "Cayenne", "suv", 95000),
    ("Subaru", "Outback", "estate", 40000),
    ("Subaru", "Forester", "suv", 37000),
    ("Mini", "Cooper", "hatchback", 27000),
    ("Mini", "Countryman", "suv", 35000),
    ("Dacia", "Sandero", "hatchback", 13000),
    ("Dacia", "Duster", "suv", 19000),
    ("Suzuki", "Swift", "hatchback", 17000),
    ("Suzuki", "Vitara", "suv", 25000),
    ("Mitsubishi", "Outlander", "suv", 40000),
    ("Jeep", "Wrangler", "suv", 55000),
    ("Jeep", "Compass", "suv", 35000),
    ("Land Rover", "Defender", "suv", 70000),
    ("Land Rover", "Range Rover Evoque", "suv", 50000),
    ("Lexus", "NX", "suv", 52000),
    ("Lexus", "IS", "sedan", 45000),
    ("Alfa Romeo", "Giulia", "sedan", 48000),
    ("Jaguar", "F-Pace", "suv", 60000),
    ("Cupra", "Formentor", "suv", 38000),
    ("Polestar", "2", "hatchback", 50000),
    ("Chevrolet", "Camaro", "coupe", 45000),
]
CITIES = [
    "Berlin",
    "Hamburg",
    "Munich",
    "Cologne",
    "Frankfurt",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dresden",
    "Hanover",
    "Nuremberg",
    "Bremen",
    "Vienna",
    "Zurich",
    "Amsterdam",
    "Rotterdam",
    "Brussels",
    "Antwerp",
    "Lyon",
    "Milan",
]
FUELS = ["petrol"] * 5 + ["diesel"] * 4 + ["hybrid"] * 2 + ["plug_in_hybrid", "lpg"]
ELECTRIC = {
    ("Volkswagen", "ID.4"),
    ("Hyundai", "Ioniq 5"),
    ("Nissan", "Leaf"),
    ("Tesla", "Model 3"),
    ("Tesla", "Model Y"),
    ("Polestar", "2"),
}
COLOURS = ["black", "white", "silver", "grey", "blue", "red", "green", "brown", "beige", "yellow", "orange"]
TRIMS = ["", "Comfort", "Sport", "Premium", "Style", "Business", "Limited", "GT Line"]
NOTES = [
    "Full service history, two keys.",
    "One owner from new, garaged.",
    "New tyres and brakes this year.",
    "Recently serviced, fresh inspection.",
    "Non-smoker, pet-free interior.",
    "Minor scratch on rear bumper.",
    "Towbar fitted, winter tyres included.",
    "Timing belt replaced at the last service.",
]
# Documented demo logins (README). Never created in production.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo login, refused in production
DEMO_ACCOUNTS = [
    ("Ada Admin", "admin@demo.carsite.test", "admin"),
    ("Sam Seller", "seller@demo.carsite.test", "seller"),
    ("Dana Dealer", "dealer@demo.carsite.test", "seller"),
    ("Bea Buyer", "buyer@demo.carsite.test", "user"),
]
# The demo dealer publishes a phone number (a fictional one: 555 numbers), so car pages show "Show phone number".
DEMO_PHONES = {"dealer@demo.carsite.test": "+49 30 5550 1234"}
DEMO_CARS = 400
DEMO_AGE_DAYS = 120  # demo cars were listed up to this many days ago
# Models a marketplace has many of: after one car of every model, most demo cars are these, built 2018-2021, so
# the market price rating has comparable cars to rate against (it needs five of a model within a year).
POPULAR = (
    ("Volkswagen", "Golf"),
    ("Toyota", "Corolla"),
    ("BMW", "3 Series"),
    ("Skoda", "Octavia"),
    ("Tesla", "Model 3"),
    ("Nissan", "Qashqai"),
)
POPULAR_SHARE = 0.6


class SeedRefused(RuntimeError):
    """Demo data is never loaded in production."""


def demo(echo: Callable[[str], None] = lambda message: None) -> int:
    """Create the demo accounts and cars unless they exist; return the number of cars added (0 on a rerun)."""
    if current_app.config["PRODUCTION"]:
        raise SeedRefused("demo data is not loaded when CARSITE_ENV=production")
    with db.transaction():
        db.one("seed.no_statement_timeout")
        db.one("seed.lock")
        seller_ids = []
        for name, email, role in DEMO_ACCOUNTS:
            row = db.optional("users.user_by_email", email=email)
            if row is None:
                user_id = db.scalar(
                    "users.insert_user",
                    name=name,
                    email=email,
                    role=role,
                    phone=DEMO_PHONES.get(email),
                    address=None,
                    password_hash=generate_password_hash(DEMO_PASSWORD),
                )
                db.execute("users.mark_email_verified", user_id=user_id)
                if email in DEMO_PHONES:
                    db.execute("contact.set_phone_public", user_id=user_id, phone_public=True)
                echo(f"created {role} {email}")
            else:
                user_id = row["id"]
            if role == "seller":
                seller_ids.append(user_id)
        if db.scalar("cars.count_by_seller", seller_id=seller_ids[0]):
            demo_notifications(echo)
            _demo_conversations(seller_ids, echo)
            demo_report(echo)
            return 0
        cars = demo_cars(seller_ids, DEMO_CARS, random.Random(2026), catalogue_models(), dealer_ids={seller_ids[1]})
        ids = db.all("cars.insert_many", **cars)
        demo_photos.attach([row["id"] for row in ids])
        demo_expiry(seller_ids)
        demo_notifications(echo)
        _demo_conversations(seller_ids, echo)
        demo_report(echo)
    pricing.refresh_all()
    echo(f"added {len(ids)} demo cars and rated their prices")
    return len(ids)


def _demo_conversations(seller_ids: list[int], echo: Callable[[str], None]) -> None:
    """The demo buyer's conversations with the demo sellers (carsite.messages.demo), test drives in the first two of
    them: one confirmed, one waiting for the seller (carsite.testdrives.demo), the buyer's orders: one waiting for
    the seller, one accepted, one completed (carsite.orders.demo), a trade-in with the dealer's offer
    (carsite.tradeins.demo), and reviewed sales (carsite.reviews.demo)."""
    from .messages.demo import demo_conversations
    from .testdrives import demo as demo_drives
    from .tradeins import demo as demo_trade_ins

    buyer = db.optional("users.user_by_email", email="buyer@demo.carsite.test")
    if buyer is None:
        return
    if demo_conversations(buyer["id"], seller_ids, echo):
        rows = db.all("messages.inbox", user_id=buyer["id"], archived=False, after_at=None, after_id=None, limit=10)
        made = demo_drives.create([row["id"] for row in reversed(rows)])
        if made:
            echo(f"booked {len(made)} demo test drives")
        from .orders import demo as demo_orders

        orders = demo_orders.create(buyer["id"], seller_ids)
        if orders:
            echo(f"made {len(orders)} demo orders")
        if len(seller_ids) > 1 and demo_trade_ins.create(buyer["id"], seller_ids[1]):
            echo("offered a demo trade-in")
    _demo_reviews(seller_ids, buyer["id"], echo)


def _demo_reviews(seller_ids: list[int], buyer_id: int, echo: Callable[[str], None]) -> None:
    """Completed sales of the first demo seller to the demo buyer and the dealer, reviewed and answered
    (carsite.reviews.demo), so the seller page has reviews."""
    from .reviews import demo as demo_reviews

    made = demo_reviews.create(seller_ids[0], [buyer_id, seller_ids[1]])
    if made:
        echo(f"added {made} demo reviews")


def demo_expiry(seller_ids: list[int]) -> None:
    """Make listing expiry visible in the demo: the sellers' cars count as listed recently (within the time before
    a reminder), but one of the first seller's listings has expired and one expires in three days."""
    live, reminder = int(current_app.config["LISTING_DAYS"]), int(current_app.config["LISTING_REMINDER_DAYS"])
    # Demo cars are up to DEMO_AGE_DAYS old; their listed_at shrinks to within the days before a reminder is due.
    share = min(1.0, max(1, live - reminder - 1) / DEMO_AGE_DAYS)
    db.execute("seed.spread_listed_at", seller_ids=seller_ids, share=share)
    db.all("seed.demo_expiry", seller_id=seller_ids[0], live_days=live, reminder_days=reminder)


def demo_notifications(echo: Callable[[str], None] = lambda message: None) -> int:
    """Give the demo buyer and sellers a few notifications, some unread, so the bell is in use from the first visit;
    an account that has notifications already gets none (a rerun adds nothing). Returns how many were added."""
    ids = {
        email: row["id"] for _, email, _ in DEMO_ACCOUNTS if (row := db.optional("users.user_by_email", email=email))
    }
    any_cars = db.all("seed.demo_notification_cars", seller_id=None, limit=3)
    plans: dict[str, list[tuple[str, str, str, str | None, int, bool]]] = {}
    if len(any_cars) == 3:
        plans["buyer@demo.carsite.test"] = [
            (
                "saved_search",
                "2 new cars match “Diesel estates under €20,000”",
                "Found since yesterday’s alert.",
                "/cars?body=estate&fuel=diesel&price_max=20000",
                95,
                False,
            ),
        ]
    for email, owner in (("seller@demo.carsite.test", "Sam"), ("dealer@demo.carsite.test", "Dana")):
        own = db.all("seed.demo_notification_cars", seller_id=ids.get(email), limit=2) if email in ids else []
        if len(own) == 2:
            plans[email] = [
                (
                    "listing_review",
                    f"Your {own[0]['title']} is live",
                    f"Approved by our moderators, {owner}: buyers can find it now.",
                    f"/cars/{own[0]['id']}",
                    240,
                    False,
                ),
            ]
        for car in db.all("seed.demo_expiry_cars", seller_id=ids.get(email), limit=2) if email in ids else []:
            if car["status"] == "expired":
                title, body, ago = f"Your “{car['title']}” has expired", "Renew it to put it back.", 60 * 24 * 2
            else:
                when = numbers.day(expiry.expires_at(car), current_app.config["LOCALE"])
                title, body, ago = f"Your “{car['title']}” expires on {when}", "Renew it to keep it listed.", 60
            plans.setdefault(email, []).append(("listing_expiry", title, body, f"/sell/{car['id']}", ago, False))
    buyer = ids.get("buyer@demo.carsite.test")
    if buyer is not None and len(any_cars) == 3 and not db.all("saved_searches.of_user", user_id=buyer):
        # What the buyer's notification speaks of is real: the saved search.
        from werkzeug.datastructures import MultiDict

        from .cars.search import interpret, parse
        from .searches import save as save_search

        actor = Actor(user_id=buyer, role="user", email_verified=True)
        save_search(
            interpret(parse(MultiDict({"body": "estate", "fuel": "diesel", "price_max": "20000"}))),
            "Diesel estates under €20,000",
            "daily",
            actor=actor,
        )
    added = 0
    for email, rows in plans.items():
        if email not in ids:
            continue
        kinds, titles, bodies, urls, minutes, read = (list(column) for column in zip(*rows, strict=True))
        added += db.execute(
            "seed.add_notifications",
            user_id=ids[email],
            kinds=kinds,
            titles=titles,
            bodies=bodies,
            urls=urls,
            minutes_ago=minutes,
            is_read=read,
        )
    if added:
        echo(f"added {added} demo notifications")
    return added


def demo_report(echo: Callable[[str], None] = lambda message: None) -> bool:
    """Give the admins' moderation queue one open report: the demo buyer reports one of the dealer's listings as
    misleading, unless the buyer has an open report on it already. Whether one was filed."""
    from .reports import reports

    buyer = db.optional("users.user_by_email", email="buyer@demo.carsite.test")
    dealer = db.optional("users.user_by_email", email="dealer@demo.carsite.test")
    cars = db.all("seed.demo_notification_cars", seller_id=dealer["id"], limit=1) if buyer and dealer else []
    if not cars:
        return False
    actor = Actor(user_id=buyer["id"], role="user", email_verified=True)  # type: ignore[index]
    filed = reports.report_car(
        cars[0]["id"],
        "misleading",
        "The photos show a different colour and the mileage in the description does not match the listing.",
        actor=actor,
    )
    if not filed.duplicate:
        echo("added a demo report for the moderation queue")
    return not filed.duplicate


def catalogue_models() -> dict[tuple[str, str], dict]:
    """The catalogue's rows (ids, production years) of the demo's MODELS, by (make, model); an error naming any
    the catalogue lacks."""
    rows = db.all("catalogue.models_by_names", makes=[m[0] for m in MODELS], models=[m[1] for m in MODELS])
    found = {(r["make"], r["model"]): r for r in rows}
    missing = [f"{m[0]} {m[1]}" for m in MODELS if (m[0], m[1]) not in found]
    if missing:
        raise RuntimeError(f"demo models missing from the catalogue: {', '.join(missing)}")
    return found


# Doors and seats by body type: (doors, weight) and (seats, weight).
DOORS = {
    "coupe": [(2, 3), (3, 1)],
    "convertible": [(2, 1)],
    "hatchback": [(5, 4), (3, 1)],
    "sedan": [(4, 1)],
    "van": [(4, 1), (5, 1)],
    "pickup": [(4, 3), (2, 1)],
}
SEATS = {
    "coupe": [(4, 1)],
    "convertible": [(2, 1), (4, 1)],
    "suv": [(5, 4), (7, 1)],
    "estate": [(5, 1)],
    "minivan": [(7, 1)],
    "van": [(3, 2), (9, 1)],
}


def emission_class(year: int, fuel: str) -> str | None:
    """The emission class a car of that year usually has (none for electric cars)."""
    if fuel == "electric":
        return None
    for since, cls in ((2024, "euro6e"), (2021, "euro6d"), (2019, "euro6d_temp"), (2017, "euro6c"), (2015, "euro6")):
        if year >= since:
            return cls
    return "euro5" if year >= 2011 else "euro4" if year >= 2006 else "euro3"


def details(make: str, model: str, body: str, new_price: int, year: int, fuel: str, rng: random.Random) -> dict:
    """The listing details buyers filter on, plausible for the car (power by price class, owners by age)."""
    age = max(0, 2026 - year)
    doors = rng.choices(*zip(*DOORS.get(body, [(5, 1)]), strict=True))[0]
    seats = rng.choices(*zip(*SEATS.get(body, [(5, 1)]), strict=True))[0]
    wanted = min(len(FEATURES), max(2, int(rng.gauss(4 + max(0, 12 - age) * 0.6, 2))))
    return {
        "power_kws": max(40, round((45 + new_price / 380) * rng.uniform(0.75, 1.3))),
        "owners": 0 if age == 0 and rng.random() < 0.7 else min(9, 1 + int(rng.expovariate(1.6) * (1 + age / 5))),
        "registration_months": rng.randint(1, 12),
        "accident_frees": rng.choices([True, False, None], [80, 7, 13])[0],
        "doors": doors,
        "seats": seats,
        "emission_classes": emission_class(year, fuel),
        "features": sorted(rng.sample(FEATURES, wanted), key=FEATURES.index),
    }


def demo_cars(
    seller_ids: list[int],
    count: int,
    rng: random.Random,
    catalogue: dict[tuple[str, str], dict],
    dealer_ids: set[int] = frozenset(),  # type: ignore[assignment]
) -> dict[str, list]:
    """Plausible cars as parallel lists for cars.insert_many: catalogue ids, a year within the model's production
    years (2008 on), depreciation by age, mileage by age. The details buyers filter on come from their own random
    sequence."""
    now = datetime.now(UTC)
    extra = random.Random(2026_10)
    columns: dict[str, list] = {
        key: []
        for key in (
            "seller_ids",
            "titles",
            "descriptions",
            "prices",
            "statuses",
            "make_ids",
            "model_ids",
            "years",
            "fuels",
            "mileages",
            "transmissions",
            "bodies",
            "colours",
            "created_ats",
            "cities",
            "conditions",
            "seller_types",
            "power_kws",
            "owners",
            "registration_months",
            "accident_frees",
            "doors",
            "seats",
            "emission_classes",
            "features",
            "latitudes",
            "longitudes",
        )
    }
    for i in range(count):
        popular = i >= len(MODELS) and rng.random() < POPULAR_SHARE
        if popular:
            chosen = rng.choice(POPULAR)
            make, model, body, new_price = next(m for m in MODELS if m[:2] == chosen)
        else:
            make, model, body, new_price = MODELS[i % len(MODELS)] if i < len(MODELS) else rng.choice(MODELS)
        built = catalogue[(make, model)]
        first, last = max(2008, built["year_from"]), min(2026, built["year_to"] or 2026)
        year = rng.randint(max(first, 2018), min(last, 2021)) if popular else rng.randint(first, last)
        age = 2026 - year
        mileage = 0 if age == 0 and rng.random() < 0.5 else int(rng.gauss(14000, 4000) * max(age, 0.3))
        mileage = max(0, min(mileage, 450000))
        price = new_price * (0.86**age) * rng.uniform(0.9, 1.1) * (1.0 - min(mileage, 300000) / 1500000)
        fuel = "electric" if (make, model) in ELECTRIC else rng.choice(FUELS)
        trim = rng.choice(TRIMS)
        columns["seller_ids"].append(seller_ids[i % len(seller_ids)])
        columns["titles"].append(" ".join(p for p in (make, model, trim) if p))
        columns["descriptions"].append(
            f"{year} {make} {model}, {mileage:,} km. {rng.choice(NOTES)} {rng.choice(NOTES)}"
        )
        columns["prices"].append(max(500, round(price, -1)))
        columns["statuses"].append(rng.choices(["available", "reserved", "sold", "pending"], [88, 4, 5, 3])[0])
        columns["make_ids"].append(built["make_id"])
        columns["model_ids"].append(built["model_id"])
        columns["years"].append(year)
        columns["fuels"].append(fuel)
        columns["mileages"].append(mileage)
        columns["transmissions"].append("automatic" if fuel == "electric" or rng.random() < 0.5 else "manual")
        columns["bodies"].append(body)
        columns["colours"].append(rng.choice(COLOURS))
        columns["created_ats"].append(now - timedelta(minutes=rng.randint(1, 60 * 24 * DEMO_AGE_DAYS)))
        columns["cities"].append(rng.choice(CITIES))
        columns["conditions"].append("new" if year >= 2026 and mileage < 2000 else "used")
        columns["seller_types"].append("dealer" if columns["seller_ids"][-1] in dealer_ids else "private")
        for name, value in details(make, model, body, new_price, year, fuel, extra).items():
            columns[name].append(value)
        place = places.find(columns["cities"][-1])
        columns["latitudes"].append(place.latitude if place else None)
        columns["longitudes"].append(place.longitude if place else None)
    columns["features"] = ["{" + ",".join(f'"{f}"' for f in features) + "}" for features in columns["features"]]
    return columns


def generated_places(count: int = 400) -> list[places.Place]:
    """The largest places of the countries the demo sells in, biggest first (the generator favours those)."""
    return places.largest(count, countries=("DE", "AT", "CH", "NL", "BE", "FR", "IT", "LU", "DK", "PL", "CZ"))


def generate(count: int, batch: int = 50_000, progress: Callable[[int, int], None] | None = None) -> int:
    """Insert ``count`` random cars with set-based SQL in batches; return how many were inserted."""
    if current_app.config["PRODUCTION"]:
        raise SeedRefused("generated cars are not loaded when CARSITE_ENV=production")
    seller_ids = [r["id"] for r in db.all("users.ids_by_role", role="seller")]
    if not seller_ids:
        demo()
        seller_ids = [r["id"] for r in db.all("users.ids_by_role", role="seller")]
    catalogue = catalogue_models()
    built = [catalogue[(m[0], m[1])] for m in MODELS]
    arrays = {
        "makes": [m[0] for m in MODELS],
        "models": [m[1] for m in MODELS],
        "make_ids": [b["make_id"] for b in built],
        "model_ids": [b["model_id"] for b in built],
        "year_froms": [b["year_from"] for b in built],
        "year_tos": [b["year_to"] for b in built],
        "bodies": [m[2] for m in MODELS],
        "base_prices": [m[3] for m in MODELS],
        **_place_arrays(),
    }
    done = 0
    while done < count:
        size = min(batch, count - done)
        with db.transaction():  # one batch per transaction, without the web's statement timeout
            db.one("seed.no_statement_timeout")
            done += db.execute("cars.generate", count=size, seller_ids=seller_ids, **arrays)
        if progress:
            progress(done, count)
    return done


def analyze_generated() -> None:
    """Refresh the planner's statistics after ``generate`` and the price ratings (autovacuum would, later)."""
    with db.transaction():
        db.one("seed.no_statement_timeout")
        db.execute("seed.analyze_generated")


def _place_arrays() -> dict[str, list]:
    found = generated_places()
    return {
        "cities": [p.name for p in found],
        "latitudes": [p.latitude for p in found],
        "longitudes": [p.longitude for p in found],
        "features": list(FEATURES),
    }


def print_progress(done: int, total: int) -> None:
    """A progress bar on stderr, redrawn in place after every batch."""
    width = 30
    filled = int(width * done / total) if total else width
    click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} cars", nl=done >= total, err=True)
