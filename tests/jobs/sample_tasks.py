"""Tasks the worker tests run: a business effect keyed uniquely in the database (exactly once
by a primary key), and a log of every call, so a test can count attempts across processes.
Importing this module (as a worker does to run one of them) also connects the test hook that
stalls `taken_then_lost` between the engine's claim and the start of its attempt."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.tasks import TaskResult
from django.tasks.signals import task_started

from jobs.retry import PermanentError, retrying_task

TABLES = (
    "CREATE TABLE IF NOT EXISTS jobs_test_effect"
    " (key VARCHAR(100) PRIMARY KEY, at DOUBLE PRECISION)",
    "CREATE TABLE IF NOT EXISTS jobs_test_call (key VARCHAR(100), at DOUBLE PRECISION)",
)


def create_tables() -> None:
    with connection.cursor() as cursor:
        for sql in TABLES:
            cursor.execute(sql)


def clear_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM jobs_test_effect")
        cursor.execute("DELETE FROM jobs_test_call")


def _record_call(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO jobs_test_call (key, at) VALUES (%s, %s)", [key, time.time()])
        cursor.execute("SELECT COUNT(*) FROM jobs_test_call WHERE key = %s", [key])
        return cursor.fetchone()[0]


def _apply_effect(key: str) -> bool:
    """The business effect: one row per key, whatever the number of runs. True if new."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jobs_test_effect (key, at) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            [key, time.time()],
        )
        return cursor.rowcount == 1


def effects(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM jobs_test_effect WHERE key = %s", [key])
        return cursor.fetchone()[0]


def calls(key: str) -> list[float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT at FROM jobs_test_call WHERE key = %s ORDER BY at", [key])
        return [row[0] for row in cursor.fetchall()]


def calls_per_key(prefix: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key, COUNT(*) FROM jobs_test_call WHERE key LIKE %s GROUP BY key",
            [prefix + "%"],
        )
        return dict(cursor.fetchall())


def effects_count(prefix: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM jobs_test_effect WHERE key LIKE %s", [prefix + "%"])
        return cursor.fetchone()[0]


@retrying_task
def apply_effect(key: str, hold_seconds: float = 0) -> str:
    """Apply the effect, then (only when it was new) hold, so a test can kill the worker after
    the effect committed and before the task is marked done."""
    _record_call(key)
    created = _apply_effect(key)
    if created and hold_seconds:
        time.sleep(hold_seconds)
    return "applied" if created else "already applied"


@retrying_task(max_attempts=5)
def flaky(key: str, failures: int) -> str:
    """Fails with a network error on its first `failures` calls, then applies the effect."""
    if _record_call(key) <= failures:
        raise ConnectionError("partner endpoint reset the connection")
    _apply_effect(key)
    return "applied"


@retrying_task(max_attempts=5)
def bad_data(key: str) -> str:
    _record_call(key)
    raise PermanentError(f"licence {key} has no article revision")


@retrying_task
def taken_then_lost(key: str) -> str:
    """Applies the effect; the first worker handed it stalls before this body (below)."""
    _record_call(key)
    return "applied" if _apply_effect(key) else "already applied"


def _stall_first_claim(sender: object, task_result: TaskResult, **kwargs: object) -> None:
    """Test hook, in the worker: Django's `task_started` fires after the engine marked the
    attempt running for this worker and before `retrying_task` marks its JobRun running. The
    first claim of each key stalls there, so a test can kill the worker in that window."""
    if task_result.task.name != "taken_then_lost":
        return
    if _record_call(f"claimed:{task_result.kwargs['key']}") == 1:
        time.sleep(120)


task_started.connect(_stall_first_claim, dispatch_uid="tests.jobs.stall_first_claim")
