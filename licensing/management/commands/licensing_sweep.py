"""`manage.py licensing_sweep`: the daily sweep. Lapses stale quotes and unpaid approvals, expires
licences past their end date. Idempotent: a second run the same day does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from licensing.services import licence_requests_lapse_stale, licences_expire_due


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Command(BaseCommand):
    help = (
        "Lapse quotes and unpaid approvals past their validity and expire licences past their "
        "end date. Safe to run more than once a day."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Sweep as if it were this day (tests, or catching up after downtime).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = self._today(options["today"])
        lapsed = licence_requests_lapse_stale(today=today)
        expired = licences_expire_due(today=today)
        self.stdout.write(
            f"{today.isoformat()}: lapsed {_plural(lapsed, 'request')}, "
            f"expired {_plural(expired, 'licence')}"
        )

    @staticmethod
    def _today(value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"--today must be a date like 2026-01-31, not {value!r}.") from exc
