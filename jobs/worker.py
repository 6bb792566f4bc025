"""Running tasks: one worker process for the configured engine, with a housekeeping thread that
renews this worker's lease, re-queues work left by dead workers and runs the scheduler."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.tasks import task_backends
from django.utils import timezone
from django.utils.crypto import get_random_string

from jobs import runs, schedule
from jobs.models import WorkerHeartbeat

log = logging.getLogger("jobs")


def engine_of(alias: str = "default") -> str:
    module = type(task_backends[alias]).__module__
    if module.startswith("django_tasks_db"):
        return "db"
    if module.startswith("jobs.rq_backend"):
        return "rq"
    return "immediate"


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


class WorkerIdInUse(RuntimeError):
    """Another live worker already beats under this id."""


def _last_seen(worker_id: str) -> Any:
    return (
        WorkerHeartbeat.objects.filter(worker_id=worker_id)
        .values_list("last_seen", flat=True)
        .first()
    )


def refuse_a_live_namesake(worker_id: str) -> None:
    """A worker taking the id of one that beat recently waits a few housekeeping ticks: if the
    heartbeat moves, that worker is alive and two workers would share one lease (each would
    recover the other's work), so this one refuses to start; if it stays still, it was a dead
    predecessor and its work is recovered next."""
    first = _last_seen(worker_id)
    if first is None:
        return
    lease = settings.JOBS_WORKER_LEASE_SECONDS
    if (timezone.now() - first).total_seconds() >= lease:
        return
    tick = settings.JOBS_HOUSEKEEPING_SECONDS
    log.info("worker=%s was seen %s ago; checking it is not still alive", worker_id, first)
    deadline = time.monotonic() + 2 * tick + 1
    while time.monotonic() < deadline:
        time.sleep(min(tick / 2, 1.0))
        if _last_seen(worker_id) != first:
            connection.close()
            raise WorkerIdInUse(
                f"Worker id {worker_id!r} belongs to a worker that is still running. "
                "Give each worker its own --worker-id (or leave it out for an automatic one)."
            )
    connection.close()


class Housekeeper(threading.Thread):
    """Beats this worker's heart, recovers lost work and starts due periodic jobs."""

    def __init__(self, *, worker_id: str, engine: str, scheduler: bool) -> None:
        super().__init__(name="jobs-housekeeping", daemon=True)
        self.worker_id = worker_id
        self.engine = engine
        self.scheduler = scheduler
        self.stopping = threading.Event()

    def tick(self) -> None:
        try:
            runs.heartbeat(
                worker_id=self.worker_id,
                engine=self.engine,
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
            )
            runs.recover_lost_runs()
            if self.scheduler:
                schedule.run_due(claimed_by=self.worker_id)
        except Exception:
            log.exception("worker=%s housekeeping failed; trying again next tick", self.worker_id)
        finally:
            # This thread's own connection: never held open between ticks.
            connection.close()

    def run(self) -> None:
        while not self.stopping.wait(settings.JOBS_HOUSEKEEPING_SECONDS):
            self.tick()


def run_worker(
    *,
    worker_id: str,
    queue_names: list[str],
    interval: float = 0.5,
    burst: bool = False,
    max_tasks: int | None = None,
    scheduler: bool = True,
    startup_delay: bool = True,
) -> None:
    engine = engine_of()
    if engine == "immediate":
        log.warning("TASKS runs tasks inline: there is nothing for a worker to do.")
        return
    refuse_a_live_namesake(worker_id)
    _recover_previous_incarnation(worker_id)
    keeper = Housekeeper(worker_id=worker_id, engine=engine, scheduler=scheduler)
    keeper.tick()
    connection.close()
    keeper.start()
    log.info("worker=%s engine=%s queues=%s started", worker_id, engine, ",".join(queue_names))
    try:
        if engine == "db":
            _run_db(
                worker_id,
                queue_names,
                interval=interval,
                burst=burst,
                max_tasks=max_tasks,
                startup_delay=startup_delay,
            )
        else:
            _run_rq(worker_id, queue_names, burst=burst, max_tasks=max_tasks)
    finally:
        keeper.stopping.set()


def _recover_previous_incarnation(worker_id: str) -> None:
    """Before this worker's first heartbeat: work still held under its id was left by an earlier
    worker with the same id, which is dead (a live one would make two workers share a lease),
    so it is recovered now instead of being kept "running" by this worker's renewed lease."""
    recovered = runs.recover_previous_incarnation(worker_id=worker_id)
    connection.close()
    if recovered:
        log.warning(
            "worker=%s started under the id of a previous worker that died holding %s run(s); "
            "recovered them. Worker ids must be unique: never give two live workers the same "
            "--worker-id.",
            worker_id,
            recovered,
        )


def _run_db(
    worker_id: str,
    queue_names: list[str],
    *,
    interval: float,
    burst: bool,
    max_tasks: int | None,
    startup_delay: bool,
) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=queue_names,
        interval=interval,
        batch=burst,
        backend_name="default",
        startup_delay=startup_delay and not burst,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _run_rq(worker_id: str, queue_names: list[str], *, burst: bool, max_tasks: int | None) -> None:
    from rq.serializers import JSONSerializer
    from rq.worker import SimpleWorker

    backend: Any = task_backends["default"]
    # One process, no fork per job: Django's connections stay in the process that opened them.
    worker = SimpleWorker(
        [backend.queue(name) for name in queue_names],
        connection=backend.connection,
        serializer=JSONSerializer,
        name=worker_id,
    )
    if worker.connection.exists(worker.key) and not worker.connection.hexists(worker.key, "death"):
        # RQ refuses to start a worker whose name a live-looking record holds; that record is a
        # dead previous worker with this id (its work was recovered above), so end it.
        log.warning(
            "worker=%s RQ still listed a previous worker with this id; marked dead", worker_id
        )
        worker.register_death()
    worker.work(burst=burst, max_jobs=max_tasks, with_scheduler=True, logging_level="WARNING")
