"""Reconciliation told as stories: what Stripe did while its webhooks were lost (an invoice paid,
a refund made in the dashboard) is repaired, a stored event whose processing failed is sent
round again, and the daily job does the same over the last three days."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import EventStatus, Payment, PaymentStatus, Refund, StripeEvent
from jobs import schedule
from jobs.models import JobRun, RunStatus
from licensing.models import Licence, LicenceStatus, RequestStatus
from tests.billing.helpers import approved_request, invoice_partner, sent

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def reconcile(capsys, since: str = "2026-01-01") -> str:
    call_command("stripe_reconcile", "--since", since)
    return capsys.readouterr().out


def test_an_invoice_paid_while_its_webhook_was_lost_is_settled(
    stripe_standin, webhook_url, rate_card, publication, capsys
):
    # Given an invoice the partner paid, whose invoice.paid never reached us
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    stripe_standin.pay_invoice(payment.stripe_invoice_id)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING

    # When staff reconcile
    out = reconcile(capsys)

    # Then the payment is paid (with the PaymentIntent refunds need) and the licences issued
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.stripe_payment_intent_id.startswith("pi_test_")
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    paid = request.events.get(action="paid")
    assert paid.actor_label == "stripe"
    assert paid.note == f"Invoice {payment.invoice_number} paid (found by reconciliation)."
    invoice_id = payment.stripe_invoice_id
    assert f"invoice {invoice_id}: paid at Stripe, payment {payment.pk} now paid" in out
    assert "repaired 1," in out

    # And a second run finds nothing left to do
    again = reconcile(capsys)
    assert "repaired 0," in again
    assert f"invoice {invoice_id}: paid, payment {payment.pk} paid: ok" in again
    assert Licence.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(
    ("amount", "refunded", "payment_status", "request_status", "licence_status"),
    [
        (None, D("100.00"), PaymentStatus.REFUNDED, RequestStatus.REFUNDED, LicenceStatus.REVOKED),
        (
            4000,  # pence, as the dashboard sends it
            D("40.00"),
            PaymentStatus.PARTIALLY_REFUNDED,
            RequestStatus.FULFILLED,
            LicenceStatus.ACTIVE,
        ),
    ],
    ids=["full", "partial"],
)
def test_a_refund_made_in_stripes_dashboard_whose_webhook_was_lost_is_brought_in(
    amount,
    refunded,
    payment_status,
    request_status,
    licence_status,
    stripe_standin,
    webhook_url,
    rate_card,
    publication,
    capsys,
):
    # Given a card payment we know was paid
    request = approved_request()
    payment = Payment.objects.get(request=request)
    completed = stripe_standin.complete_checkout_session(payment.stripe_checkout_session_id)
    assert stripe_standin.deliver(completed, to=webhook_url) == 200
    # ... refunded by someone in Stripe's dashboard, the charge.refunded never delivered
    stripe_standin.refund(completed["data"]["object"]["payment_intent"], amount=amount)
    [stripe_refund] = stripe_standin.all("refund")

    # When staff reconcile
    out = reconcile(capsys)

    # Then the refund is ours too, and a full one revokes the licences
    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (payment_status, refunded)
    refund = Refund.objects.get(payment=payment)
    assert (refund.stripe_refund_id, refund.amount, refund.status, refund.reason) == (
        stripe_refund["id"],
        refunded,
        "succeeded",
        "Refunded in Stripe.",
    )
    assert request.status == request_status
    assert Licence.objects.get(request=request).status == licence_status
    assert len(sent("request_refunded")) == (1 if amount is None else 0)
    assert (
        f"payment {payment.pk}: refunds brought in, now {payment_status} "
        f"({refunded} GBP refunded)" in out
    )

    # And a second run adds nothing
    again = reconcile(capsys)
    assert f"payment {payment.pk}: 1 refund(s): ok" in again
    assert "repaired 0," in again
    payment.refresh_from_db()
    assert payment.amount_refunded == refunded
    assert Refund.objects.filter(payment=payment).count() == 1


def test_a_stored_event_whose_processing_failed_is_sent_round_again(
    stripe_standin, webhook_url, settings, rate_card, publication, capsys
):
    settings.JOBS_RETRY_MAX_ATTEMPTS = 2
    # Given an invoice issued last week and paid now, outside what the Stripe listing returns
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    last_week = timezone.now() - timedelta(days=7)
    stripe_standin.backdate(payment.stripe_invoice_id, int(last_week.timestamp()))
    paid = stripe_standin.pay_invoice(payment.stripe_invoice_id)
    # ... whose invoice.paid failed every retry because Stripe did not answer
    stripe_standin.fail_next("GET /v1/invoices/{id}", status=503, times=2)
    assert stripe_standin.deliver(paid, to=webhook_url) == 200
    event = StripeEvent.objects.get(event_id=paid["id"])
    assert (event.status, event.attempts) == (EventStatus.FAILED, 2)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING

    # When staff reconcile from yesterday
    out = reconcile(capsys, since=f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}")

    # Then the event is processed again, and that settles the payment
    event.refresh_from_db()
    payment.refresh_from_db()
    request.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (EventStatus.PROCESSED, 3, "")
    assert payment.status == PaymentStatus.PAID
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    assert f"event {paid['id']} (invoice.paid) failed: queued again" in out
    assert "repaired 0, unknown to us 0, events re-queued 1" in out

    # And a processed event is not queued again
    assert "events re-queued 0" in reconcile(capsys, since="2026-01-01")


def test_the_daily_job_reconciles_the_last_three_days(stripe_standin, rate_card, publication):
    # The schedule billing registers at start-up
    [daily] = [s for s in schedule.schedules() if s.name == "stripe-reconcile"]
    assert (daily.task, daily.every_seconds) == ("billing.tasks.reconcile_recent", 24 * 60 * 60)

    # Given a card payment made at Stripe whose webhook never came
    request = approved_request()
    payment = Payment.objects.get(request=request)
    stripe_standin.complete_checkout_session(payment.stripe_checkout_session_id)

    # When the scheduler's day comes round (twice: one run per day)
    assert schedule.run_due(only={"stripe-reconcile"}) == ["stripe-reconcile"]
    assert schedule.run_due(only={"stripe-reconcile"}) == []

    # Then the payment is repaired, and the run says what it did
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert request.status == RequestStatus.FULFILLED
    run = JobRun.objects.get(task_path="billing.tasks.reconcile_recent")
    assert run.status == RunStatus.SUCCEEDED
    assert run.return_value == {"checked": 1, "repaired": 1, "unknown": 0, "requeued_events": 0}
