"""Every change to a JobRun: recorded on enqueue, moved by each attempt, retried with backoff,
failed with a reason, retried by staff, and re-queued when its worker died."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from traceback import format_exception
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.tasks import Task, TaskContext, TaskResult
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from jobs import claims
from jobs.models import FailureKind, JobRun, RunStatus, WorkerHeartbeat
from jobs.retry import RUN_KWARG, backoff_seconds, is_retrying, is_transient, reason
from syndication.errors import Conflict

log = logging.getLogger("jobs")


def _business(args: Any, kwargs: dict[str, Any]) -> str:
    """The ids a log line carries: `request_id=4 event_id=9`."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if k != RUN_KWARG]
    return " ".join(parts)


def on_task_enqueued(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    """Record a first enqueue as a queued run. Retries and re-queues carry their run already."""
    task_obj = task_result.task
    if not is_retrying(task_obj) or RUN_KWARG in task_result.kwargs:
        return
    _get_or_create_run(task_result)


def _get_or_create_run(task_result: TaskResult, **defaults: Any) -> JobRun:
    values = {
        "task_path": task_result.task.module_path,
        "args": normalize_json(list(task_result.args)),
        "kwargs": normalize_json(dict(task_result.kwargs)),
        "backend": task_result.backend,
        "queue_name": task_result.task.queue_name,
        "result_id": str(task_result.id),
        **defaults,
    }
    try:
        with transaction.atomic():
            run, _ = JobRun.objects.get_or_create(
                first_result_id=str(task_result.id), defaults=values
            )
    except IntegrityError:
        # The worker and the enqueuer recorded it at the same moment: the other row stands.
        run = JobRun.objects.get(first_result_id=str(task_result.id))
    return run


def _max_attempts(configured: int | None) -> int:
    return max(1, configured or settings.JOBS_RETRY_MAX_ATTEMPTS)


def attempt_started(
    *, task_result: TaskResult, run_id: int | None, max_attempts: int | None
) -> JobRun | None:
    """Mark the run as running in this attempt. None when the work is already done (a copy
    delivered twice, or re-queued while the first copy was finishing): the caller skips it."""
    worker = task_result.worker_ids[-1] if task_result.worker_ids else ""
    with transaction.atomic():
        if run_id is None:
            run_id = _get_or_create_run(task_result).pk
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.SUCCEEDED:
            return None
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.max_attempts = _max_attempts(max_attempts)
        run.result_id = str(task_result.id)
        run.worker_id = worker[:64]
        run.started_at = timezone.now()
        run.next_attempt_at = None
        run.save(
            update_fields=[
                "status",
                "attempts",
                "max_attempts",
                "result_id",
                "worker_id",
                "started_at",
                "next_attempt_at",
                "updated_at",
            ]
        )
    return run


def attempt_succeeded(*, run: JobRun, value: Any) -> None:
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        return_value=normalize_json(value),
        updated_at=timezone.now(),
    )


def attempt_failed(*, run: JobRun, exc: BaseException, kind: str) -> None:
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED,
        failure_kind=kind,
        error=reason(exc),
        traceback="".join(format_exception(exc))[-20000:],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _enqueue(run: JobRun, *, delay: float = 0.0) -> None:
    """Queue the run's task again with its original arguments, after `delay` seconds where the
    engine can defer (the inline engine runs it at once)."""
    task_obj: Task = import_string(run.task_path)
    task_obj = task_obj.using(backend=run.backend, queue_name=run.queue_name)
    if delay > 0 and task_obj.get_backend().supports_defer:
        task_obj = task_obj.using(run_after=timezone.now() + timedelta(seconds=delay))
    task_obj.enqueue(*run.args, **{**run.kwargs, RUN_KWARG: run.pk})


def schedule_retry(*, run: JobRun, exc: BaseException, delay: float) -> None:
    with transaction.atomic():
        JobRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RETRYING,
            failure_kind=FailureKind.TRANSIENT,
            error=reason(exc),
            traceback="".join(format_exception(exc))[-20000:],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue(run, delay=delay))


