"""manage.py stripe_reconcile --since 2026-11-01: Stripe's sessions, invoices and refunds since
the date, compared with our payments; what a missed webhook left behind is repaired."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from billing import reconciliation
from billing import stripe_gateway as gateway


class Command(BaseCommand):
    help = "Compare Stripe with local payments since a date and repair missed webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (in the site time zone)")

    def handle(self, *args: object, **options: object) -> None:
        day = parse_date(str(options["since"]))
        if day is None:
            raise CommandError("--since takes a date: YYYY-MM-DD")
        if not gateway.is_configured():
            raise CommandError("STRIPE_SECRET_KEY is not set: nothing to reconcile.")
        since = timezone.make_aware(datetime.combine(day, time.min))
        try:
            report = reconciliation.reconcile(since=since)
        except gateway.StripeGatewayError as exc:
            raise CommandError(f"Stripe: {exc}") from exc
        self.stdout.write(f"Stripe reconciliation since {day:%Y-%m-%d}")
        for line in report.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(
            f"checked {report.checked}, repaired {report.repaired}, "
            f"unknown to us {report.unknown}, events re-queued {report.requeued_events}"
        )
