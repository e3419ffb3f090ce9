"""Operating the queue with the real worker over real PostgreSQL: the account queue's own worker beats a flood,
jobs of a dead worker are retried, a failing job stops after its retries with its errors kept, and the worker
carries on across a PostgreSQL restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from carsite import create_app, db, jobs, mail
from carsite.jobs import maintenance, worker

from .helpers import mails, run_jobs, sql


@jobs.task(queue="maintenance", name="tests.jobs.always_fails", retry=jobs.Backoff(attempts=3, base=0))
def always_fails(n: int) -> None:
    raise RuntimeError(f"broken on purpose ({n})")


@contextmanager
def running_worker(app, **options) -> Iterator[threading.Event]:
    stop = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            worker.run(app, wait=True, install_signal_handlers=False, stop=stop, **options)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work, name="test-worker", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the worker did not stop"
    if errors:
        raise errors[0]


def wait_for(condition, seconds: float = 20.0, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def outbox_status(app, outbox_id: int) -> str:
    return sql(app, "SELECT status FROM mail_outbox WHERE id = %s", outbox_id)[0][0]


def test_account_mail_is_sent_while_a_flood_of_alerts_still_waits(app):
    flood = 2000
    with app.app_context(), db.transaction():
        for n in range(flood):
            mail.queue(
                f"buyer{n}@example.com",
                "New cars",
                "verify",
                kind="test.alert",
                name="B",
                url="x",
                hours=1,
                channel=mail.BULK,
            )
    sql(app, "UPDATE procrastinate_jobs SET queue_name = 'alerts' WHERE task_name = 'carsite.mail.deliver'")
    with running_worker(app, concurrency=1):
        wait_for(lambda: sql(app, "SELECT count(*) FROM mail_outbox WHERE status = 'sent'")[0][0] > 0)
        with app.app_context(), db.transaction():
            outbox_id = mail.queue(
                "bea@example.com",
                "Reset your password",
                "verify",
                kind="test.account",
                name="Bea",
                url="x",
                hours=1,
                channel=mail.ACCOUNT,
            )
        wait_for(lambda: outbox_status(app, outbox_id) == "sent", seconds=10)
        waiting = sql(app, "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'alerts' AND status = 'todo'")
    assert sql(
        app,
        "SELECT queue_name FROM procrastinate_jobs j JOIN mail_outbox o ON o.job_id = j.id WHERE o.id = %s",
        outbox_id,
    ) == [("account",)]
    assert waiting[0][0] > flood // 2, waiting


def stalled_job(app, outbox_id: int, *, heartbeat_age: str | None) -> int:
    """Put the outbox's job in "doing" for a worker whose heartbeat is ``heartbeat_age`` old (None: row gone)."""
    (job_id,) = sql(app, "SELECT job_id FROM mail_outbox WHERE id = %s", outbox_id)[0]
    worker_id = None
    if heartbeat_age is not None:
        worker_id = sql(
            app,
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - %s::interval) RETURNING id",
            heartbeat_age,
        )[0][0]
    sql(app, "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s", worker_id, job_id)
    return job_id


def test_jobs_of_a_dead_worker_are_retried_and_their_mail_is_sent_once(make_app):
    app = make_app(JOB_STALLED_SECONDS=30)
    with app.app_context(), db.transaction():
        dead = mail.queue("a@example.com", "One", "verify", kind="test.stalled", name="A", url="x", hours=1)
        gone = mail.queue("b@example.com", "Two", "verify", kind="test.stalled", name="B", url="x", hours=1)
        alive = mail.queue("c@example.com", "Three", "verify", kind="test.stalled", name="C", url="x", hours=1)
        sent = mail.queue("d@example.com", "Four", "verify", kind="test.stalled", name="D", url="x", hours=1)
    dead_job = stalled_job(app, dead, heartbeat_age="10 minutes")
    gone_job = stalled_job(app, gone, heartbeat_age=None)
    alive_job = stalled_job(app, alive, heartbeat_age="1 second")
    sent_job = stalled_job(app, sent, heartbeat_age="10 minutes")
    sql(app, "UPDATE mail_outbox SET status = 'sent', sent_at = now() WHERE id = %s", sent)  # sent, then killed
    with app.app_context():
        retried = maintenance.retry_stalled()
    assert retried == sorted([dead_job, gone_job, sent_job])
    assert (
        sql(app, "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat < now() - interval '1 minute'")[0][0]
        == 0
    )
    assert sql(app, "SELECT status FROM procrastinate_jobs WHERE id = %s", alive_job) == [("doing",)]
    sent_mails = mails(app)
    assert sorted(m["To"] for m in sent_mails) == ["a@example.com", "b@example.com"]  # not d: recorded as sent
    assert sql(app, "SELECT status FROM procrastinate_jobs WHERE id = ANY(%s) ORDER BY id", [dead_job, sent_job]) == [
        ("succeeded",),
        ("succeeded",),
    ]
    assert len(mails(app)) == 2  # the worker ran again: nothing more


def test_a_failing_job_stops_after_its_retries_with_each_error_kept(app):
    with app.app_context(), db.transaction():
        job_id = jobs.defer(always_fails, n=7)
    for _ in range(5):  # a retry due at once may come after the worker found the queue empty
        run_jobs(app, queues=("maintenance",))
    assert sql(app, "SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", job_id) == [("failed", 3)]
    assert sql(
        app, "SELECT task_name, attempt, error FROM job_failures WHERE job_id = %s ORDER BY attempt", job_id
    ) == [("tests.jobs.always_fails", n, "RuntimeError: broken on purpose (7)") for n in (1, 2, 3)]


