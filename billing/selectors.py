"""Reads about money that pages, the API, the admin and licensing's status page share."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from billing import stripe_gateway as gateway
from billing.models import SETTLED, Payment, PaymentMethod, PaymentStatus
from licensing.links import status_token
from licensing.models import LicenceRequest, RequestStatus

# Statuses where a request has a payment story to tell.
PAYABLE = (
    RequestStatus.AWAITING_PAYMENT,
    RequestStatus.PAID,
    RequestStatus.FULFILLED,
    RequestStatus.REFUNDED,
    RequestStatus.LAPSED,
    RequestStatus.CANCELLED,
)


def payment_deadline(request: LicenceRequest) -> datetime:
    """When an approval stops being payable: the end of its last valid day (`valid_until`), in
    the site's time zone. The Checkout Session ends then too."""
    end = datetime.combine(request.valid_until + timedelta(days=1), time.min)
    return timezone.make_aware(end)


def approval_lapsed(request: LicenceRequest) -> bool:
    """Whether the approval's last day is over. The daily sweep marks such a request lapsed,
    but until it runs the request still says awaiting payment: every page that offers payment,
    and the renew service, ask this instead of reading the status alone."""
    return request.validity_over()


def new_quote_url(request: LicenceRequest) -> str:
    """Where a partner whose approval lapsed asks again: the article's Republish page, or the
    catalogue when the request covered several articles."""
    slugs = list(request.items.values_list("article__slug", flat=True)[:2])
    if len(slugs) == 1:
        path = reverse("licensing:republish", kwargs={"slug": slugs[0]})
    else:
        path = reverse("licensing:republish-index")
    return settings.SITE_URL + path


def pay_url(request: LicenceRequest) -> str:
    """The partner's stable pay link: it forwards to a live Checkout Session, renewing one that
    expired while the approval is valid, so emails never carry a dead Stripe URL."""
    return settings.SITE_URL + reverse("billing:pay", kwargs={"token": status_token(request)})


def _newest_first(requests: QuerySet[Payment]) -> QuerySet[Payment]:
    return requests.order_by("-created_at", "-pk")


def current_payment(
    request: LicenceRequest, *, payments: list[Payment] | None = None
) -> Payment | None:
    """The payment that speaks for the request: a settled one, else the newest. `payments`, the
    request's payments newest first, saves the query when a caller read many requests' at once."""
    if payments is None:
        payments = list(_newest_first(Payment.objects.filter(request=request)))
    settled = [p for p in payments if p.status in SETTLED]
    chosen = settled or payments
    return chosen[0] if chosen else None


def live_checkout(request: LicenceRequest) -> Payment | None:
    return (
        Payment.objects.filter(
            request=request,
            method=PaymentMethod.CARD,
            status=PaymentStatus.PENDING,
            checkout_expires_at__gt=timezone.now(),
        )
        .exclude(checkout_url="")
        .order_by("-pk")
        .first()
    )


def payment_infos_for_requests(requests: list[LicenceRequest]) -> dict[int, dict[str, Any] | None]:
    """payment_info_for_request for many requests, their payments read in one query (a list
    page). Their partners should be selected with them."""
    by_request: dict[int, list[Payment]] = {r.pk: [] for r in requests}
    for payment in _newest_first(Payment.objects.filter(request__in=list(by_request))):
        by_request[payment.request_id].append(payment)
    return {r.pk: payment_info_for_request(r, payments=by_request[r.pk]) for r in requests}


def payment_info_for_request(
    request: LicenceRequest, *, payments: list[Payment] | None = None
) -> dict[str, Any] | None:
    """How this request is paid, for the status page and the API: method, status, pay_url,
    invoice_url, amount, currency (plus what the partner can do). None for a free request or
    one not yet approved.

    `lapsed` is true for an approval whose last day is over though the sweep has not marked it
    yet: nothing is payable then (no pay_url), and `new_quote_url` says where to ask again.
    `failure_reason` says why the last payment failed, when it did."""
    if request.status not in PAYABLE or request.total == 0:
        return None
    payment = current_payment(request, payments=payments)
    lapsed = request.status == RequestStatus.AWAITING_PAYMENT and approval_lapsed(request)
    awaiting = request.status == RequestStatus.AWAITING_PAYMENT and not lapsed
    card_offered = gateway.is_configured() and request.partner.payment_method != "invoice"
    info: dict[str, Any] = {
        "method": payment.method if payment else "offline",
        "status": payment.status if payment else PaymentStatus.PENDING.value,
        "pay_url": None,
        "invoice_url": None,
        "amount": str(payment.amount if payment else request.total),
        "currency": payment.currency if payment else request.currency,
        "card_payment_offered": card_offered,
        "offline_only": not gateway.is_configured(),
        "amount_refunded": str(payment.amount_refunded) if payment else "0.00",
        "failure_reason": None,
        "lapsed": lapsed,
        "new_quote_url": new_quote_url(request) if lapsed else None,
    }
    if payment is not None and payment.status == PaymentStatus.FAILED:
        info["failure_reason"] = payment.setup_error or None
    if payment is not None and payment.method == PaymentMethod.INVOICE:
        info["invoice_url"] = payment.invoice_url or None
        info["invoice_number"] = payment.invoice_number or None
    if awaiting and card_offered:
        info["pay_url"] = pay_url(request)
    if payment is not None and payment.method == PaymentMethod.OFFLINE:
        info["reference"] = payment.offline_reference
    return info


def requests_awaiting_payment() -> QuerySet[LicenceRequest]:
    return (
        LicenceRequest.objects.filter(status=RequestStatus.AWAITING_PAYMENT)
        .select_related("partner")
        .order_by("valid_until", "pk")
    )
