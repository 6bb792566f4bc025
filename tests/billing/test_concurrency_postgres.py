"""The same checkout.session.completed delivered ten times at once, on PostgreSQL: one payment,
one set of licences, one stored event."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection

from billing.models import EventStatus, Payment, PaymentStatus, StripeEvent
from licensing.models import Licence
from tests.billing.helpers import approved_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://..."


def post(url: str, payload: bytes, header: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        url,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_ten_concurrent_deliveries_pay_once(stripe_standin, webhook_url, rate_card, publication):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    event = stripe_standin.complete_checkout_session(payment.stripe_checkout_session_id)
    payload, header = stripe_standin.sign(event)
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def deliver() -> None:
        barrier.wait()
        statuses.append(post(webhook_url, payload, header))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 10
    stored = StripeEvent.objects.get()
    assert stored.event_id == event["id"]
    assert stored.status == EventStatus.PROCESSED
    assert Payment.objects.filter(request=request, status=PaymentStatus.PAID).count() == 1
    assert Licence.objects.filter(request=request).count() == 1
    assert request.events.filter(action="paid").count() == 1
    assert request.events.filter(action="fulfilled").count() == 1