def test_finished_jobs_and_their_failures_are_pruned(app):
    with app.app_context(), db.transaction():
        old = jobs.defer(always_fails, n=1)
        new = jobs.defer(always_fails, n=2)
    for _ in range(5):
        run_jobs(app, queues=("maintenance",))
    sql(app, "UPDATE procrastinate_events SET at = at - interval '31 days' WHERE job_id = %s", old)
    with app.app_context():
        assert maintenance.prune() == 1
    assert sql(app, "SELECT id FROM procrastinate_jobs WHERE id IN (%s, %s)", old, new) == [(new,)]
    assert sql(app, "SELECT DISTINCT job_id FROM job_failures") == [(new,)]


def test_the_worker_carries_on_after_postgresql_restarts(restartable_server, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "BASE_URL": "http://localhost",
            "DATABASE_URL": restartable_server.url("carsite"),
            "MAIL_DIR": str(tmp_path / "mail"),
            "DB_POOL_MIN": 1,
            "DB_POOL_MAX": 2,
            "DB_CONNECT_TIMEOUT": 2,
            "WORKER_HEARTBEAT_SECONDS": 1.0,
        }
    )

    def queue_one(subject: str) -> int:
        def attempt() -> int | None:
            try:
                with app.app_context(), db.transaction():
                    return mail.queue(
                        "e@example.com", subject, "verify", kind="test.restart", name="E", url="x", hours=1
                    )
            except Exception:
                return None

        return wait_for(attempt, seconds=20, step=0.2)

    try:
        with running_worker(app):
            first = queue_one("Before")
            wait_for(lambda: outbox_status(app, first) == "sent")
            restartable_server.restart()
            second = queue_one("After")
            wait_for(lambda: outbox_status(app, second) == "sent", seconds=30, step=0.2)
    finally:
        app.extensions["carsite.db"].close()
        app.extensions["carsite.views"].close()
    assert sorted(p.name for p in (tmp_path / "mail").glob("*.eml")).__len__() == 2


def test_admin_jobs_page_shows_failures_and_retries_and_cancels_audited(app, admin, seller):
    from .helpers import post

    with app.app_context(), db.transaction():
        failing = jobs.defer(always_fails, n=3)
        waiting = jobs.defer(maintenance.prune, schedule_in=__import__("datetime").timedelta(hours=1))
        sent = mail.queue("g@example.com", "Sent", "verify", kind="test.admin", name="G", url="x", hours=1)
    for _ in range(5):
        run_jobs(app, queues=("maintenance", "mail"))
    (sent_job,) = sql(app, "SELECT job_id FROM mail_outbox WHERE id = %s", sent)[0]
    sql(app, "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", sent_job)  # sent, then "failed"
    assert seller.get("/admin/jobs").status_code == 403
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "RuntimeError: broken on purpose (3)" in page and "tests.jobs.always_fails" in page
    assert f"/admin/jobs/{failing}/retry" in page
    assert post(admin, f"/admin/jobs/{sent_job}/retry", page="/admin/jobs").status_code == 303
    assert post(admin, f"/admin/jobs/{waiting}/retry", page="/admin/jobs").status_code == 409
    assert post(admin, "/admin/jobs/cancel", {"job_id": str(waiting)}, page="/admin/jobs").status_code == 303
    assert post(admin, "/admin/jobs/cancel", {"job_id": "x"}, page="/admin/jobs").status_code == 400
    assert post(admin, "/admin/jobs/999999/retry", page="/admin/jobs").status_code == 404
    assert admin.post(f"/admin/jobs/{failing}/retry").status_code == 400  # no CSRF token
    assert sql(app, "SELECT status FROM procrastinate_jobs WHERE id = %s", waiting) == [("cancelled",)]
    assert len(mails(app)) == 1  # the retried mail job ran and sent nothing more
    assert sql(app, "SELECT status FROM procrastinate_jobs WHERE id = %s", sent_job) == [("succeeded",)]
    assert sql(app, "SELECT action FROM audit_log WHERE action LIKE 'job.%%' ORDER BY id") == [
        ("job.retry",),
        ("job.cancel",),
    ]


def test_a_job_whose_worker_dies_on_every_run_fails_once_its_attempts_are_used(make_app):
    app = make_app(JOB_STALLED_SECONDS=30)
    with app.app_context(), db.transaction():
        first = mail.queue("a@example.com", "One", "verify", kind="test.stalled", name="A", url="x", hours=1)
        last = mail.queue("b@example.com", "Two", "verify", kind="test.stalled", name="B", url="x", hours=1)
    first_job = stalled_job(app, first, heartbeat_age="10 minutes")
    last_job = stalled_job(app, last, heartbeat_age="10 minutes")
    # The second job's worker died on its last allowed run (mail.RETRY.attempts runs in all).
    sql(app, "UPDATE procrastinate_jobs SET attempts = %s WHERE id = %s", mail.RETRY.attempts - 1, last_job)
    with app.app_context():
        assert maintenance.retry_stalled() == [first_job]
    assert sql(
        app, "SELECT id, status::text FROM procrastinate_jobs WHERE id = ANY(%s) ORDER BY id", [first_job, last_job]
    ) == [
        (first_job, "todo"),
        (last_job, "failed"),
    ]
    ((attempt, error),) = sql(app, "SELECT attempt, error FROM job_failures WHERE job_id = %s", last_job)
    assert attempt == mail.RETRY.attempts and "worker running this job died" in error
    # its message is failed in the outbox too (Admin → Mail shows it; it never claims to be on its way)
    assert sql(app, "SELECT id, status, coalesce(last_error, '') LIKE '%%died%%' FROM mail_outbox ORDER BY id") == [
        (first, "queued", False),
        (last, "failed", True),
    ]
    with app.app_context():
        assert maintenance.retry_stalled() == []  # failed for good: not picked up again
    assert sorted(m["To"] for m in mails(app)) == ["a@example.com"]
