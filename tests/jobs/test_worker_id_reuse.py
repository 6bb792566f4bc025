"""A worker started under the id of a dead worker (an explicit `--worker-id`, reused after a
crash) recovers that worker's work at once: before the fix its heartbeat renewed the dead
worker's lease, and the lost work stayed "running" for ever. The workers here get a lease far
longer than the test, so only the new worker's start can recover anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus

from jobs.models import FailureKind, JobRun, RunStatus, WorkerHeartbeat
from tests.jobs import sample_tasks as t
from tests.jobs.harness import ENGINE, REDIS_URL, WORKERS, Workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
APPLY = "tests.jobs.sample_tasks.apply_effect"
TAKEN = "tests.jobs.sample_tasks.taken_then_lost"
WORKER_ID = "reused-worker"
WARNING = f"worker={WORKER_ID} started under the id of a previous worker that died holding 1 run"


@pytest.fixture
def pool(
    engine_settings: str, effect_tables: None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Workers]:
    if ENGINE == "rq":
        from redis import Redis

        Redis.from_url(REDIS_URL).flushdb()
    workers = Workers(
        engine=ENGINE, log_dir=tmp_path, extra_env={"JOBS_WORKER_LEASE_SECONDS": "600"}
    )
    try:
        yield workers
    finally:
        workers.stop_all()
        if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
            print(workers.logs())


def run_of(task_path: str, key: str) -> JobRun | None:
    return next(
        (r for r in JobRun.objects.filter(task_path=task_path) if r.kwargs.get("key") == key), None
    )


def restart_under_the_same_id(pool: Workers) -> None:
    """Kill the worker outright and start a new one with its id while the dead one's lease
    still stands, with (in the two-worker pass) another worker beside it."""
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(worker_id=WORKER_ID).exists(),
        what="the worker to hold a lease",
    )
    if WORKERS > 1:
        pool.start("bystander")
    pool.kill(WORKER_ID)
    pool.start(WORKER_ID)


def finished(task_path: str, key: str) -> JobRun:
    # Well inside the 600 s lease: only the restart can have recovered it.
    return wait_until(
        lambda: (r := run_of(task_path, key)) and r.status == RunStatus.SUCCEEDED and r,
        timeout=30,
        what=f"{task_path} {key} to succeed",
    )


def test_a_worker_restarted_with_a_dead_workers_id_recovers_its_running_task_once(pool):
    # Given a worker with an explicit id, holding a task whose effect has committed
    pool.start(WORKER_ID)
    result = t.apply_effect.enqueue(key="reused", hold_seconds=120)
    wait_until(lambda: t.effects("reused") == 1, what="the effect to commit")
    run = wait_until(
        lambda: (r := run_of(APPLY, "reused")) and r.status == RunStatus.RUNNING and r,
        what="the run to be marked running",
    )
    assert run.worker_id == WORKER_ID

    # When it is killed and a new worker starts under the same id
    restart_under_the_same_id(pool)

    # Then the task is recovered at once and run again, and the effect happened exactly once
    run = finished(APPLY, "reused")
    assert (run.attempts, run.recoveries, run.failure_kind) == (2, 1, FailureKind.LOST)
    assert run.return_value == "already applied"
    assert len(t.calls("reused")) == 2
    assert t.effects("reused") == 1
    # And the dead attempt's engine record is closed, and the new worker said what it did
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "jobs.retry.WorkerLost"
    assert WARNING in (pool.log_dir / f"{WORKER_ID}.log").read_text()


def test_a_worker_restarted_with_a_dead_workers_id_recovers_a_task_it_had_only_taken(pool):
    # Given a worker with an explicit id that took a task from the engine and died before
    # marking its run running (the sample tasks' hook stalls the first claim there)
    pool.start(WORKER_ID)
    result = t.taken_then_lost.enqueue(key="reused-taken")
    wait_until(lambda: t.calls("claimed:reused-taken"), what="the worker to take the task")
    result.refresh()
    assert (result.status, result.worker_ids[-1]) == (TaskResultStatus.RUNNING, WORKER_ID)
    assert run_of(TAKEN, "reused-taken").status == RunStatus.QUEUED

    # When it is killed and a new worker starts under the same id
    restart_under_the_same_id(pool)

    # Then the run is re-queued once and runs, with the effect once
    run = finished(TAKEN, "reused-taken")
    assert (run.attempts, run.recoveries) == (1, 1)
    assert len(t.calls("claimed:reused-taken")) == 2
    assert t.effects("reused-taken") == 1
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "jobs.retry.WorkerLost"
    assert WARNING in (pool.log_dir / f"{WORKER_ID}.log").read_text()


def test_a_second_live_worker_with_the_same_id_refuses_to_start(pool):
    # Given a live worker with an explicit id, holding a task
    original = pool.start(WORKER_ID)
    t.apply_effect.enqueue(key="held", hold_seconds=120)
    run = wait_until(
        lambda: (r := run_of(APPLY, "held")) and r.status == RunStatus.RUNNING and r,
        what="the run to be marked running",
    )

    # When a second worker is started under the same id while the first still beats
    duplicate = pool.start(WORKER_ID)
    pool.procs[WORKER_ID] = original
    code = duplicate.wait(timeout=30)

    # Then the second one refuses, saying why, and the first keeps its work
    assert code != 0
    log = (pool.log_dir / f"{WORKER_ID}.log").read_text()
    assert f"Worker id '{WORKER_ID}' belongs to a worker that is still running." in log
    assert original.poll() is None
    run.refresh_from_db()
    assert (run.status, run.attempts, run.recoveries) == (RunStatus.RUNNING, 1, 0)
    assert WARNING not in log
