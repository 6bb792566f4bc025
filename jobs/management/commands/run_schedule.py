"""`manage.py run_schedule`: start the periodic jobs that are due, once (for cron or a systemd
timer). Safe beside workers' embedded schedulers: each period is claimed once in the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jobs import runs, schedule


class Command(BaseCommand):
    help = "Start due periodic jobs once (queue them, or --inline to run them here)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--inline", action="store_true", help="Run the jobs in this process (no worker)."
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated schedule names (default: all due)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = runs.recover_lost_runs()
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        started = schedule.run_due(
            inline=options["inline"], claimed_by="run_schedule", only=only or None
        )
        pruned = schedule.prune()
        self.stdout.write(
            f"started: {', '.join(started) or 'nothing due'}; "
            f"re-queued from dead workers: {recovered}; old periods pruned: {pruned}"
        )
