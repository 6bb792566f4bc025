"""Real workers, real engine: work queued in a rolled-back transaction never runs, a transient
failure is retried after backoff, a permanent one is not, a worker killed mid-task (or between
taking a task and starting it) leaves its work to be picked up again with the business effect
applied exactly once, and many tasks across workers each run once."""

from __future__ import annotations

import time
from functools import partial

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus

from jobs.models import FailureKind, JobRun, RunStatus, WorkerHeartbeat
from tests.jobs import sample_tasks as t
from tests.jobs.harness import LEASE_SECONDS, RETRY_BASE_SECONDS, WORKERS, Workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
APPLY = "tests.jobs.sample_tasks.apply_effect"
TAKEN = "tests.jobs.sample_tasks.taken_then_lost"


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


def leases_renewed(workers: Workers) -> None:
    """Wait until every live worker has beaten since the database was emptied for this test."""
    for worker_id in workers.alive():
        wait_until(
            lambda wid=worker_id: WorkerHeartbeat.objects.filter(worker_id=wid).exists(),
            what=f"worker {worker_id} to renew its lease",
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
        workers.start(f"test-worker-replacement-{time.monotonic_ns()}")

    # Then, once the dead worker's lease has run out, another worker runs it again
    run = finished_run(APPLY, timeout=LEASE_SECONDS + 20, key="crash")
    assert run.status == RunStatus.SUCCEEDED
    assert run.recoveries == 1
    assert run.attempts == 2
    assert run.return_value == "already applied"
    # And the business effect happened exactly once, though the task ran twice
    assert len(t.calls("crash")) == 2
    assert t.effects("crash") == 1


def test_a_worker_killed_after_taking_a_task_and_before_starting_it_leaves_it_to_be_picked_up(
    workers, show_worker_logs
):
    # Given a task that a worker has taken from the engine and not yet started: the engine
    # says it is running on that worker, the run still says queued (the sample tasks' hook
    # stalls the first claim in that window)
    result = t.taken_then_lost.enqueue(key="taken")
    wait_until(lambda: t.calls("claimed:taken"), what="a worker to take the task")
    result.refresh()
    assert result.status == TaskResultStatus.RUNNING
    [worker_id] = result.worker_ids[-1:]
    run = run_of(TAKEN, key="taken")
    assert (run.status, run.attempts) == (RunStatus.QUEUED, 0)
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(worker_id=worker_id).exists(),
        what=f"worker {worker_id} to renew its lease",
    )

    # When that worker is killed outright
    workers.kill(worker_id)
    if not workers.alive():
        workers.start(f"test-worker-replacement-{time.monotonic_ns()}")

    # Then, once its lease has run out, the run is re-queued once and another worker runs it
    run = finished_run(TAKEN, timeout=LEASE_SECONDS + 20, key="taken")
    assert run.status == RunStatus.SUCCEEDED
    assert (run.attempts, run.recoveries) == (1, 1)
    assert run.return_value == "applied"
    assert len(t.calls("claimed:taken")) == 2
    assert len(t.calls("taken")) == 1
    assert t.effects("taken") == 1
    # And the engine's record of the lost attempt is closed as failed, not running for ever
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "jobs.retry.WorkerLost"


def test_many_tasks_across_the_workers_each_run_exactly_once(workers, show_worker_logs):
    # Given every worker polling (and with two, both claiming from the same queue)
    leases_renewed(workers)
    keys = [f"many-{n:03}" for n in range(200)]

    # When 200 tasks are queued at one commit
    with transaction.atomic():
        for key in keys:
            transaction.on_commit(partial(t.apply_effect.enqueue, key=key))

    # Then every one ran to success, once, in one attempt
    def runs() -> list[JobRun]:
        return [
            r
            for r in JobRun.objects.filter(task_path=APPLY)
            if str(r.kwargs.get("key", "")).startswith("many-")
        ]

    wait_until(
        lambda: sum(r.status == RunStatus.SUCCEEDED for r in runs()) == len(keys),
        timeout=90,
        what="200 tasks to succeed",
    )
    done = runs()
    assert sorted(r.kwargs["key"] for r in done) == keys
    assert {(r.attempts, r.recoveries) for r in done} == {(1, 0)}
    assert t.calls_per_key("many-") == dict.fromkeys(keys, 1)
    assert t.effects_count("many-") == len(keys)
    # And with two workers, both took a share
    if WORKERS > 1:
        assert len({r.worker_id for r in done}) == WORKERS
