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
DIED = "the worker running this job died (killed, out of memory or crashed) on its last allowed run"


@jobs.task(queue="maintenance", name="carsite.jobs.retry_stalled", periodic="* * * * *", retry=jobs.NO_RETRY)
def retry_stalled() -> list[int]:
    """Retry the jobs of dead workers, then delete the stalled worker rows; the ids of the jobs retried.

    A dead worker's run counts as one of the job's runs: a job that has used up its task's attempts that way (one
    that kills every worker it runs on: out of memory, a crash) is failed with that said, not retried for ever."""
    seconds = float(current_app.config["JOB_STALLED_SECONDS"])
    with db.transaction():
        retried: list[int] = []
        given_up: list[int] = []
        for row in db.all("jobs.stalled", stalled_seconds=seconds):
            try:
                attempts = jobs.spec(row["task_name"]).retry.attempts
            except LookupError:
                attempts = 1  # no such task any more: its run fails visibly when it is tried, so fail it here
            (given_up if row["attempts"] + 1 >= attempts else retried).append(row["job_id"])
        if retried:
            db.scalar("jobs.retry_jobs", ids=retried)
        if given_up:
            db.execute("jobs.fail_jobs", ids=given_up, error=DIED)
        db.all("jobs.prune_stalled_workers", stalled_seconds=seconds)
    if retried:
        log.warning("retried %d job(s) left in 'doing' by a dead worker: %s", len(retried), retried)
    if given_up:
        log.error("failed %d job(s) whose workers died on every run: %s", len(given_up), given_up)
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