def run_attempt(
    func: Callable[..., Any],
    context: TaskContext,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    max_attempts: int | None,
) -> Any:
    """One attempt of a retrying task: the body of every `retrying_task`."""
    run_id = kwargs.pop(RUN_KWARG, None)
    result = context.task_result
    name = result.task.name
    ids = _business(args, kwargs)
    run = attempt_started(task_result=result, run_id=run_id, max_attempts=max_attempts)
    if run is None:
        log.info("task=%s result=%s %s already done; skipped", name, result.id, ids)
        return {"skipped": "already done"}
    where = f"task={name} run={run.pk} result={result.id} attempt={run.attempts}/{run.max_attempts}"
    log.info("%s %s started", where, ids)
    try:
        value = func(*args, **kwargs)
    except (KeyboardInterrupt, SystemExit):
        # The worker is being stopped: the run stays "running" until the lease re-queues it.
        raise
    except BaseException as exc:
        if not is_transient(exc):
            attempt_failed(run=run, exc=exc, kind=FailureKind.PERMANENT)
            log.error("%s %s failed, not retried: %s", where, ids, reason(exc))
            raise
        if run.attempts >= run.max_attempts:
            attempt_failed(run=run, exc=exc, kind=FailureKind.EXHAUSTED)
            log.error("%s %s failed after %s attempts: %s", where, ids, run.attempts, reason(exc))
            raise
        delay = backoff_seconds(run.attempts, retry_after=getattr(exc, "retry_after", None))
        log.warning("%s %s transient failure, retry in %.2fs: %s", where, ids, delay, reason(exc))
        schedule_retry(run=run, exc=exc, delay=delay)
        # This attempt ends well in the engine's eyes: the run, not the attempt, is the unit
        # staff follow, and the engine's "failed" list keeps only work that needs them.
        return {"retry_scheduled": {"run": run.pk, "attempt": run.attempts, "delay": delay}}
    attempt_succeeded(run=run, value=value)
    log.info("%s %s succeeded", where, ids)
    return value


def job_run_retry(*, run: JobRun, actor_label: str = "staff") -> JobRun:
    """Staff send a failed run round again, with a fresh budget of attempts."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.FAILED:
            raise Conflict(
                f"Only failed work can be retried; this run is {run.get_status_display().lower()}.",
                field="status",
                code="not_failed",
            )
        run.status = RunStatus.QUEUED
        run.attempts = 0
        run.finished_at = None
        run.save(update_fields=["status", "attempts", "finished_at", "updated_at"])
        log.info("task=%s run=%s retried by %s", run.task_name, run.pk, actor_label)
        transaction.on_commit(lambda: _enqueue(run))
    return run


# ---------------------------------------------------------------------------------------------
# Leases: a worker that stopped beating left its running work behind
# ---------------------------------------------------------------------------------------------


def heartbeat(*, worker_id: str, engine: str, hostname: str, pid: int) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"engine": engine, "hostname": hostname, "pid": pid, "last_seen": timezone.now()},
    )


def recover_lost_runs(*, now: Any = None) -> int:
    """Re-queue work whose worker died, mid-task or between taking an attempt from the engine
    and marking the run running. Safe in every worker at once: each run is taken back by one
    conditional update, so exactly one recoverer re-queues it."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.JOBS_WORKER_LEASE_SECONDS)
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_seen"))
    orphan_before = now - timedelta(seconds=settings.JOBS_ORPHAN_AFTER_SECONDS)

    def gone(worker_id: str, started_at: Any) -> bool:
        seen = beats.get(worker_id)
        if seen is not None:
            return seen < now - lease
        # No heartbeat at all (a plain db_worker): only after a long while.
        return started_at is not None and started_at < orphan_before

    recovered = _recover(gone, now=now)
    # Heartbeats of workers gone for a day are history.
    WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
    return recovered


def recover_previous_incarnation(*, worker_id: str, now: Any = None) -> int:
    """A worker starting under an id that still holds work: a previous worker with the same id
    (an explicit `--worker-id`, reused after a crash) died holding it. Worker ids are unique
    among live workers, so that work is lost now; without this the new worker's heartbeat would
    renew the dead one's lease for ever and nobody would recover it. Called before the first
    heartbeat; the same conditional updates as recover_lost_runs, so exactly one recoverer wins.
    Returns how many runs were re-queued."""
    if not worker_id:
        return 0
    now = now or timezone.now()
    run_worker_id = worker_id[: JobRun._meta.get_field("worker_id").max_length]

    def mine(held_by: str, started_at: Any) -> bool:
        return held_by in (worker_id, run_worker_id)

    return _recover(mine, now=now)


