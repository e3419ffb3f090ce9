"""Garbage in every form field and query parameter of every route, as every role: never a server error.

Field names come from the forms and links of the pages each role sees (with the page's CSRF token, so a request
gets past CSRF to the code that reads the field); routes without a known form get every name seen anywhere. Bodies
and query strings are written by hand, so bytes no browser would send (invalid UTF-8, encoded surrogates) arrive
as they are.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from .helpers import PASSWORD, clients_by_role, csrf, make_user, post
from .test_selling import VALID

ROLES = ("visitor", "user", "seller", "admin")
# Percent-encoded as sent: each one has broken some text or number field of some web app.
PAYLOADS = {
    "NUL": "a%00b",
    "control character": "%1B%5B0m%07",
    "invalid UTF-8": "%FF%FEab%C0%AF",
    "lone surrogate": "%ED%A0%80",
    "huge number": "9" * 30,
    "past int() digit limit": "9" * 4400,
    "negative": "-1",
    "ISO week date": "2026-W01",
    "empty": "",
}
HUGE = "x" * 1_000_000
# Values for fields a page leaves empty, so that only the fuzzed field is wrong and the rest passes validation.
DEFAULTS = {
    **{k: v for k, v in VALID.items() if isinstance(v, str)},
    "name": "Fuzz Tester",
    "email": "fuzz@example.com",
    "password": "another horse battery staple",
    "current": PASSWORD,
    "confirm": "another horse battery staple",
    "phone": "+49 30 1234567",
    "address": "Main Street 1",
    "remark": "Please add photos.",
    "q": "golf",
}
# Run last: they change the client's role or session, or delete what other routes act on.
ADAPTER = None
FORM = "application/x-www-form-urlencoded"
LAST = {"selling.delete": 1, "admin.delete": 2, "account.become_seller": 3, "auth.logout": 4}


class Forms(HTMLParser):
    """The forms of a page (method, action path, [(name, default value)]) and the query keys of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.links: list[tuple[str, set[str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = []
            self.forms.append((a.get("method", "get").upper(), urlsplit(a.get("action", "")).path, self._form))
        elif tag == "a" and "?" in a.get("href", ""):
            url = urlsplit(a["href"])
            self.links.append((url.path, {k for k, _ in parse_qsl(url.query, keep_blank_values=True)}))
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None and a.get("value") is not None:
                self._form.append((self._select, a["value"]))  # type: ignore[union-attr]
                self._select = None
            return
        if tag == "input" and a.get("type") not in ("submit", "file", "checkbox", "radio"):
            self._form.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            if all(n != a["name"] for n, _ in self._form):  # one choice ticked is enough
                self._form.append((a["name"], a.get("value", "y")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.append((a["name"], ""))
        elif tag == "button":
            self._form.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            self._form.append((self._select, ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def encoded(pairs: list[tuple[str, str]]) -> str:
    """A query string or urlencoded body from already percent-encoded keys and values."""
    return "&".join(f"{k}={v}" for k, v in pairs)


def plain(value: str) -> str:
    return quote(value, safe="")


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    victim = make_user(app, "victim@example.com", name="Victim")
    clients = clients_by_role(app, "visitor", ROLES[1:])
    response = post(clients["seller"], "/sell/new", VALID, page="/sell/new")
    assert response.status_code == 303, response.status_code
    car = int(re.search(r"/sell/(\d+)", response.headers["Location"]).group(1))
    pending = post(clients["admin"], "/sell/new", VALID, page="/sell/new").headers["Location"]
    assert post(clients["admin"], f"{pending}/submit", page=pending).status_code == 303  # for the moderation form
    return app, clients, victim, car


def routes(app):
    found = [
        (rule.endpoint, rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.endpoint != "static"
    ]
    return sorted(found, key=lambda item: (LAST.get(item[0], 0), item[0], item[2]))


def path_of(rule, ids: dict[str, int]) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = ids.get(name, 1)
        elif type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def endpoint_of(path: str, method: str) -> str | None:
    try:
        return ADAPTER.match(path, method=method)[0]
    except Exception:  # a form posting elsewhere (or nowhere routable)
        return None


def fuzz_form(role, client, method, path, fields, token, every_name, check):
    """Each field of a form in turn gets each payload (the others keep valid values), then keys and sizes."""
    defaults = [(plain(n), plain(v or DEFAULTS.get(n, ""))) for n, v in fields if n != "csrf_token"]
    base = [("csrf_token", token)]

    def send(pairs, what):
        body = encoded(pairs)
        response = client.open(path, method=method, data=body, content_type=FORM)
        check(role, method, path, what, response)

    for name in dict.fromkeys(n for n, _ in defaults):
        rest = [(k, v) for k, v in defaults if k != name]
        for what, payload in PAYLOADS.items():
            send(base + rest + [(name, payload)], f"{name} {what}")
        send(base + defaults + [(name, PAYLOADS["NUL"]), (f"{name}[]", "x")], f"{name} repeated")
    for what, payload in PAYLOADS.items():
        send(base + defaults + [(f"{payload}x", "1")], f"key {what}")
        if not fields:  # no form for this route on any page: every name seen anywhere at once
            send(base + [(plain(n), payload) for n in every_name], f"any {what}")
    send(base + [(k, HUGE) for k, _ in defaults[:1]] + defaults[1:], "1 MB")
    send([], "empty body")


def fuzz_query(role, client, path, names, every_name, check, done):
    """Each known parameter of a page in turn gets each payload (once for all roles: ``done`` holds the (path, name)
    pairs an earlier role sent them to, since reading a query string does not depend on who asks); then, for every
    role, every name at once, keys, raw bytes, size."""
    for name in names:
        if (path, name) in done:
            continue
        done.add((path, name))
        for what, payload in PAYLOADS.items():
            check(role, "GET", path, f"{name} {what}", client.get(f"{path}?{encoded([(name, payload)])}"))
        repeated = encoded([(name, "1"), (name, PAYLOADS["NUL"]), (f"{name}[]", "x")])
        check(role, "GET", path, f"{name} repeated", client.get(f"{path}?{repeated}"))
    for what, payload in PAYLOADS.items():
        check(role, "GET", path, f"any {what}", client.get(f"{path}?{encoded([(n, payload) for n in every_name])}"))
        check(role, "GET", path, f"key {what}", client.get(f"{path}?{payload}x=1"))
    # Bytes as a client may put them on the request line, not percent-encoded (WSGI hands them over as latin-1).
    raw = client.get(path, environ_overrides={"QUERY_STRING": f"{(names or every_name)[0]}=\xff\xfe"})
    check(role, "GET", path, "raw bytes", raw)
    huge = encoded([(n, HUGE) for n in (names or every_name)[:1]])
    check(role, "GET", path, "1 MB", client.get(f"{path}?{huge}"))


def test_garbage_in_any_field_or_parameter_is_never_a_server_error(world):
    app, clients, victim, car = world
    global ADAPTER
    ADAPTER = app.url_map.bind("localhost")
    ids = {"car_id": car, "user_id": victim, "number": 1, "photo_id": 1}
    failures: list[str] = []
    sent = 0
    started = time.monotonic()

    def check(role, method, url, what, response):
        nonlocal sent
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{role} {method} {url[:120]} [{what}]: {response.status_code}")

    queried: set[tuple[str, str]] = set()
    for role in ROLES:
        client = clients[role]
        token = plain(csrf(client, "/forgot"))
        pages: dict[str, Forms] = {}
        for endpoint, rule, method in routes(app):
            if method == "GET" and endpoint not in LAST:
                parser = Forms()
                parser.feed(client.get(path_of(rule, ids)).get_data(as_text=True))
                pages[path_of(rule, ids)] = parser
        forms = {(m, a or page): f for page, p in pages.items() for m, a, f in p.forms}
        query_names: dict[str, set[str]] = {}
        for page, parser in pages.items():
            for method, action, fields in parser.forms:
                if method == "GET":
                    query_names.setdefault(action or page, set()).update(n for n, _ in fields)
            for path, keys in parser.links:
                query_names.setdefault(path or page, set()).update(keys)
        seen = {n for names in query_names.values() for n in names} | {n for f in forms.values() for n, _ in f}
        every_name = sorted(seen - {"csrf_token"})

        for endpoint, rule, method in routes(app):
            path = path_of(rule, ids)
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
                for huge_id in (2**63, 2**64, 0):  # ids past bigint, and one no row has
                    big = path_of(rule, dict.fromkeys(ids, huge_id))
                    body = f"csrf_token={token}"
                    response = client.open(big, method=method, data=body, content_type=FORM)
                    check(role, method, big, f"id {huge_id}", response)
            if method == "GET":
                fuzz_query(role, client, path, sorted(query_names.get(path, set())), every_name, check, queried)
                continue
            # Every form on the pages that posts to this route (e.g. one per pending listing), else the bare route.
            targets = [(a, f) for (m, a), f in forms.items() if m == method and endpoint_of(a, method) == endpoint]
            for target, fields in targets or [(path, [])]:
                fuzz_form(role, client, method, target, fields, token, every_name, check)

        # Whatever was stored in the session above (compare list, recently viewed) must not break later pages.
        for endpoint, rule, method in routes(app):
            if method == "GET" and endpoint not in LAST:
                check(role, method, path_of(rule, ids), "afterwards", client.get(path_of(rule, ids)))

    elapsed = time.monotonic() - started
    assert sent > 5000, sent
    assert failures == [], f"{len(failures)} of {sent} requests failed ({elapsed:.0f} s):\n" + "\n".join(failures[:60])
