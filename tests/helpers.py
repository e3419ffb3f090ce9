"""Helpers for tests that act as a person: CSRF tokens from pages, accounts and cars (made through the app's own
named queries), logging in, reading sent mail."""

from __future__ import annotations

import email
import json
import re
import threading
from email.message import EmailMessage
from pathlib import Path

import psycopg
from flask import Flask
from flask.testing import FlaskClient

from carsite import db
from carsite.accounts import passwords as security
from carsite.selling import locations

PASSWORD = "correct horse battery staple"
# One scrypt hash per distinct password per run: hashing is deliberately slow (about 0.1 s), and every test makes
# accounts. Tests about the hashing itself go through the app (registration, password change), never make_user.
_HASHES: dict[str, str] = {}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page hands out to this client."""
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post(client: FlaskClient, path: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST as a browser would: with the CSRF token of the page that holds the form."""
    token = csrf(client, page or "/forgot")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def make_user(
    app: Flask,
    email_address: str = "ann@example.com",
    *,
    name: str = "Ann Example",
    password: str = PASSWORD,
    role: str = "user",
    verified: bool = True,
) -> int:
    """Create an account through the app's own query; returns its id."""
    if password not in _HASHES:
        _HASHES[password] = security.hash_password(password)
    with app.app_context():
        user_id = db.scalar(
            "users.insert_user",
            name=name,
            email=email_address,
            role=role,
            phone=None,
            address=None,
            password_hash=_HASHES[password],
        )
        if verified:
            db.execute("users.mark_email_verified", user_id=user_id)
    return user_id


# A plain car as a seller would list it (the columns of selling.insert_listing); make_car's overrides change any.
CAR = {
    "title": "Fiat Panda",
    "make": "Fiat",  # names, resolved through the catalogue (or give make_id and model_id)
    "model": "Panda",
    "make_id": None,
    "model_id": None,
    "model_other": None,
    "year": 2015,
    "price": 5000,
    "mileage_km": 1,
    "fuel": "petrol",
    "transmission": "manual",
    "body": "hatchback",
    "colour": "red",
    "condition": "used",
    "vin": None,
    "city": "",
    "postcode": None,
    "description": "",
    "features": [],
    "specs": [],
    "seo_title": None,
    "seo_description": None,
    "seller_type": "private",
    "power_kw": None,
    "owners": None,
    "registration_month": None,
    "accident_free": None,
    "doors": None,
    "seats": None,
    "emission_class": None,
}


def make_car(app: Flask, seller_id: int, *, status: str = "draft", **overrides) -> int:
    """Create a listing through the app's own queries, as selling and moderation do: a draft, then submitted
    (status="pending"), approved ("available") or rejected ("rejected"); returns its id."""
    if status not in ("draft", "pending", "available", "rejected"):
        raise ValueError(f"make_car makes draft, pending, available or rejected cars, not {status!r}")
    values = {**CAR, **overrides}
    values["specs"] = json.dumps(values["specs"])
    if "latitude" not in overrides:  # located from its city, as saving a listing does
        values = locations.with_coordinates(values)
    with app.app_context():
        car_id = db.scalar("selling.insert_listing", seller_id=seller_id, **values)
        if status != "draft":
            assert db.optional("selling.set_status", car_id=car_id, status="pending", from_statuses=["draft"])
        if status in ("available", "rejected"):
            remark = "Add photos of the interior." if status == "rejected" else None
            assert db.optional("selling.decide", car_id=car_id, status=status, remark=remark)
    return car_id


def login(
    client: FlaskClient,
    email_address: str = "ann@example.com",
    password: str = PASSWORD,
    remember: bool = False,
    **kwargs,
):
    data = {"email": email_address, "password": password}
    if remember:
        data["remember"] = "y"
    return post(client, "/login", data, page="/login", **kwargs)


def run_jobs(app: Flask, queues: tuple[str, ...] | None = None) -> None:
    """Run the real worker until the queues are empty (in a thread of its own, as procrastinate runs its event
    loop there and a test may hold one already)."""
    from carsite.jobs import worker

    errors: list[BaseException] = []

    def work() -> None:
        try:
            worker.run(app, queues=queues, concurrency=2, wait=False, install_signal_handlers=False)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work, name="test-worker")
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the worker did not finish the queued jobs within 60 s"
    if errors:
        raise errors[0]


def mails(app: Flask, *, deliver: bool = True) -> list[EmailMessage]:
    """Every mail written so far, after the worker has sent what was queued (deliver=False: only what is there), in
    the order they were queued: the worker sends several at once, so the order they were written in is chance."""
    if deliver:
        run_jobs(app)
    folder = Path(app.config["MAIL_DIR"])
    if not folder.exists():
        return []
    written = [
        email.message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]
    queued = {
        message_id: n
        for n, (message_id,) in enumerate(
            sql(app, "SELECT message_id FROM mail_outbox WHERE message_id IS NOT NULL ORDER BY id")
        )
    }
    return sorted(written, key=lambda m: queued.get(str(m["Message-ID"]), len(queued)))


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def sql(app: Flask, text: str, *args):
    """Run SQL on the app's database as a DBA would (autocommit); rows for a SELECT, else None."""
    with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:
        cursor = conn.execute(text, args)
        return cursor.fetchall() if cursor.description else None


def clients_by_role(app: Flask, visitor: str, roles: tuple[str, ...]) -> dict[str, FlaskClient]:
    """A test client per role: ``visitor`` logged out, each of ``roles`` logged in as ``<role>@example.com``."""
    clients = {visitor: app.test_client()}
    for role in roles:
        make_user(app, f"{role}@example.com", role=role)
        clients[role] = app.test_client()
        assert login(clients[role], f"{role}@example.com").status_code == 303
    return clients
