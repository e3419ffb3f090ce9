"""Housekeeping of the queue itself: jobs left in "doing" by a dead worker are retried, finished jobs pruned.

procrastinate leaves stalled-job recovery to its users (its issues 1518 and 1408): a worker killed mid-job leaves
the job in "doing" for ever. Every minute, a job whose worker's heartbeat is older than JOB_STALLED_SECONDS, or
whose worker row is gone, goes back to "todo" for another worker; stalled worker rows are deleted. Tasks whose
effect must happen once (mail) guard themselves with their own record (carsite.mail.deliver's outbox row).
"""

from __future__ import annotations

import logging

from flask import current_app

from .. import db, jobs

log = logging.getLogger("carsite.jobs")


@jobs.task(queue="maintenance", name="carsite.jobs.retry_stalled", periodic="* * * * *", retry=jobs.NO_RETRY)
def retry_stalled() -> list[int]:
    """Retry the jobs of dead workers, then delete the stalled worker rows; the ids of the jobs retried."""
    seconds = float(current_app.config["JOB_STALLED_SECONDS"])
    with db.transaction():
        retried = [row["job_id"] for row in db.all("jobs.retry_stalled", stalled_seconds=seconds)]
        db.all("jobs.prune_stalled_workers", stalled_seconds=seconds)
    if retried:
        log.warning("retried %d job(s) left in 'doing' by a dead worker: %s", len(retried), retried)
    return retried


@jobs.task(queue="maintenance", name="carsite.jobs.prune", periodic="17 * * * *", retry=jobs.NO_RETRY)
def prune() -> int:
    """Delete finished jobs past their keeping time, with their recorded failures; how many jobs."""
    config = current_app.config
    with db.transaction():
        count = db.execute(
            "jobs.prune_finished",
            succeeded_days=int(config["JOB_KEEP_SUCCEEDED_DAYS"]),
            failed_days=int(config["JOB_KEEP_FAILED_DAYS"]),
        )
        db.execute("jobs.prune_orphan_failures", failed_days=int(config["JOB_KEEP_FAILED_DAYS"]))
    return count