def _recover(gone: Callable[[str, Any], bool], *, now: Any) -> int:
    """Re-queue running work, and close engine claims, held by workers `gone` says are dead."""
    recovered = 0
    for run in JobRun.objects.filter(status=RunStatus.RUNNING).only(
        "pk", "worker_id", "result_id", "started_at", "task_path", "backend"
    ):
        if gone(run.worker_id, run.started_at) and _requeue_lost(run, now=now):
            recovered += 1
    # Attempts a dead worker took from the engine but never marked: their runs still say queued
    # (or waiting to retry), and only the engine's record shows the attempt was taken.
    for claim in claims.running_claims():
        if gone(claim.worker_id, claim.started_at) and _recover_claim(claim, now=now):
            recovered += 1
    return recovered


def _take_back(
    matching: QuerySet[JobRun], run_pk: int, *, note: str, now: Any, **changes: Any
) -> bool:
    """Re-queue a lost run if `matching` (the run under the condition its recoverer read it in)
    still matches: one conditional update, so of several recoverers exactly one wins. Called
    inside the recoverer's transaction; the task is queued again after its commit."""
    taken = matching.update(
        status=RunStatus.QUEUED,
        failure_kind=FailureKind.LOST,
        error=note,
        recoveries=F("recoveries") + 1,
        updated_at=now,
        **changes,
    )
    if not taken:
        return False
    fresh = JobRun.objects.get(pk=run_pk)
    transaction.on_commit(lambda: _enqueue(fresh))
    return True


def _requeue_lost(run: JobRun, *, now: Any) -> bool:
    note = f"Worker {run.worker_id or '?'} stopped during attempt {run.result_id}; re-queued."
    with transaction.atomic():
        still_running = JobRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, result_id=run.result_id
        )
        if not _take_back(still_running, run.pk, note=note, now=now):
            return False
        claims.close_claim(backend_alias=run.backend, result_id=run.result_id, note=note, now=now)
    log.warning("task=%s run=%s %s", run.task_name, run.pk, note)
    return True


def _recover_claim(claim: claims.Claim, *, now: Any) -> bool:
    """A dead worker's attempt that the engine still shows as running. Its run is re-queued
    when the attempt never got as far as marking it running; otherwise (a run that moved on, or
    an untracked task) the engine's record is only closed. True when the run was re-queued."""
    run_id = claim.kwargs.get(RUN_KWARG)
    runs = JobRun.objects.filter(pk=run_id) if run_id else JobRun.objects.none()
    run = runs.first() or JobRun.objects.filter(first_result_id=claim.result_id).first()
    if run is not None and run.status == RunStatus.RUNNING and run.result_id == claim.result_id:
        return False  # marked running: the first pass owns it
    waiting = run is not None and run.status in (RunStatus.QUEUED, RunStatus.RETRYING)
    note = (
        f"Worker {claim.worker_id or '?'} stopped after taking attempt {claim.result_id}, "
        "before it started; re-queued."
        if waiting
        else f"Worker {claim.worker_id or '?'} stopped during attempt {claim.result_id}."
    )
    with transaction.atomic():
        if waiting:
            assert run is not None
            # The run as read is the version: a second recoverer, or a copy of the task that
            # started meanwhile, changes one of these and this update matches nothing.
            as_read = JobRun.objects.filter(
                pk=run.pk, status=run.status, attempts=run.attempts, recoveries=run.recoveries
            )
            if not _take_back(
                as_read,
                run.pk,
                note=note,
                now=now,
                result_id=claim.result_id,
                next_attempt_at=None,
            ):
                return False
        closed = claims.close_claim(
            backend_alias=claim.backend, result_id=claim.result_id, note=note, now=now
        )
    if waiting:
        assert run is not None
        log.warning("task=%s run=%s %s", run.task_name, run.pk, note)
    elif closed:
        log.warning("task_path=%s result=%s %s Closed.", claim.task_path, claim.result_id, note)
    return waiting
