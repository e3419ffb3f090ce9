"""What an admin sees of the queue and does to it (Admin → Jobs): counts, waits, failures, workers; retry, cancel."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .. import db
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, NotFound

FAILED_SHOWN = 50


def overview(*, actor: Actor) -> dict[str, Any]:
    """Everything Admin → Jobs shows, read in one transaction."""
    with db.transaction(read_only=True):
        counts = db.all("jobs.counts")
        queues: dict[str, dict[str, int]] = {}
        for row in counts:
            queues.setdefault(row["queue_name"], {})[row["status"]] = row["jobs"]
        return {
            "queues": queues,
            "waiting": {row["queue_name"]: row for row in db.all("jobs.oldest_waiting")},
            "failed": db.all("jobs.failed", limit=FAILED_SHOWN),
            "workers": db.all("jobs.workers", stalled_seconds=float(current_app.config["JOB_STALLED_SECONDS"])),
        }


def retry(job_id: int, *, actor: Actor) -> None:
    """Run a failed job again now (audited). A mail already recorded as sent is still not sent again."""
    with db.transaction():
        job = db.optional("jobs.job_for_update", job_id=job_id)
        if job is None:
            raise NotFound("No such job.")
        if job["status"] != "failed":
            raise Conflict(f"Only a failed job can be retried; this one is {job['status']}.")
        db.execute("jobs.retry_failed", job_id=job_id)
        if job["task_name"] == "carsite.mail.deliver":
            db.execute("jobs.requeue_failed_mail", job_id=job_id)
        audit.record("job.retry", actor=actor, job_id=job_id, task=job["task_name"], attempts=job["attempts"])


def cancel(job_id: int, *, actor: Actor) -> None:
    """Cancel a job that has not started yet (audited)."""
    with db.transaction():
        job = db.optional("jobs.job_for_update", job_id=job_id)
        if job is None:
            raise NotFound("No such job.")
        if job["status"] != "todo" or db.scalar("jobs.cancel_waiting", job_id=job_id) is None:
            raise Conflict(f"Only a job that has not started can be cancelled; this one is {job['status']}.")
        audit.record("job.cancel", actor=actor, job_id=job_id, task=job["task_name"])
