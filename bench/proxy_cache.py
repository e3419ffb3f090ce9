"""nginx in front of carsite with the proxy cache settings of the README: what the proxy answers itself, what it
revalidates with carsite (304), and what it never keeps (a logged-in or session request).

    python bench/proxy_cache.py --database-url URL [--nginx /usr/sbin/nginx] [--shared-seconds 2]

Needs nginx (Debian: apt-get install nginx-light) and a migrated database with demo data (``python -m carsite db
migrate && python -m carsite seed``); it only reads (view counts are not flushed). Prints, per step, the status
the client got, nginx's $upstream_cache_status and how many requests reached carsite, and exits 1 when a step
does not go as the deployment notes say.
"""

from __future__ import annotations

import argparse
import getpass
import http.client
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import serve  # noqa: E402

# The README's nginx settings (Deployment, "A caching proxy in front"), with this run's ports and folders.
CONFIG = """
daemon off;
user {user};
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    log_format upstream '$request_uri $status $upstream_cache_status upstream=$upstream_status';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    proxy_cache_path {folder}/cache keys_zone=carsite:10m max_size=1g inactive=10m use_temp_path=off;
    map $http_cookie $carsite_personal {{
        default 0;
        "~(^|;)\\s*(__Host-session|__Host-remember|__Host-recent|carsite_session|carsite_remember|carsite_recent)=" 1;
    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # car pages are checked with carsite on every use (Cache-Control: no-cache): no cache here, so a browser's
        # If-None-Match reaches carsite and is answered 304 (a cache would ask for the whole page instead)
        location ~ ^/(api/v1/)?cars/[0-9]+(/|$) {{
            proxy_pass http://{upstream};
            add_header X-Cache-Status -;
        }}
        location / {{
            proxy_pass http://{upstream};
            proxy_cache carsite;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale error timeout updating http_502 http_503;
            proxy_cache_bypass $carsite_personal;
            proxy_no_cache $carsite_personal;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    parser.add_argument("--shared-seconds", type=int, default=2)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="carsite-nginx-"))
    settings = {"CARSITE_SHARED_CACHE_SECONDS": str(options.shared_seconds), "CARSITE_PROXY_COUNT": "1"}
    with serve(options.database_url, folder / "carsite.log", **settings) as base:
        port = free_port()
        upstream = base.split("//")[1]
        config = CONFIG.format(user=getpass.getuser(), folder=folder, port=port, upstream=upstream)
        (folder / "nginx.conf").write_text(config)
        nginx = subprocess.Popen([options.nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)])
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    get(port, "/healthz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, (folder / "error.log").read_text()
                    time.sleep(0.05)
            return run_steps(port, folder, options.shared_seconds)
        finally:
            nginx.terminate()
            nginx.wait(10)


def upstream_status(folder: Path) -> str:
    """What carsite answered nginx for the last request ("-": nginx answered from its cache)."""
    return (folder / "access.log").read_text().splitlines()[-1].rsplit("upstream=", 1)[1]


def run_steps(port: int, folder: Path, shared: int) -> int:
    search, car = "/cars?make=Toyota", "/api/v1/cars?limit=1"
    car_id = json.loads(fetch_body(port, car))["items"][0]["id"]
    one_car = f"/api/v1/cars/{car_id}"
    steps: list[tuple[str, str, dict[str, str], int, str]] = [
        ("search, first visitor", search, {}, 200, "MISS"),
        ("search, next visitor", search, {}, 200, "HIT"),
        ("search, next visitor", search, {}, 200, "HIT"),
        ("search, after s-maxage", search, {}, 200, "REVALIDATED"),
        ("search, with a session cookie", search, {"Cookie": "carsite_session=x"}, 200, "BYPASS"),
        ("search, next visitor", search, {}, 200, "HIT"),
        ("search, browser revalidates", search, {"If-None-Match": "(the ETag)"}, 304, "HIT"),
        ("one car (no-cache), first", one_car, {}, 200, "-"),
    ]
    failed = 0
    etag = ""
    print(f"{'step':34} {'path':24} {'status':>6} {'nginx':>12} {'carsite answered':>16}")
    for name, path, headers, status, cache in steps:
        if name == "search, after s-maxage":
            time.sleep(shared + 1)
        if headers.get("If-None-Match") == "(the ETag)":
            headers = {"If-None-Match": etag}
        response = get(port, path, headers)
        time.sleep(0.1)  # the access log line is written after the answer
        reached = upstream_status(folder)
        etag = response.getheader("ETag") or etag
        got = response.getheader("X-Cache-Status") or "-"
        ok = response.status == status and got == cache
        failed += not ok
        print(f"{name:34} {path:24} {response.status:>6} {got:>12} {reached:>16}{'' if ok else '   <- expected'}")
    # A browser revalidating a car it holds: nginx passes If-None-Match on, carsite answers 304 after one read.
    response = get(port, one_car, {"If-None-Match": etag})
    time.sleep(0.1)
    ok = response.status == 304
    failed += not ok
    reached = upstream_status(folder)
    got = response.getheader("X-Cache-Status") or "-"
    print(f"{'one car, browser revalidates':34} {one_car:24} {response.status:>6} {got:>12} {reached:>16}")
    print("ok" if not failed else f"{failed} step(s) not as expected")
    return 1 if failed else 0


def fetch_body(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    body = connection.getresponse().read()
    connection.close()
    return body


if __name__ == "__main__":
    sys.exit(main())
