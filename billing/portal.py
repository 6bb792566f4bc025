"""Billing's answers for the partner portal and the staff dashboard, as plain dicts: a partner's
payments (receipts and invoices) and every payment in a date range for the CSV export. Licensing
reads them through licensing.hooks (settings.LICENSING_PAYMENTS_LIST / _EXPORT)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from billing.models import SETTLED, Payment
from syndication.models import Partner

# Column name in the staff export, and where it comes from.
EXPORT_COLUMNS = (
    ("id", "pk"),
    ("request_id", "request_id"),
    ("partner", "request__partner__name"),
    ("method", "method"),
    ("status", "status"),
    ("amount", "amount"),
    ("amount_refunded", "amount_refunded"),
    ("currency", "currency"),
    ("invoice_number", "invoice_number"),
    ("offline_reference", "offline_reference"),
    ("created_at", "created_at"),
    ("paid_at", "paid_at"),
)


def _as_dict(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "request_id": payment.request_id,
        "method": payment.method,
        "method_label": str(payment.get_method_display()),
        "status": payment.status,
        "status_label": str(payment.get_status_display()),
        "settled": payment.status in SETTLED,
        "amount": payment.amount,
        "amount_refunded": payment.amount_refunded,
        "currency": payment.currency,
        "invoice_url": payment.invoice_url or None,
        "invoice_number": payment.invoice_number,
        "reference": payment.offline_reference,
        "created_at": payment.created_at,
        "paid_at": payment.paid_at,
    }


def payments_for_partner(partner: Partner) -> list[dict[str, Any]]:
    """Every payment of the partner's requests, newest first. Stripe ids stay out: the partner
    needs the invoice link and the amounts, not our references at Stripe."""
    payments = Payment.objects.filter(request__partner=partner).order_by("-created_at", "-pk")
    return [_as_dict(p) for p in payments]


def payments_between(start: date, end: date) -> Iterator[dict[str, Any]]:
    """Payments created from `start` to `end` inclusive, oldest first, streamed for the export."""
    rows = (
        Payment.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .order_by("created_at", "pk")
        .values_list(*(source for _, source in EXPORT_COLUMNS))
    )
    for row in rows.iterator(chunk_size=500):
        yield dict(zip((name for name, _ in EXPORT_COLUMNS), row, strict=True))
