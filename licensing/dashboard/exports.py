"""CSV exports for staff: requests, licences and payments created in a date range, streamed row
by row so a year of data never sits in memory. Payments come from billing through the hook."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from licensing import hooks
from licensing.models import Licence, LicenceRequest
from syndication.errors import DomainError

DEFAULT_DAYS = 30
# A cell a spreadsheet would run as a formula; partner names and headlines come from outside.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

REQUEST_FIELDS = (
    ("id", "pk"),
    ("created_at", "created_at"),
    ("status", "status"),
    ("partner", "partner__name"),
    ("channel", "channel"),
    ("use_type", "use_type"),
    ("territory", "territory"),
    ("term", "term"),
    ("total", "total"),
    ("currency", "currency"),
    ("valid_until", "valid_until"),
    ("status_changed_at", "status_changed_at"),
)
LICENCE_FIELDS = (
    ("number", "number"),
    ("issued_at", "issued_at"),
    ("status", "status"),
    ("partner", "partner__name"),
    ("article", "article__headline"),
    ("request_id", "request_id"),
    ("use_type", "use_type"),
    ("territory", "territory"),
    ("starts_on", "starts_on"),
    ("ends_on", "ends_on"),
    ("fee", "fee"),
    ("currency", "currency"),
)
PAYMENT_FIELDS = (
    "id",
    "request_id",
    "partner",
    "method",
    "status",
    "amount",
    "amount_refunded",
    "currency",
    "invoice_number",
    "offline_reference",
    "created_at",
    "paid_at",
)


def date_range(params: Mapping[str, str], *, today: date | None = None) -> tuple[date, date]:
    """`from` and `to` (YYYY-MM-DD, both inclusive); the last 30 days when absent."""
    today = today or timezone.localdate()
    try:
        end = date.fromisoformat(params["to"]) if params.get("to") else today
    except ValueError:
        raise DomainError("Give the end date as YYYY-MM-DD.", field="to") from None
    try:
        start = (
            date.fromisoformat(params["from"])
            if params.get("from")
            else end - timedelta(days=DEFAULT_DAYS)
        )
    except ValueError:
        raise DomainError("Give the start date as YYYY-MM-DD.", field="from") from None
    if start > end:
        raise DomainError("The start date is after the end date.", field="from")
    return start, end


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _requests(start: date, end: date) -> Iterator[tuple[Any, ...]]:
    rows = (
        LicenceRequest.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .order_by("created_at", "pk")
        .values_list(*(source for _, source in REQUEST_FIELDS))
    )
    return rows.iterator(chunk_size=500)


def _licences(start: date, end: date) -> Iterator[tuple[Any, ...]]:
    rows = (
        Licence.objects.filter(issued_at__date__gte=start, issued_at__date__lte=end)
        .order_by("issued_at", "pk")
        .values_list(*(source for _, source in LICENCE_FIELDS))
    )
    return rows.iterator(chunk_size=500)


def _payments(start: date, end: date) -> Iterator[tuple[Any, ...]]:
    for row in hooks.payments_between(start, end):
        yield tuple(row.get(name) for name in PAYMENT_FIELDS)


EXPORTS: dict[str, tuple[tuple[str, ...], Callable[[date, date], Iterable[tuple[Any, ...]]]]] = {
    "requests": (tuple(name for name, _ in REQUEST_FIELDS), _requests),
    "licences": (tuple(name for name, _ in LICENCE_FIELDS), _licences),
    "payments": (PAYMENT_FIELDS, _payments),
}


class _Echo:
    """A file that hands back what is written, so csv.writer yields lines to stream."""

    def write(self, value: str) -> str:
        return value


def csv_export(kind: str, start: date, end: date) -> StreamingHttpResponse:
    header, rows = EXPORTS[kind]
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows(start, end):
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{kind}-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
