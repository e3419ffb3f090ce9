"""The job queue and the mail outbox over real PostgreSQL and procrastinate's real worker."""

from __future__ import annotations

import pytest

from carsite import db, jobs, mail
from carsite.notifications import notify, read_unsubscribe_token

from .helpers import mails, make_user, run_jobs, sql


def queued(app, kind: str) -> list[tuple]:
    return sql(app, "SELECT status, job_id, to_address FROM mail_outbox WHERE kind = %s ORDER BY id", kind)


def test_a_mail_commits_with_its_write_and_is_sent_once(app):
    with app.app_context(), db.transaction():
        outbox_id = mail.queue("bea@example.com", "Hello", "verify", kind="test.hello", name="Bea", url="x", hours=1)
    ((status, job_id, to),) = queued(app, "test.hello")
    assert (status, to) == ("queued", "bea@example.com")
    (job,) = sql(app, "SELECT task_name, queue_name, args FROM procrastinate_jobs WHERE id = %s", job_id)
    assert job == ("carsite.mail.deliver", "mail", {"outbox_id": outbox_id})
    sent = mails(app)
    assert [m["Subject"] for m in sent] == ["Hello"]
    assert sent[0].get_body(("html",)) is not None and sent[0].get_body(("plain",)) is not None
    assert queued(app, "test.hello")[0][0] == "sent"
    # the same job again (a retry after a lost acknowledgement, a duplicate): nothing more is sent
    with app.app_context():
        mail.deliver(outbox_id=outbox_id)
    assert len(mails(app)) == 1


def test_a_rolled_back_write_queues_no_job_and_no_mail(app):
    with app.app_context(), pytest.raises(RuntimeError), db.transaction():
        mail.queue("bea@example.com", "Hello", "verify", kind="test.rollback", name="Bea", url="x", hours=1)
        raise RuntimeError("the write fails after the mail was queued")
    assert queued(app, "test.rollback") == []
    assert sql(app, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0
    assert mails(app) == []


def test_a_notification_mail_carries_one_click_unsubscribe_headers_that_work_without_login(app, client):
    user_id = make_user(app, "cy@example.com", name="Cy")
    with app.app_context(), db.transaction():
        used = notify(user_id, "price_drop", title="Cheaper now", url="/cars/1", mail_template="verify", hours=1)
    assert used == {"in_site": True, "by_mail": True}
    (message,) = mails(app)
    url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.get_body(("plain",)).get_content()
    path = "/" + url.split("/", 3)[3]
    with app.app_context():
        assert read_unsubscribe_token(path.rsplit("/", 1)[1]) == (user_id, "price_drop")
    assert client.get(path).status_code == 200  # a link scanner's GET changes nothing
    assert sql(app, "SELECT count(*) FROM notification_settings")[0][0] == 0
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})  # what a mail client sends (RFC 8058)
    assert answer.status_code == 200
    assert sql(app, "SELECT by_mail, in_site FROM notification_settings WHERE user_id = %s", user_id) == [(False, True)]
    with app.app_context(), db.transaction():
        assert notify(user_id, "price_drop", title="Cheaper again", mail_template="verify", hours=1) == {
            "in_site": True,
            "by_mail": False,
        }
    assert client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_a_job_with_arguments_its_task_cannot_take_fails_once_without_retry(app):
    with app.app_context():
        with pytest.raises(TypeError):
            jobs.defer(mail.deliver, wrong=1)  # caught at defer time
        # a job stored by an older release with other arguments
        db.scalar(
            "jobs.defer",
            queue_name="mail",
            task_name="carsite.mail.deliver",
            priority=0,
            lock=None,
            queueing_lock=None,
            args='{"message": 5}',
            scheduled_at=None,
        )
    run_jobs(app)
    assert sql(app, "SELECT status, attempts FROM procrastinate_jobs") == [("failed", 1)]


def test_periodic_tasks_take_procrastinates_tick_and_every_task_module_is_known(app):
    from carsite.jobs import worker

    papp = worker.build(app)
    assert {"carsite.mail.deliver", "carsite.cars.pricing.nightly"} <= set(papp.tasks)
    periodic = {p.task.name for p in papp.periodic_registry.periodic_tasks.values()}
    assert "carsite.cars.pricing.nightly" in periodic
    papp.tasks["carsite.cars.pricing.nightly"](timestamp=1_700_000_000)  # as the periodic deferrer's job runs it
