"""The one retry helper: `retrying_task` declares a Django task whose transient failures are
retried with exponential backoff and jitter, and whose permanent failures fail at once.

Django's tasks API has no retries, so a retry is a new enqueue of the same task and arguments
with `run_after` (the engine's defer), linked to the same `JobRun` by one reserved keyword."""

from __future__ import annotations

import logging
import random
import smtplib
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.tasks import Task, TaskContext, task

log = logging.getLogger("jobs")

# The reserved keyword that carries a retry or re-queue back to its JobRun.
RUN_KWARG = "_job_run"
MARKER = "_jobs_retrying"


class TransientError(Exception):
    """Raise for a failure that may pass by itself (an outside service said "later")."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """Raise for a failure that no retry can mend (bad data, a refused request)."""


class WorkerLost(Exception):
    """The worker running an attempt stopped beating; the run was re-queued."""


# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available; class 08 is a lost
# connection.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}
_extra_transient: list[Callable[[BaseException], bool]] = []


def register_transient(predicate: Callable[[BaseException], bool]) -> None:
    """Let an app teach the helper its client's transient errors (billing: Stripe's)."""
    if predicate not in _extra_transient:
        _extra_transient.append(predicate)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status an outside-service error carries, whatever the client library."""
    for value in (
        getattr(exc, "status_code", None),
        getattr(exc, "http_status", None),
        getattr(getattr(exc, "response", None), "status_code", None),
        getattr(exc, "code", None) if hasattr(exc, "headers") else None,
    ):
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, PermanentError):
        return False
    if isinstance(exc, TransientError):
        return True
    status = http_status(exc)
    if status is not None:
        return status in (408, 429) or status >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(
        exc, ConnectionError | TimeoutError | socket.gaierror | smtplib.SMTPServerDisconnected
    ):
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        cause = exc.__cause__
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if sqlstate:
            return sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith("08")
        return "locked" in str(exc).lower() or isinstance(exc, InterfaceError)
    return any(predicate(exc) for predicate in _extra_transient)


def reason(exc: BaseException) -> str:
    """One line staff can read: the exception's class and message."""
    message = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {message}"[:1000]


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """Delay before the attempt after `attempt`: exponential, capped, with "equal jitter" (half
    fixed, half random) so a burst of failures does not come back as a burst."""
    base = settings.JOBS_RETRY_BASE_SECONDS
    ceiling = min(settings.JOBS_RETRY_MAX_DELAY_SECONDS, base * 2 ** max(attempt - 1, 0))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not security)
    return max(delay, retry_after or 0.0)


def retrying_task(
    function: Callable[..., Any] | None = None,
    *,
    max_attempts: int | None = None,
    priority: int = 0,
    queue_name: str = "default",
    backend: str = "default",
) -> Any:
    """Declare a task like `django.tasks.task`, with retries, a JobRun and logging around it.

        @retrying_task(max_attempts=5)
        def deliver(order_id: int) -> None: ...

    The result is a plain `django.tasks.Task`: `deliver.enqueue(order_id=1)` on any engine.
    `max_attempts` defaults to settings.JOBS_RETRY_MAX_ATTEMPTS, read when the task runs."""

    def decorate(func: Callable[..., Any]) -> Task:
        def run(context: TaskContext, *args: Any, **kwargs: Any) -> Any:
            from jobs.runs import run_attempt

            return run_attempt(func, context, args, kwargs, max_attempts=max_attempts)

        # The engine imports the task by this path, so the wrapper must carry the function's
        # name; no __wrapped__, or Django would read the inner signature (no `context`).
        run.__module__ = func.__module__
        run.__name__ = func.__name__
        run.__qualname__ = func.__qualname__
        run.__doc__ = func.__doc__
        setattr(run, MARKER, True)
        setattr(run, "inner", func)  # noqa: B010 (tests and callers may run it directly)
        return task(
            run, priority=priority, queue_name=queue_name, backend=backend, takes_context=True
        )

    if function is not None:
        return decorate(function)
    return decorate


def is_retrying(task_obj: Task) -> bool:
    return bool(getattr(task_obj.func, MARKER, False))
