"""A worker killed with ``kill -9`` mid-job: the job stays in "doing" until the stalled-job recovery puts it back,
another worker runs it, and its mail is sent exactly once, unless it was recorded as sent, then never again.

Real pieces only: ``python -m carsite worker`` in a process group of its own (configured as in production, through
``CARSITE_*`` variables and DATABASE_URL), the test SMTP server on a real socket (tests/smtp_server.py), stalled
in DATA so the worker is mid-delivery when it dies, and this test's PostgreSQL database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import psycopg.sql
from flask import Flask

from carsite import db, mail
from carsite.jobs import maintenance

from .conftest import ROOT
from .helpers import sql
from .smtp_server import SMTPServer

STALLED_SECONDS = 1.0  # a job whose worker's heartbeat is this old is retried (production: 120 s)
HEARTBEAT_SECONDS = 0.2


def worker_env(database_url: str, server: SMTPServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARSITE_")}
    env.update(
        DATABASE_URL=database_url,
        CARSITE_SECRET_KEY="test-secret-key",
        CARSITE_BASE_URL="http://localhost",
        CARSITE_MAIL_SERVER=server.host,
        CARSITE_MAIL_PORT=str(server.port),
        CARSITE_MAIL_STARTTLS="false",
        CARSITE_WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
        CARSITE_JOB_STALLED_SECONDS=str(STALLED_SECONDS),
        CARSITE_DB_POOL_MIN="1",
        CARSITE_DB_POOL_MAX="2",
    )
    return env


@contextmanager
def worker_process(database_url: str, server: SMTPServer, log: Path) -> Iterator[subprocess.Popen]:
    """``python -m carsite worker`` for the mail queue, the leader of a process group of its own; killed with its
    group if the test leaves it running."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "carsite", "worker", "--queue", "mail", "--concurrency", "1"],
            cwd=ROOT,
            env=worker_env(database_url, server),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def kill_group(process: subprocess.Popen) -> None:
    """kill -9 the worker and everything in its process group, as an OOM killer or an operator would."""
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL


def stop(process: subprocess.Popen, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, log.read_text()


def wait_for(condition, what: str, log: Path, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}; worker log:\n{log.read_text()}"
        time.sleep(0.05)


def state(app: Flask, outbox_id: int) -> tuple[str, str, int]:
    """(outbox status, job status, outbox attempts) of a queued mail."""
    ((outbox_status, job_status, attempts),) = sql(
        app,
        "SELECT o.status, j.status::text, o.attempts FROM mail_outbox o JOIN procrastinate_jobs j ON j.id = o.job_id"
        " WHERE o.id = %s",
        outbox_id,
    )
    return outbox_status, job_status, attempts


def worker_backends(app: Flask) -> int:
    return sql(
        app,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'carsite-worker'",
    )[0][0]


def queue_mail(app: Flask, subject: str) -> tuple[int, int]:
    with app.app_context(), db.transaction():
        outbox_id = mail.queue("kim@example.com", subject, "verify", kind="test.crash", name="Kim", url="x", hours=1)
    (job_id,) = sql(app, "SELECT job_id FROM mail_outbox WHERE id = %s", outbox_id)[0]
    return outbox_id, job_id


def crash_ready_app(make_app) -> Flask:
    app = make_app(JOB_STALLED_SECONDS=STALLED_SECONDS)
    # PostgreSQL notices a client that died while its statement waits (on a lock) within 100 ms, not only when it
    # next reads from the socket: what a production server with this setting does, sooner.
    dbname = psycopg.conninfo.conninfo_to_dict(app.config["DATABASE_URL"])["dbname"]
    with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("ALTER DATABASE {} SET client_connection_check_interval = 100").format(
                psycopg.sql.Identifier(dbname)
            )
        )
    return app


def recover(app: Flask, job_id: int, log: Path) -> None:
    """The periodic stalled-job recovery, once the dead worker's heartbeat is STALLED_SECONDS old."""
    with app.app_context():
        assert wait_for(lambda: maintenance.retry_stalled(), "the stalled job to be retried", log, seconds=10) == [
            job_id
        ]
    assert sql(app, "SELECT status::text FROM procrastinate_jobs WHERE id = %s", job_id) == [("todo",)]


def test_a_worker_killed_mid_delivery_leaves_the_job_that_another_worker_sends_exactly_once(make_app, tmp_path):
    app = crash_ready_app(make_app)
    log = tmp_path / "worker.log"
    outbox_id, job_id = queue_mail(app, "Mid-delivery")
    with SMTPServer(stall=1) as server:
        with worker_process(app.config["DATABASE_URL"], server, log) as first:
            assert server.wait_stalled(60), log.read_text()  # the message is in; the server has not answered
            assert state(app, outbox_id) == ("queued", "doing", 0)
            kill_group(first)
        server.release()
        assert server.messages == [] and len(server.dropped) == 1  # the dead worker's message was never accepted
        wait_for(lambda: worker_backends(app) == 0, "the dead worker's connections to close", log)
        assert state(app, outbox_id) == ("queued", "doing", 0)  # its send rolled back; the job is stuck in "doing"
        recover(app, job_id, log)
        with worker_process(app.config["DATABASE_URL"], server, log) as second:
            wait_for(lambda: state(app, outbox_id)[:2] == ("sent", "succeeded"), "the retried job", log)
            stop(second, log)
        (received,) = server.messages
    ((message_id,),) = sql(app, "SELECT message_id FROM mail_outbox WHERE id = %s", outbox_id)
    assert received.message["Message-ID"] == message_id and received.message["Subject"] == "Mid-delivery"
    assert received.recipients == ["kim@example.com"]
    assert state(app, outbox_id) == ("sent", "succeeded", 1)


def test_a_worker_killed_after_recording_the_mail_as_sent_sends_nothing_again(make_app, tmp_path):
    app = crash_ready_app(make_app)
    log = tmp_path / "worker.log"
    outbox_id, job_id = queue_mail(app, "Recorded as sent")
    with SMTPServer(stall=1) as server:
        with worker_process(app.config["DATABASE_URL"], server, log) as first:
            assert server.wait_stalled(60), log.read_text()
            # Hold the job's row so the worker cannot finish the job once the mail is recorded as sent: the moment
            # between the outbox commit and procrastinate's "succeeded" in which a crash leaves both.
            with psycopg.connect(app.config["DATABASE_URL"]) as holder:
                holder.execute("SELECT 1 FROM procrastinate_jobs WHERE id = %s FOR NO KEY UPDATE", (job_id,))
                server.release()
                assert len(server.messages) == 1
                wait_for(lambda: state(app, outbox_id)[0] == "sent", "the mail to be recorded as sent", log)
                wait_for(
                    lambda: sql(
                        app,
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND application_name = 'carsite-worker' AND wait_event_type = 'Lock'",
                    )[0][0],
                    "the worker to wait to finish the job",
                    log,
                )
                kill_group(first)
                wait_for(lambda: worker_backends(app) == 0, "the dead worker's connections to close", log)
                holder.rollback()
        assert state(app, outbox_id) == ("sent", "doing", 1)  # sent and recorded; the job never finished
        recover(app, job_id, log)
        with worker_process(app.config["DATABASE_URL"], server, log) as second:
            wait_for(lambda: state(app, outbox_id)[1] == "succeeded", "the retried job", log)
            stop(second, log)
        assert len(server.messages) == 1 and server.dropped == []  # the retry found it sent: nothing sent again
    assert state(app, outbox_id) == ("sent", "succeeded", 1)
