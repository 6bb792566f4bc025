"""Periodic jobs: the registry (settings.JOBS_SCHEDULES plus what apps register) and the
scheduler that enqueues each job once per period, however many schedulers run."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from jobs.models import ScheduleSlot

log = logging.getLogger("jobs")


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str  # dotted path to a django.tasks.Task taking no arguments
    every_seconds: int

    def slot(self, now: datetime) -> int:
        return int(now.timestamp() // self.every_seconds)


_registered: dict[str, Schedule] = {}


def register(schedule: Schedule) -> None:
    """The hook point for apps (from `AppConfig.ready`), e.g. billing's payment reconciliation."""
    _registered[schedule.name] = schedule


def schedules() -> list[Schedule]:
    configured = [Schedule(**entry) for entry in settings.JOBS_SCHEDULES]
    by_name = {s.name: s for s in configured} | _registered
    return list(by_name.values())


def run_due(
    *,
    now: datetime | None = None,
    inline: bool = False,
    claimed_by: str = "",
    only: set[str] | None = None,
) -> list[str]:
    """Enqueue (or, with inline, run here) every job whose current period is unclaimed.
    Returns the names it started. The claim and the enqueue commit together."""
    now = now or timezone.now()
    started = []
    for schedule in schedules():
        if only is not None and schedule.name not in only:
            continue
        try:
            task_obj: Task = import_string(schedule.task)
        except ImportError:
            log.warning(
                "schedule=%s task %s cannot be imported; skipped", schedule.name, schedule.task
            )
            continue
        try:
            with transaction.atomic():
                ScheduleSlot.objects.create(
                    name=schedule.name, slot=schedule.slot(now), claimed_by=claimed_by[:100]
                )
                if not inline:
                    transaction.on_commit(task_obj.enqueue)
        except IntegrityError:
            continue  # another scheduler has this period
        if inline:
            _run_inline(task_obj)
        log.info("schedule=%s slot=%s started by %s", schedule.name, schedule.slot(now), claimed_by)
        started.append(schedule.name)
    return started


def _run_inline(task_obj: Task) -> Any:
    """Run a task in this process through the immediate engine, so its run is still recorded."""
    from django.tasks.backends.immediate import ImmediateBackend

    backend = ImmediateBackend(alias=task_obj.backend, params={"QUEUES": []})
    return backend.enqueue(task_obj, [], {})


def prune(*, keep_days: int = 30) -> int:
    deleted, _ = ScheduleSlot.objects.filter(
        claimed_at__lt=timezone.now() - timedelta(days=keep_days)
    ).delete()
    return deleted
