"""The worker: procrastinate runs carsite's registered tasks, each in a thread with an app context.

Only this module imports procrastinate's Python side. Tasks stay plain functions over the data module: procrastinate's
event loop fetches jobs and runs each task in a worker thread (its sync-task path), where the task sees a Flask app
context as a CLI command does.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterable
from typing import Any

import procrastinate
from flask import Flask
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from . import TASKS, Backoff, Permanent, Task, check_arguments, load_tasks

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

    def run(**kwargs: Any) -> Any:
        if found.periodic and not takes_timestamp:
            kwargs.pop("timestamp", None)  # procrastinate passes periodic jobs the tick's timestamp
        check_arguments(found, kwargs)
        with flask_app.app_context():
            return found.func(**kwargs)

    run.__name__ = found.func.__name__
    run.__doc__ = found.func.__doc__
    return run


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
            pass_context=False,
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
) -> None:
    """Run a worker until stopped (SIGTERM, SIGINT) or, with ``wait=False``, until the queues are empty."""
    papp = build(flask_app)

    async def main() -> None:
        async with papp.open_async():
            options: dict[str, Any] = {"queues": list(queues)} if queues else {}
            await papp.run_worker_async(
                **options,
                concurrency=concurrency,
                wait=wait,
                install_signal_handlers=install_signal_handlers,
                name="carsite",
            )

    asyncio.run(main())
