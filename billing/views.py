"""Billing's HTTP doors: Stripe's webhook, and the partner's stable pay link."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing import selectors, services
from billing import stripe_gateway as gateway
from billing.webhooks import stripe_event_receive
from licensing.links import request_id_from_status_token, status_url
from licensing.models import LicenceRequest, RequestStatus
from syndication.errors import DomainError

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify, store under the event id, answer. The work happens in a task after the commit."""
    try:
        event = gateway.construct_event(request.body, request.headers.get("Stripe-Signature", ""))
    except gateway.StripeGatewayError as exc:
        log.warning("stripe webhook refused: %s", exc)
        return JsonResponse({"error": "invalid signature"}, status=400)
    row, queued = stripe_event_receive(event=event)
    return JsonResponse({"received": row.event_id, "status": row.status, "queued": queued})


def _request_for(token: str) -> LicenceRequest:
    pk = request_id_from_status_token(token)
    found = LicenceRequest.objects.select_related("partner").filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404("No such request")
    return found


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """GET forwards to the live Checkout Session, or offers a fresh one (after an expired
    session or a failed payment); POST makes the fresh session and forwards to it. Once the
    approval's last day is over nothing is offered, even before the sweep marks it lapsed."""
    licence_request = _request_for(token)
    info = selectors.payment_info_for_request(licence_request)
    lapsed = bool(info and info["lapsed"])
    error = ""
    if licence_request.status == RequestStatus.AWAITING_PAYMENT and info and info["pay_url"]:
        if request.method == "GET":
            live = selectors.live_checkout(licence_request)
            if live is not None:
                return redirect(live.checkout_url)
        else:
            try:
                payment = services.checkout_renew(request=licence_request)
            except DomainError as exc:
                error = exc.message
            except gateway.StripeGatewayError:
                error = "Card payment is not available just now. Please try again in a minute."
            else:
                return redirect(payment.checkout_url)
    return render(
        request,
        "billing/pay.html",
        {
            "licence_request": licence_request,
            "info": info,
            "error": error,
            "status_url": status_url(licence_request),
            "awaiting": licence_request.status == RequestStatus.AWAITING_PAYMENT,
            "lapsed": lapsed,
        },
        # A renew button pressed on a page left open past the approval's last day.
        status=409 if error or (lapsed and request.method == "POST") else 200,
    )
