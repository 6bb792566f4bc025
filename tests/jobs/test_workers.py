"""Real workers, real engine: work queued in a rolled-back transaction never runs, a transient
failure is retried after backoff, a permanent one is not, and a worker killed mid-task leaves
its work to be picked up again with the business effect applied exactly once."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus

from jobs.models import FailureKind, JobRun, RunStatus, WorkerHeartbeat
from tests.jobs import sample_tasks as t
from tests.jobs.harness import LEASE_SECONDS, RETRY_BASE_SECONDS, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
APPLY = "tests.jobs.sample_tasks.apply_effect"


def run_of(task_path: str, **kwargs) -> JobRun | None:
    for run in JobRun.objects.filter(task_path=task_path).order_by("pk"):
        if all(run.kwargs.get(k) == v for k, v in kwargs.items()):
            return run
    return None


def finished_run(task_path: str, timeout: float = 25, **kwargs) -> JobRun:
    return wait_until(
        lambda: (
            (run := run_of(task_path, **kwargs))
            and run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
            and run
        ),
        timeout=timeout,
        what=f"{task_path} {kwargs} to finish",
    )


def test_a_task_enqueued_in_a_transaction_that_rolls_back_never_runs(workers, show_worker_logs):
    # Given a task queued on commit inside a transaction that then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: t.apply_effect.enqueue(key="rolled-back"))
        raise RuntimeError("the request failed validation")
    # And a task queued after it, in a transaction that commits
    with transaction.atomic():
        transaction.on_commit(lambda: t.apply_effect.enqueue(key="committed"))

    # When the worker has run the committed one
    assert finished_run(APPLY, key="committed").status == RunStatus.SUCCEEDED

    # Then the rolled-back one was never queued, so never ran
    time.sleep(0.5)
    assert run_of(APPLY, key="rolled-back") is None
    assert t.calls("rolled-back") == []
    assert t.effects("rolled-back") == 0
    assert t.effects("committed") == 1


def test_two_transient_failures_then_success_end_succeeded_after_backoff(workers, show_worker_logs):
    # Given a task whose first two calls hit a network error
    t.flaky.enqueue(key="flaky", failures=2)

    # When the workers have run it to the end
    run = finished_run("tests.jobs.sample_tasks.flaky", key="flaky")

    # Then it succeeded on the third attempt, and applied its effect once
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts == 3
    assert run.failure_kind == FailureKind.TRANSIENT
    assert "ConnectionError: partner endpoint reset the connection" in run.error
    assert t.effects("flaky") == 1
    # And each retry waited at least the fixed half of its exponential backoff
    first, second, third = t.calls("flaky")
    assert second - first >= RETRY_BASE_SECONDS / 2
    assert third - second >= RETRY_BASE_SECONDS


def test_a_permanent_error_fails_at_once_with_its_reason(workers, show_worker_logs):
    # Given a task that meets bad data
    result = t.bad_data.enqueue(key="LIC-1")

    # When a worker has run it
    run = finished_run("tests.jobs.sample_tasks.bad_data", key="LIC-1")

    # Then it failed after one attempt with the reason staff will read
    assert run.status == RunStatus.FAILED
    assert run.failure_kind == FailureKind.PERMANENT
    assert run.attempts == 1
    assert run.error == ("jobs.retry.PermanentError: licence LIC-1 has no article revision")
    # And it is never retried, and the engine's own record says it failed
    time.sleep(RETRY_BASE_SECONDS * 3)
    assert len(t.calls("LIC-1")) == 1
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "jobs.retry.PermanentError"


def test_a_worker_killed_mid_task_leaves_it_to_be_picked_up_and_the_effect_happens_once(
    workers, show_worker_logs
):
    # Given a task that has applied its effect and is still holding (not yet marked done)
    t.apply_effect.enqueue(key="crash", hold_seconds=60)
    wait_until(lambda: t.effects("crash") == 1, what="the effect to commit")
    run = wait_until(
        lambda: (r := run_of(APPLY, key="crash")) and r.status == RunStatus.RUNNING and r,
        what="the run to be marked running",
    )

    # And its worker holds a lease (the test database is emptied between tests, heartbeats
    # included, so a worker renews its row on its next housekeeping tick, not at once)
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(worker_id=run.worker_id).exists(),
        what=f"worker {run.worker_id} to renew its lease",
    )

    # When its worker is killed outright
    workers.kill(run.worker_id)
    if not workers.alive():
        workers.start("test-worker-replacement")

    # Then, once the dead worker's lease has run out, another worker runs it again
    run = finished_run(APPLY, timeout=LEASE_SECONDS + 20, key="crash")
    assert run.status == RunStatus.SUCCEEDED
    assert run.recoveries == 1
    assert run.attempts == 2
    assert run.return_value == "already applied"
    # And the business effect happened exactly once, though the task ran twice
    assert len(t.calls("crash")) == 2
    assert t.effects("crash") == 1
