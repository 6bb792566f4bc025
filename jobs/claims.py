"""What each engine holds as running, and on which worker: the records a dead worker leaves
behind. `jobs.runs.recover_lost_runs` reads them and closes the ones whose work it re-queues.

A worker can die after the engine handed it an attempt and before our JobRun heard of it
(django-tasks-db: the row is RUNNING; RQ: the job sits in StartedJobRegistry), so the engine's
record, not the JobRun, is the only trace of that attempt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.tasks import task_backends
from django.tasks.exceptions import InvalidTaskBackend

LOST_CLASS_PATH = "jobs.retry.WorkerLost"


@dataclass(frozen=True)
class Claim:
    """One attempt an engine says is running."""

    backend: str
    result_id: str
    worker_id: str
    started_at: datetime | None
    task_path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _engine(backend: Any) -> str:
    module = type(backend).__module__
    if module.startswith("django_tasks_db"):
        return "db"
    if module.startswith("jobs.rq_backend"):
        return "rq"
    return "other"


def running_claims() -> Iterator[Claim]:
    """Every attempt the configured engines hold as running."""
    for backend in task_backends.all():
        engine = _engine(backend)
        if engine == "db":
            yield from _db_claims(backend)
        elif engine == "rq":
            yield from _rq_claims(backend)


def close_claim(*, backend_alias: str, result_id: str, note: str, now: datetime) -> bool:
    """Mark a dead worker's attempt failed (`WorkerLost`) in the engine's own records, so it no
    longer shows as running. True when this call closed it (it was still running)."""
    try:
        backend = task_backends[backend_alias]
    except InvalidTaskBackend:  # an alias since removed from settings: nothing to close
        return False
    engine = _engine(backend)
    if engine == "db":
        from django_tasks_db.models import DBTaskResult

        return bool(
            DBTaskResult.objects.filter(id=result_id, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path=LOST_CLASS_PATH,
                traceback=note,
            )
        )
    if engine == "rq":
        return _close_rq(backend, result_id=result_id, note=note)
    return False


def _db_claims(backend: Any) -> Iterator[Claim]:
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(backend_name=backend.alias, status="RUNNING").only(
        "id", "worker_ids", "started_at", "task_path", "args_kwargs"
    )
    for row in rows:
        yield Claim(
            backend=backend.alias,
            result_id=str(row.id),
            worker_id=row.worker_ids[-1] if row.worker_ids else "",
            started_at=row.started_at,
            task_path=row.task_path,
            kwargs=dict((row.args_kwargs or {}).get("kwargs") or {}),
        )


def _rq_claims(backend: Any) -> Iterator[Claim]:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry
    from rq.serializers import JSONSerializer

    for queue_name in sorted(backend.queues):
        registry = StartedJobRegistry(
            queue_name, connection=backend.connection, serializer=JSONSerializer
        )
        for job_id, _execution_id in registry.get_job_and_execution_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=backend.connection, serializer=JSONSerializer)
            except NoSuchJobError:
                continue
            if job.get_status(refresh=False) != JobStatus.STARTED:
                continue
            task_path, _args, kwargs = job.args
            started = job.started_at  # RQ keeps naive UTC
            if started is not None and started.tzinfo is None:
                started = started.replace(tzinfo=UTC)
            yield Claim(
                backend=backend.alias,
                result_id=job.id,
                worker_id=job.worker_name or "",
                started_at=started,
                task_path=task_path,
                kwargs=dict(kwargs),
            )


def _close_rq(backend: Any, *, result_id: str, note: str) -> bool:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.job_lifecycle import record_job_failure
    from rq.registry import StartedJobRegistry
    from rq.serializers import JSONSerializer

    try:
        job = Job.fetch(result_id, connection=backend.connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return False
    if job.get_status(refresh=False) != JobStatus.STARTED:
        return False
    registry = StartedJobRegistry(
        job.origin, connection=backend.connection, serializer=JSONSerializer
    )
    job.meta["exception_class_path"] = LOST_CLASS_PATH
    job.save_meta()
    with backend.connection.pipeline() as pipeline:
        registry.remove_executions(job, pipeline=pipeline)
        record_job_failure(job, f"{LOST_CLASS_PATH}: {note}", pipeline)
        pipeline.execute()
    return True
