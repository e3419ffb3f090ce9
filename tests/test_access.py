"""Access rules for every route, CSRF on every state change, host checks, methods."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from .helpers import clients_by_role, csrf, make_user

ROLES = ("anonymous", "user", "seller", "admin")


@pytest.fixture
def world(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    victim = make_user(app, "victim@example.com", name="Victim")
    clients = clients_by_role(app, "anonymous", ROLES[1:])
    return app, clients, victim


def routes(app):
    """Every (endpoint, rule, method) the app answers; becoming a seller and logging out last (they change the
    client's role or end its session)."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule, method))
    last = {"account.become_seller": 1, "auth.logout": 2}
    return sorted(found, key=lambda item: (last.get(item[0], 0), item[0], item[2]))


def url_for_rule(rule, victim: int) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if isinstance(converter, IntegerConverter):  # carsite's bigint-bounded IdConverter is one
            values[name] = victim
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    path = rule.build(values, append_unknown=False)[1]
    return path


def test_every_route_declares_an_access_rule(app):
    missing = []
    for endpoint, _rule, _method in routes(app):
        if endpoint == "static":
            continue
        if not hasattr(app.view_functions[endpoint], "access"):
            missing.append(endpoint)
    assert missing == [], f"routes without an access rule: {missing}"


def path_of(app, endpoint: str) -> str:
    return next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def expected(rule: str, role: str, method: str = "GET", leads: str | None = None) -> str:
    if rule == "public":
        return "allowed"
    if role == "anonymous":
        return "login"
    if rule in ("user", "verified"):
        return "allowed"
    if role in rule.split("+"):
        return "allowed"
    return "led" if leads and method == "GET" else "forbidden"


def test_access_matrix(world):
    app, clients, victim = world
    problems = []
    for role in ROLES:
        client = clients[role]
        for endpoint, rule, method in routes(app):
            if endpoint == "static":
                continue
            access = app.view_functions[endpoint].access
            url = url_for_rule(rule, victim)
            if method == "GET":
                response = client.get(url)
            else:
                token = csrf(client, "/forgot")
                response = client.open(url, method=method, data={"csrf_token": token})
            location = response.headers.get("Location", "")
            view = app.view_functions[endpoint]
            if response.status_code == 302 and location.startswith("/login"):
                got = "login"
            elif (
                getattr(view, "leads", None)
                and response.status_code == 302
                and location.startswith(path_of(app, view.leads) + "?next=")
            ):
                got = "led"  # a buyer opening /sell is led to becoming a seller, not refused
            elif response.status_code in (401, 403):
                got = "forbidden"
            else:
                got = "allowed"
            want = expected(access, role, method, getattr(view, "leads", None))
            if got != want:
                problems.append(f"{role} {method} {url} ({access}): {response.status_code} {location}")
            if response.status_code >= 500:
                problems.append(f"{role} {method} {url}: server error {response.status_code}")
    assert problems == []


def post_routes(app):
    return [(e, r, m) for e, r, m in routes(app) if m in ("POST", "PUT", "PATCH", "DELETE")]


# Endpoints whose URL carries a signed token as the proof instead (mail clients' one-click unsubscribe, RFC 8058,
# posts without a form): a request without a valid token is refused all the same.
TOKEN_AUTHORISED = {"notifications.unsubscribe"}


def test_every_state_change_needs_a_csrf_token(world):
    app, clients, victim = world
    checked = 0
    for role in ("anonymous", "admin"):
        client = clients[role]
        for endpoint, rule, method in post_routes(app):
            url = url_for_rule(rule, victim)
            if endpoint in TOKEN_AUTHORISED:
                assert client.open(url, method=method, data={"List-Unsubscribe": "One-Click"}).status_code == 400
                continue
            missing = client.open(url, method=method, data={"email": "x@example.com"})
            wrong = client.open(url, method=method, data={"csrf_token": "forged"})
            for response in (missing, wrong):
                assert response.status_code == 400, (role, method, url, response.status_code)
                assert b"CSRF" in response.data
            checked += 1
    assert checked >= 2 * 10
    assert clients["admin"].get("/account").status_code == 200  # nothing above logged the admin out


def test_csrf_token_in_a_header_is_accepted_for_scripts(world):
    _app, clients, _victim = world
    client = clients["user"]
    token = csrf(client, "/account")
    response = client.post("/account/sessions/logout-others", headers={"X-CSRFToken": token})
    assert response.status_code == 303


def test_login_form_itself_is_csrf_protected(app):
    make_user(app)
    response = app.test_client().post("/login", data={"email": "ann@example.com", "password": "whatever it is"})
    assert response.status_code == 400


def test_untrusted_host_header_is_refused(make_app):
    app = make_app(TRUSTED_HOSTS=["cars.example"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "cars.example"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"), [("TRACE", "/login"), ("PUT", "/login"), ("DELETE", "/account"), ("PUT", "/register")]
)
def test_unexpected_methods_are_405(app, method, path):
    assert app.test_client().open(path, method=method).status_code == 405


def test_admin_pages_refuse_non_admins_and_send_visitors_to_login(world):
    _app, clients, victim = world
    for role in ("user", "seller"):
        response = clients[role].get("/admin/users")
        assert response.status_code == 403
        assert b"You do not have access" in response.data
    visitor = clients["anonymous"].get(f"/admin/users/{victim}")
    assert visitor.status_code == 302
    assert visitor.headers["Location"] == f"/login?next=/admin/users/{victim}"
    assert clients["admin"].get(f"/admin/users/{victim}").status_code == 200
