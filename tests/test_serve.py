"""`python -m carsite serve` over real HTTP: several waitress processes on one port, restarted when one dies."""

from __future__ import annotations

import http.client
import signal
import time
import urllib.request

import psutil
import pytest

from bench.serving import connection_owners, serving, wait_listening

pytestmark = pytest.mark.slow


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture
def served(clean_db, tmp_path):
    with serving(clean_db, tmp_path / "serve.log", "--processes", "2", "--threads", "2") as (process, base):
        yield process, base


def test_serves_pages_from_two_processes(served):
    process, base = served
    assert get(base + "/healthz") == (200, b'{"status":"ok"}\n')
    status, body = get(base + "/readyz")
    assert status == 200 and b'"ready"' in body
    assert get(base + "/cars")[0] == 200
    assert len(psutil.Process(process.pid).children()) == 2


def test_a_dead_worker_is_replaced_and_sigterm_stops_everything(served):
    process, base = served
    parent = psutil.Process(process.pid)
    victim = parent.children()[0]
    victim.kill()
    deadline = time.monotonic() + 15
    while not (len(parent.children()) == 2 and victim.pid not in [c.pid for c in parent.children()]):
        assert time.monotonic() < deadline, "worker was not replaced"
        time.sleep(0.1)
    wait_listening(process, int(base.rsplit(":", 1)[1]), 2)  # the new worker accepts on a socket of its own
    assert get(base + "/healthz")[0] == 200
    workers = parent.children()
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def test_workers_exit_when_the_supervisor_is_killed(served):
    process, _base = served
    workers = psutil.Process(process.pid).children()
    assert len(workers) == 2
    process.kill()  # SIGKILL: no handler runs, the workers are orphaned
    process.wait(10)
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


def test_development_links_name_the_port_actually_served(served):
    """Without CARSITE_BASE_URL, every process builds absolute links (mails, sitemaps) from the served address."""
    _process, base = served
    for _ in range(6):  # both workers answer some of these
        status, body = get(base + "/sitemap.xml")
        assert status == 200
        assert f"<loc>{base}/".encode() in body, body[:300]


def test_a_configured_base_url_wins_over_the_served_address(clean_db, tmp_path):
    with serving(clean_db, tmp_path / "serve.log", "--processes", "1", CARSITE_BASE_URL="http://cars.example") as (
        _process,
        base,
    ):
        status, body = get(base + "/sitemap.xml")
        assert status == 200 and b"<loc>http://cars.example/" in body and base.encode() not in body


def test_keep_alive_clients_are_spread_over_the_workers(served):
    """Each worker accepts on its own socket, so one process cannot take every keep-alive client; which process
    holds a connection is read from the kernel's socket tables, not from anything the server sends."""
    process, base = served
    port = int(base.rsplit(":", 1)[1])
    wait_listening(process, port, 2)
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
    try:
        for client in clients:  # all connect at once, as a load generator's clients do
            client.connect()
        for client in clients:
            for _ in range(3):  # keep-alive: the same connection, and so the same process, serves all three
                client.request("GET", "/healthz")
                response = client.getresponse()
                assert (response.status, response.read()) == (200, b'{"status":"ok"}\n')
        owners = connection_owners(process, port)
        served_by = [owners[client.sock.getsockname()] for client in clients]
    finally:
        for client in clients:
            client.close()
    # 16 connections dealt out by a hash of the client port: all on one of two workers by chance is 1 in 32,768.
    assert sorted(set(served_by)) == sorted(w.pid for w in psutil.Process(process.pid).children())


def _queue_mail(database_url: str, subject: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        (outbox_id,) = conn.execute(
            "INSERT INTO mail_outbox (to_address, kind, subject, text_body) VALUES ('f@example.com', 'test.serve', %s,"
            " 'Hello') RETURNING id",
            (subject,),
        ).fetchone()
        conn.execute(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('mail', 'carsite.mail.deliver', 0, NULL, NULL,"
            " jsonb_build_object('outbox_id', %s::bigint), NULL)::procrastinate_job_to_defer_v1])",
            (outbox_id,),
        )
    return outbox_id


def _status(database_url: str, outbox_id: int) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT status FROM mail_outbox WHERE id = %s", (outbox_id,)).fetchone()[0]


def test_serve_with_worker_sends_queued_mail_and_stops_it(clean_db, tmp_path):
    mail_dir = tmp_path / "mail"
    with serving(clean_db, tmp_path / "serve.log", "--processes", "1", "--worker", CARSITE_MAIL_DIR=str(mail_dir)) as (
        process,
        _base,
    ):
        outbox_id = _queue_mail(clean_db, "From serve's worker")
        deadline = time.monotonic() + 20
        while _status(clean_db, outbox_id) != "sent":
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        (child,) = psutil.Process(process.pid).children()
        assert "worker" in child.cmdline()
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
        child.wait(10)
    assert len(list(mail_dir.glob("*.eml"))) == 1


def test_serve_without_worker_leaves_mail_queued(clean_db, tmp_path):
    with serving(clean_db, tmp_path / "serve.log", "--processes", "1", "--no-worker") as (process, _base):
        outbox_id = _queue_mail(clean_db, "Nobody sends this")
        time.sleep(1.5)
        assert _status(clean_db, outbox_id) == "queued"
        assert psutil.Process(process.pid).children() == []
