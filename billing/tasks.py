"""Background work for billing: each task takes ids and calls a service; Stripe's transient
failures become the task layer's TransientError, so they are retried with backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from billing import stripe_gateway as gateway
from jobs.retry import PermanentError, TransientError, retrying_task

log = logging.getLogger(__name__)

# How far back the daily reconciliation looks: a webhook Stripe gave up on after three days of
# retries is still found.
RECONCILE_DAYS = 3


def _stripe(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except gateway.StripeTransientError as exc:
        # Raised as the task layer's own class: a 409 (idempotent request in flight) or a
        # timeout carries no 5xx status, yet is worth another go.
        raise TransientError(f"Stripe: {exc}") from exc
    except gateway.StripePermanentError as exc:
        raise PermanentError(f"Stripe: {exc}") from exc


@retrying_task
def set_up_payment(request_id: int) -> dict[str, Any]:
    """Create the Checkout Session or invoice for a request now awaiting payment."""
    from billing import services

    payment = _stripe(lambda: services.payment_set_up(request_id=request_id))
    return {"payment_id": payment.pk if payment else None}


@retrying_task
def process_stripe_event(event_id: str) -> str:
    from billing import webhooks

    return _stripe(lambda: webhooks.stripe_event_process(event_id=event_id))


@retrying_task
def expire_checkout(payment_id: int) -> None:
    from billing import services

    _stripe(lambda: services.checkout_expire(payment_id=payment_id))


@retrying_task
def reconcile_recent() -> dict[str, Any]:
    """Daily: compare the last few days at Stripe with our payments and repair the gaps."""
    from billing import reconciliation

    if not gateway.is_configured():
        return {"skipped": "Stripe is not configured"}
    since = timezone.now() - timedelta(days=RECONCILE_DAYS)
    report = _stripe(lambda: reconciliation.reconcile(since=since))
    log.info("reconcile since=%s %s", since.date(), report.summary())
    return report.counts()
