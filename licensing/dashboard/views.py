"""The staff dashboard: what waits for review and for how long, payments due and overdue, failed
background work and webhook deliveries, open compliance alerts and unacknowledged corrections,
revenue by month and by use (inline SVG bar charts with a table beside them), top articles and
partners, and the CSV exports. Every figure is one aggregate query: the page costs the same
number of queries with ten requests or ten thousand."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from jobs.models import JobRun, RunStatus
from licensing.aftercare_models import ComplianceAlert, CorrectionNotice
from licensing.dashboard.exports import EXPORTS, csv_export, date_range
from licensing.models import (
    OPEN_STATUSES,
    Licence,
    LicenceRequest,
    LicenceStatus,
    RequestStatus,
    UseType,
)
from licensing.money import format_money
from syndication.errors import DomainError
from syndication.models import Publication
from syndication.webhook_models import DeliveryStatus, WebhookDelivery

MONTHS = 12
TOP = 10
# Money that has come in and stayed: refunded requests drop out of the figures.
EARNED = (RequestStatus.PAID, RequestStatus.FULFILLED)

# Chart geometry, in SVG user units (the SVG scales to its box).
CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_TOP = 20
CHART_BOTTOM = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    display: str
    x: float
    y: float
    width: float
    height: float
    label_x: float


def bar_chart(rows: list[tuple[str, Decimal]], currency: str) -> dict[str, Any]:
    """Bars scaled to the largest value, laid out for the template's <svg>."""
    biggest = max((value for _, value in rows), default=Decimal(0)) or Decimal(1)
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / max(len(rows), 1)
    bars = []
    for index, (label, value) in enumerate(rows):
        height = float(value / biggest) * plot
        x = index * slot + slot * 0.15
        bars.append(
            Bar(
                label=label,
                value=value,
                display=format_money(value, currency),
                x=round(x, 1),
                y=round(CHART_TOP + plot - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label_x=round(index * slot + slot / 2, 1),
            )
        )
    return {
        "currency": currency,
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 16,
        "total": format_money(sum((v for _, v in rows), Decimal(0)), currency),
    }


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    for _ in range(MONTHS - 1):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months))


def _revenue(today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Revenue by month and by use type, one chart per currency. A request's money counts in the
    month it was paid (its status last changed then: paid, or fulfilled right after)."""
    months = _months(today)
    earned = LicenceRequest.objects.filter(
        status__in=EARNED, total__gt=0, status_changed_at__date__gte=months[0]
    )
    by_month: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for row in (
        earned.annotate(month=TruncMonth("status_changed_at"))
        .values("month", "currency")
        .annotate(total=Sum("total"))
        .order_by()
    ):
        by_month[row["currency"]][timezone.localtime(row["month"]).date()] = row["total"]
    by_use: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for use in earned.values("use_type", "currency").annotate(total=Sum("total")).order_by():
        by_use[use["currency"]][use["use_type"]] = use["total"]
    month_charts = [
        bar_chart([(date_format(m, "M Y"), totals.get(m, Decimal(0))) for m in months], currency)
        for currency, totals in sorted(by_month.items())
    ]
    use_labels = dict(UseType.choices)
    use_charts = [
        bar_chart(
            [
                (str(use_labels.get(use, use)), total)
                for use, total in sorted(totals.items(), key=lambda item: -item[1])
            ],
            currency,
        )
        for currency, totals in sorted(by_use.items())
    ]
    return month_charts, use_charts


def _top(key: str, label: str) -> list[dict[str, Any]]:
    """Top articles or partners by licences issued, with their fees per currency. One grouped
    query; the currencies are folded together here."""
    rows = (
        Licence.objects.exclude(status=LicenceStatus.REVOKED)
        .values(key, label, "currency")
        .annotate(count=Count("pk"), revenue=Sum("fee"))
        .order_by()
    )
    merged: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = merged.setdefault(
            row[key], {"id": row[key], "name": row[label], "count": 0, "revenue": {}}
        )
        entry["count"] += row["count"]
        entry["revenue"][row["currency"]] = row["revenue"]
    top = sorted(merged.values(), key=lambda e: (-e["count"], e["name"]))[:TOP]
    for entry in top:
        entry["revenue_display"] = ", ".join(
            format_money(amount, currency) for currency, amount in sorted(entry["revenue"].items())
        )
    return top


def dashboard_figures(*, today: date | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, in a fixed number of queries."""
    now = timezone.now()
    today = today or timezone.localdate()
    queue = LicenceRequest.objects.filter(status__in=OPEN_STATUSES).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    payments = LicenceRequest.objects.filter(status=RequestStatus.AWAITING_PAYMENT).aggregate(
        due=Count("pk"),
        overdue=Count("pk", filter=Q(valid_until__lt=today)),
        oldest_due=Min("valid_until"),
    )
    jobs = JobRun.objects.filter(status=RunStatus.FAILED).aggregate(
        count=Count("pk"), latest=Max("finished_at")
    )
    deliveries = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).aggregate(
        count=Count("pk"), latest=Max("last_attempt_at")
    )
    alerts = ComplianceAlert.objects.filter(resolved=False).aggregate(
        open=Count("pk"), sightings=Sum("count")
    )
    corrections = CorrectionNotice.objects.filter(acknowledged_at__isnull=True).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    month_charts, use_charts = _revenue(today)
    oldest = queue["oldest"]
    return {
        "queue": {**queue, "age": (now - oldest) if oldest else None},
        "payments": payments,
        "jobs": jobs,
        "deliveries": deliveries,
        "alerts": {"count": alerts["open"], "sightings": alerts["sightings"] or 0},
        "corrections": corrections,
        "month_charts": month_charts,
        "use_charts": use_charts,
        "top_articles": _top("article_id", "article__headline"),
        "top_partners": _top("partner_id", "partner__name"),
    }


@staff_member_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "dashboard/home.html",
        {
            "publication": Publication.current(),
            "export_from": (today - timedelta(days=30)).isoformat(),
            "export_to": today.isoformat(),
            "export_kinds": list(EXPORTS),
            **dashboard_figures(today=today),
        },
    )


@staff_member_required
@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponseBase:
    if kind not in EXPORTS:
        raise Http404("No such export.")
    try:
        start, end = date_range(request.GET)
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    return csv_export(kind, start, end)
