"""`manage.py worker`: run tasks for the configured engine, with the embedded scheduler."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jobs.worker import WorkerIdInUse, new_worker_id, run_worker


class Command(BaseCommand):
    help = (
        "Run background tasks for the engine in TASKS (database or Redis). Also renews this "
        "worker's lease, re-queues work from dead workers and starts due periodic jobs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue-name", default="default", help="Comma-separated queues.")
        parser.add_argument("--interval", type=float, default=0.5, help="Idle poll (database).")
        parser.add_argument("--burst", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="", help="Unique per worker (default: auto).")
        parser.add_argument(
            "--no-startup-delay",
            action="store_true",
            help="Start polling at once (by default a random pause under 1s spreads a fleet).",
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Leave periodic jobs to cron."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] > 0:
            for name in ("jobs", "django_tasks_db", "django.tasks"):
                logger = logging.getLogger(name)
                logger.setLevel(logging.INFO if options["verbosity"] == 1 else logging.DEBUG)
        try:
            run_worker(
                worker_id=options["worker_id"] or new_worker_id(),
                queue_names=options["queue_name"].split(","),
                interval=options["interval"],
                burst=options["burst"],
                max_tasks=options["max_tasks"],
                scheduler=not options["no_scheduler"],
                startup_delay=not options["no_startup_delay"],
            )
        except WorkerIdInUse as exc:
            raise CommandError(str(exc)) from exc
