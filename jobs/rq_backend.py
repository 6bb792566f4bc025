"""A Django tasks backend on Redis through RQ, written on `django.tasks` itself.

django-tasks-rq 0.12 subclasses the `django_tasks` backport: on Django 6.1 it builds backport
Task and TaskResult objects and sends the backport's signals, so `django.tasks` code never hears
of its work (docs/tasks.md). This one is small: jobs are stored as JSON (task path, args,
kwargs), run by `manage.py worker` (an RQ SimpleWorker plus the scheduler for deferred jobs), and
read back as `django.tasks.TaskResult`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.tasks import TaskContext, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

STATUS = {
    "queued": TaskResultStatus.READY,
    "deferred": TaskResultStatus.READY,
    "scheduled": TaskResultStatus.READY,
    "started": TaskResultStatus.RUNNING,
    "finished": TaskResultStatus.SUCCESSFUL,
    "failed": TaskResultStatus.FAILED,
    "stopped": TaskResultStatus.FAILED,
    "canceled": TaskResultStatus.FAILED,
}
# How long RQ keeps results; our JobRun rows are the lasting record.
RESULT_TTL = 7 * 24 * 3600


class RQBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.url = self.options.get("url", "redis://127.0.0.1:6379/0")
        self.job_timeout = int(self.options.get("job_timeout", 600))

    @cached_property
    def connection(self) -> Any:
        from redis import Redis

        return Redis.from_url(self.url)

    def queue(self, name: str) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        return Queue(name, connection=self.connection, serializer=JSONSerializer)

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        args = normalize_json(list(args))
        kwargs = normalize_json(dict(kwargs))
        result: TaskResult = TaskResult(
            task=task,
            id=str(uuid.uuid4()),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = self.queue(task.queue_name)
        job = queue.create_job(
            "jobs.rq_backend.execute",
            args=[task.module_path, args, kwargs],
            job_id=result.id,
            timeout=self.job_timeout,
            result_ttl=RESULT_TTL,
            failure_ttl=RESULT_TTL,
            meta={"backend": self.alias, "priority": task.priority},
            description=task.module_path,
        )
        if task.run_after is not None:
            # RQ scores scheduled jobs in whole seconds, truncated, so a job due at 12.6 s would
            # move at 12.0 s: round up, so a retry never comes before its backoff.
            run_after = task.run_after
            if run_after.microsecond:
                run_after = run_after.replace(microsecond=0) + timedelta(seconds=1)
            queue.schedule_job(job, run_after)
        else:
            queue.enqueue_job(job, at_front=task.priority > 0)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.serializers import JSONSerializer

        try:
            job = Job.fetch(str(result_id), connection=self.connection, serializer=JSONSerializer)
        except NoSuchJobError as exc:
            raise TaskResultDoesNotExist(result_id) from exc
        return job_to_result(job, alias=self.alias)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def job_to_result(job: Any, *, alias: str, running_on: str = "") -> TaskResult:
    task_path, args, kwargs = job.args
    task_obj = import_string(task_path)
    rq_status = job.get_status(refresh=False)
    status = STATUS.get(getattr(rq_status, "value", rq_status) or "queued", TaskResultStatus.READY)
    errors = []
    return_value = None
    latest = job.latest_result() if status != TaskResultStatus.RUNNING else None
    if latest is not None and status == TaskResultStatus.FAILED:
        errors.append(
            TaskError(
                exception_class_path=job.meta.get("exception_class_path", "builtins.Exception"),
                traceback=latest.exc_string or "",
            )
        )
    elif latest is not None and status == TaskResultStatus.SUCCESSFUL:
        return_value = latest.return_value
    worker = running_on or job.worker_name or ""
    result: TaskResult = TaskResult(
        task=task_obj.using(backend=alias, queue_name=job.origin),
        id=job.id,
        status=status,
        enqueued_at=_aware(job.enqueued_at) or _aware(job.created_at),
        started_at=_aware(job.started_at),
        last_attempted_at=_aware(job.started_at),
        finished_at=_aware(job.ended_at),
        args=list(args),
        kwargs=dict(kwargs),
        backend=alias,
        errors=errors,
        worker_ids=[worker] if worker else [],
    )
    object.__setattr__(result, "_return_value", return_value)
    return result


def execute(task_path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """What the RQ worker runs: the Django task, with its context and Django's signals."""
    from django.db import close_old_connections
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        raise RuntimeError("jobs.rq_backend.execute runs only inside an RQ worker")
    alias = job.meta.get("backend", "default")
    result = job_to_result(job, alias=alias, running_on=job.worker_name or "")
    object.__setattr__(result, "status", TaskResultStatus.RUNNING)
    task_obj = result.task
    backend_type = type(task_obj.get_backend())
    close_old_connections()
    task_started.send(sender=backend_type, task_result=result)
    try:
        if task_obj.takes_context:
            value = task_obj.call(TaskContext(task_result=result), *args, **kwargs)
        else:
            value = task_obj.call(*args, **kwargs)
        value = normalize_json(value)
    except BaseException as exc:
        job.meta["exception_class_path"] = f"{type(exc).__module__}.{type(exc).__qualname__}"
        job.save_meta()
        object.__setattr__(result, "status", TaskResultStatus.FAILED)
        task_finished.send(sender=backend_type, task_result=result)
        raise
    finally:
        close_old_connections()
    object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
    object.__setattr__(result, "_return_value", value)
    task_finished.send(sender=backend_type, task_result=result)
    return value
