"""Background work on PostgreSQL: tasks, and deferring them in the transaction of the write that causes them.

A task is a plain function registered with ``@jobs.task(...)``; it runs in the worker (``python -m carsite worker``,
carsite.jobs.worker) inside an app context, with the data module like any use case and ``Actor.system()`` as its
actor. ``jobs.defer(func, **kwargs)`` queues one through the named query ``jobs.defer`` on the connection of the
current transaction, so the job commits with the write or not at all. procrastinate (pinned exactly; its schema is
migration 0032) fetches, retries and records the jobs; this module is all the rest of carsite sees of it.

Queues, in the order a worker serves them: ``account`` (sign-up, password and login mail, with a worker of its own
so nothing waits behind a flood), ``mail`` (transactional mail), ``notify`` (notifications and their mail), ``alerts``
(saved-search alerts, bulk) and ``maintenance`` (periodic housekeeping).
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from .. import db

QUEUES = ("account", "mail", "notify", "alerts", "maintenance")

F = TypeVar("F", bound=Callable[..., Any])


class Permanent(Exception):
    """A job that can never succeed (bad arguments, a row that is gone for good): it fails once, with no retry."""


@dataclass(frozen=True)
class Backoff:
    """Retries with exponential backoff and a cap: wait ``base * 2**attempt`` seconds, at most ``cap``, for at most
    ``attempts`` runs in all. Permanent errors are never retried."""

    attempts: int = 8
    base: float = 10.0
    cap: float = 3600.0

    def wait(self, attempt: int) -> int:
        """Seconds before run ``attempt + 1`` (attempt counts the runs so far, from 0)."""
        return int(min(self.cap, self.base * 2**attempt))


NO_RETRY = Backoff(attempts=1)


@dataclass(frozen=True)
class Task:
    name: str
    func: Callable[..., Any]
    queue: str
    priority: int = 0
    retry: Backoff = field(default_factory=Backoff)
    periodic: str | None = None  # a cron expression: the worker defers it on that schedule, once per tick


TASKS: dict[str, Task] = {}


def task(
    *,
    queue: str,
    name: str | None = None,
    priority: int = 0,
    retry: Backoff | None = None,
    periodic: str | None = None,
) -> Callable[[F], F]:
    """Register ``func`` as a task. The name (``carsite.<module>.<function>`` unless given) is what the database
    stores, so renaming a task function strands its queued jobs: keep names stable."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; one of {', '.join(QUEUES)}")

    def register(func: F) -> F:
        task_name = name or f"{func.__module__}.{func.__name__}"
        if task_name in TASKS and TASKS[task_name].func is not func:
            raise ValueError(f"task {task_name} is registered twice")
        TASKS[task_name] = Task(task_name, func, queue, priority, retry or Backoff(), periodic)
        return func

    return register


def spec(func_or_name: Callable[..., Any] | str) -> Task:
    """The registered task of a function or name; LookupError when there is none."""
    if isinstance(func_or_name, str):
        found = TASKS.get(func_or_name)
    else:
        found = next((t for t in TASKS.values() if t.func is func_or_name), None)
    if found is None:
        raise LookupError(f"{func_or_name!r} is not a registered task (decorate it with @jobs.task)")
    return found


def check_arguments(found: Task, kwargs: dict[str, Any]) -> None:
    """Permanent when the arguments do not fit the task's signature (a job from an older release, a typo)."""
    try:
        inspect.signature(found.func).bind(**kwargs)
    except TypeError as exc:
        raise Permanent(f"{found.name} cannot take {sorted(kwargs)}: {exc}") from exc


def defer(
    func_or_name: Callable[..., Any] | str,
    *,
    schedule_at: datetime | None = None,
    schedule_in: timedelta | None = None,
    priority: int | None = None,
    queue: str | None = None,
    lock: str | None = None,
    **kwargs: Any,
) -> int:
    """Queue a job on the current transaction's connection (or in its own statement outside one); its id.

    Arguments must be JSON values. ``lock``: jobs with the same lock never run at the same time.
    """
    found = spec(func_or_name)
    try:
        check_arguments(found, kwargs)
    except Permanent as exc:
        raise TypeError(str(exc)) from None  # at defer time this is a bug in the caller, not bad stored data
    if schedule_in is not None:
        schedule_at = datetime.now(UTC) + schedule_in
    return int(
        db.scalar(
            "jobs.defer",
            queue_name=queue or found.queue,
            task_name=found.name,
            priority=found.priority if priority is None else priority,
            lock=lock,
            queueing_lock=None,
            args=json.dumps(kwargs),
            scheduled_at=schedule_at.isoformat() if schedule_at else None,
        )
    )


# Every module that registers tasks; the worker imports them all.
TASK_MODULES = (
    "carsite.mail",
    "carsite.cars.pricing",
    "carsite.jobs.maintenance",
    "carsite.searches",
    "carsite.cars.follow",
    "carsite.selling.expiry",
    "carsite.contact.asking",
    "carsite.testdrives.drives",
    "carsite.messages.mailing",
    "carsite.orders.reservations",
)


def load_tasks() -> None:
    """Import every module that registers tasks, so the worker knows them all."""
    for module in TASK_MODULES:
        importlib.import_module(module)


__all__ = ["NO_RETRY", "QUEUES", "TASKS", "Backoff", "Permanent", "Task", "check_arguments", "defer", "spec", "task"]
