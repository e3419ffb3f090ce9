"""The worker: procrastinate runs carsite's registered tasks, each in a thread with an app context.

Only this module imports procrastinate's Python side. Tasks stay plain functions over the data module: procrastinate's
event loop fetches jobs and runs each task in a worker thread (its sync-task path), where the task sees a Flask app
context as a CLI command does.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import threading
import time
from collections.abc import Iterable
from typing import Any

import procrastinate
import procrastinate.worker
from flask import Flask
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from .. import db
from . import QUEUES, TASKS, Backoff, Permanent, Task, check_arguments, load_tasks

log = logging.getLogger("carsite.jobs")


class _Retry(BaseRetryStrategy):
    """carsite's Backoff as a procrastinate retry strategy; Permanent errors fail at once."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, Permanent):
            return None
        if job.attempts + 1 >= self.backoff.attempts:  # job.attempts: runs finished before this one
            return None
        return RetryDecision(retry_in={"seconds": self.backoff.wait(job.attempts)})


def _runner(flask_app: Flask, found: Task) -> Any:
    takes_timestamp = "timestamp" in inspect.signature(found.func).parameters

    def run(*context: Any, **kwargs: Any) -> Any:
        # procrastinate passes the job's context first (pass_context=True); a direct call passes none.
        if found.periodic and not takes_timestamp:
            kwargs.pop("timestamp", None)  # procrastinate passes periodic jobs the tick's timestamp
        with flask_app.app_context():
            try:
                check_arguments(found, kwargs)
                return found.func(**kwargs)
            except BaseException as exc:
                job = getattr(context[0], "job", None) if context else None
                if job is not None and job.id is not None:
                    final = isinstance(exc, Permanent) or job.attempts + 1 >= found.retry.attempts
                    _record_failure(job.id, found.name, job.attempts + 1, exc, final=final)
                raise

    run.__name__ = found.func.__name__
    run.__doc__ = found.func.__doc__
    return run


def _record_failure(job_id: int, task_name: str, attempt: int, exc: BaseException, *, final: bool) -> None:
    """Keep why a run failed (procrastinate keeps only that it did), and on the ``final`` run of a mail delivery
    fail its outbox message; never let the record hide the error."""
    try:
        with db.transaction():
            db.execute(
                "jobs.record_failure",
                job_id=job_id,
                task_name=task_name,
                attempt=attempt,
                error=f"{type(exc).__name__}: {exc}",
                final=final,
            )
    except Exception:
        log.exception("job %s: could not record its failure", job_id)


def build(flask_app: Flask) -> procrastinate.App:
    """A procrastinate App over the site's database that knows every carsite task."""
    load_tasks()
    connector = procrastinate.PsycopgConnector(
        conninfo=flask_app.config["DATABASE_URL"],
        min_size=1,
        max_size=4,
        kwargs={"options": "-c jit=off", "application_name": "carsite-worker"},
    )
    papp = procrastinate.App(connector=connector)
    for found in TASKS.values():
        registered = papp.task(
            name=found.name,
            queue=found.queue,
            priority=found.priority,
            retry=_Retry(found.retry),
            pass_context=True,
        )(_runner(flask_app, found))
        if found.periodic:
            papp.periodic(cron=found.periodic, periodic_id="")(registered)
    return papp


def run(
    flask_app: Flask,
    *,
    queues: Iterable[str] | None = None,
    concurrency: int = 4,
    wait: bool = True,
    install_signal_handlers: bool = True,
    stop: threading.Event | None = None,
) -> None:
    """Run the worker until stopped (SIGTERM, SIGINT, ``stop`` set) or, with ``wait=False``, until the queues are
    empty.

    Serving every queue, it runs two procrastinate workers in one event loop: one for ``account`` alone (sign-up,
    password and login mail never wait behind a flood) and one for the other queues. When the database goes away
    (a restart, a failover) and a worker gives up, it is started again after a pause that grows to a minute: the
    process carries on without a restart.
    """
    chosen = list(queues) if queues else list(QUEUES)
    groups: list[tuple[str, list[str], int]] = []
    if "account" in chosen:
        groups.append(("account", ["account"], int(flask_app.config["WORKER_ACCOUNT_CONCURRENCY"])))
    others = [q for q in chosen if q != "account"]
    if others:
        groups.append(("carsite", others, concurrency))
    pause = 1.0
    while True:
        started = time.monotonic()
        try:
            asyncio.run(_run_once(flask_app, groups, wait, install_signal_handlers, stop))
            return
        except _Stopped:
            return
        except Exception:
            if not wait:
                raise
            if time.monotonic() - started > 60:
                pause = 1.0
            log.exception("worker stopped on an error; starting again in %.0f s", pause)
        if stop is not None and stop.wait(pause):
            return
        if stop is None:
            time.sleep(pause)
        pause = min(60.0, pause * 2)


class _Stopped(Exception):
    """A stop signal arrived: the supervisor loop ends."""


async def _run_once(
    flask_app: Flask,
    groups: list[tuple[str, list[str], int]],
    wait: bool,
    install_signal_handlers: bool,
    stop: threading.Event | None,
) -> None:
    papp = build(flask_app)
    heartbeat = float(flask_app.config["WORKER_HEARTBEAT_SECONDS"])
    async with papp.open_async():
        papp.perform_import_paths()
        # Both defer the periodic tasks; procrastinate deduplicates each tick in the database.
        workers = [
            procrastinate.worker.Worker(
                app=papp,
                queues=group_queues,
                concurrency=group_concurrency,
                wait=wait,
                name=name,
                install_signal_handlers=False,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=max(30.0, heartbeat * 3),
            )
            for name, group_queues, group_concurrency in groups
        ]
        signalled = False
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            nonlocal signalled
            signalled = True
            for w in workers:
                w.stop()

        if install_signal_handlers:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, on_signal)

        async def watch_stop(event: threading.Event) -> None:
            while not event.is_set():
                await asyncio.sleep(0.05)
            on_signal()

        watcher = asyncio.create_task(watch_stop(stop)) if stop is not None else None
        try:
            runs = [asyncio.create_task(w.run(), name=f"worker-{w.worker_name}") for w in workers]
            if not wait:
                await asyncio.gather(*runs)
                return
            # Waiting for jobs, a worker ends only when told to; one that ends by itself (its database connection
            # lost, a side task failed) takes the other down with it, and run() starts both again.
            await asyncio.wait(runs, return_when=asyncio.FIRST_COMPLETED)
            if not signalled:
                for w in workers:
                    w.stop()
            results = await asyncio.gather(*runs, return_exceptions=True)
        finally:
            if watcher is not None:
                watcher.cancel()
            if install_signal_handlers:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(signum)
        if signalled:
            raise _Stopped
        errors = [r for r in results if isinstance(r, BaseException)]
        raise errors[0] if errors else RuntimeError("a worker stopped by itself")
