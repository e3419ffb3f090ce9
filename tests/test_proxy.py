"""Behind a reverse proxy, over real HTTP through `python -m carsite serve`: one setting (CARSITE_PROXY_COUNT, with
CARSITE_TRUSTED_PROXIES) decides whose X-Forwarded-For / -Proto count, for the throttles, the audit log and URLs."""

from __future__ import annotations

import re

import pytest
import requests

from bench.serving import serve

from .helpers import sql

pytestmark = pytest.mark.slow


def visitor(base: str, address: str, scheme: str = "https") -> requests.Session:
    """A browser whose requests reach carsite through a proxy that reports ``address`` and ``scheme``."""
    session = requests.Session()
    # Flask-WTF checks the Referer of https form posts: the browser sends the page's https address
    origin = base.replace("http://", f"{scheme}://", 1)
    session.headers.update({"X-Forwarded-For": address, "X-Forwarded-Proto": scheme, "Referer": origin + "/login"})
    return session


def failed_login(session: requests.Session, base: str, email: str) -> int:
    page = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": "wrong password here"},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def first_car(demo) -> int:
    return sql(demo, "SELECT min(id) FROM cars WHERE status = 'available'")[0][0]


def audit_addresses(app) -> list[str]:
    rows = sql(app, "SELECT host(ip) FROM audit_log WHERE action = 'login.failed' ORDER BY id")
    return [row[0] for row in rows]


def test_behind_one_proxy_clients_are_told_apart_and_https_counts(demo, tmp_path):
    car_id = first_car(demo)
    settings = {"CARSITE_PROXY_COUNT": "1", "CARSITE_BASE_URL": "https://cars.example.test"}
    with serve(demo.config["DATABASE_URL"], tmp_path / "serve.log", **settings) as base:
        one, two = visitor(base, "203.0.113.1"), visitor(base, "203.0.113.2")
        # 31 failures over different accounts use up the first client's address budget, not the second's
        statuses = [failed_login(one, base, f"guess{i}@example.com") for i in range(31)]
        assert statuses == [401] * 30 + [429]
        assert failed_login(two, base, "someone@example.com") == 401
        assert set(audit_addresses(demo)) == {"203.0.113.1", "203.0.113.2"}

        # The forwarded https counts: Flask-WTF checks the Referer of https form posts, so one from another site
        # is refused (over plain http it would not be checked).
        elsewhere = visitor(base, "203.0.113.3")
        elsewhere.headers["Referer"] = "https://elsewhere.example/login"
        assert failed_login(elsewhere, base, "someone@example.com") == 400

        # Absolute URLs come from BASE_URL, whatever scheme or host the request arrived with.
        api = one.get(f"{base}/api/v1/cars/{car_id}", timeout=10).json()
        assert api["url"].startswith(f"https://cars.example.test/cars/{car_id}/")
        page = one.get(f"{base}/cars/{car_id}", allow_redirects=True, timeout=10).text
        assert re.search(rf'<link rel="canonical" href="https://cars.example.test/cars/{car_id}/', page)


@pytest.mark.parametrize(
    "settings",
    [{"CARSITE_PROXY_COUNT": "0"}, {"CARSITE_PROXY_COUNT": "1", "CARSITE_TRUSTED_PROXIES": "192.0.2.10, 10.0.0.0/8"}],
    ids=["no-proxy", "peer-not-trusted"],
)
def test_forged_forwarded_headers_from_an_untrusted_peer_are_ignored(demo, tmp_path, settings):
    car_id = first_car(demo)
    with serve(demo.config["DATABASE_URL"], tmp_path / "serve.log", **settings) as base:
        forger = visitor(base, "203.0.113.66")
        assert failed_login(forger, base, "someone@example.com") == 401
        assert audit_addresses(demo) == ["127.0.0.1"]
        forger.headers["Referer"] = "https://elsewhere.example/login"
        assert failed_login(forger, base, "someone@example.com") == 401  # its "https" is not believed either
        api = forger.get(f"{base}/api/v1/cars/{car_id}", timeout=10).json()
        assert api["url"].startswith("http://127.0.0.1:")
