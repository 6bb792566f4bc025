"""Invoices, offline transfers, refunds, signatures, event order, Stripe failing and
reconciliation, told as stories against the stand-in and a running server."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from billing.models import EventStatus, Payment, PaymentStatus, Refund, StripeEvent
from jobs.models import JobRun, RunStatus
from licensing.models import Licence, LicenceStatus, RequestStatus
from syndication.models import PaymentMethod as PartnerPaymentMethod
from tests import factories as f
from tests.billing.helpers import approved_request

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def sent(template: str) -> list:
    return [m for m in mail.outbox if m.extra_headers.get("X-Template") == template]


def invoice_partner(**kwargs):
    return f.PartnerFactory(
        verified=False, payment_method=PartnerPaymentMethod.INVOICE, payment_terms_days=14, **kwargs
    )


# -- invoices -----------------------------------------------------------------------------------


def test_invoice_path_issues_licences_when_the_invoice_is_paid(stripe_live, rate_card, publication):
    request = approved_request(partner=invoice_partner())

    payment = Payment.objects.get(request=request)
    assert payment.method == "invoice"
    invoice = stripe_live.get(payment.stripe_invoice_id)
    assert invoice["collection_method"] == "send_invoice"
    assert invoice["amount_due"] == 10000
    assert invoice["status"] == "open"
    assert payment.invoice_url == invoice["hosted_invoice_url"]
    assert payment.status == PaymentStatus.PENDING
    assert not Licence.objects.filter(request=request).exists()

    stripe_live.pay_invoice(payment.stripe_invoice_id)

    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.stripe_payment_intent_id.startswith("pi_test_")
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1


def test_a_trusted_partner_is_licensed_on_finalisation(stripe_live, rate_card, publication):
    request = approved_request(partner=invoice_partner(trusted=True))

    payment = Payment.objects.get(request=request)
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1

    stripe_live.pay_invoice(payment.stripe_invoice_id)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert Licence.objects.filter(request=request).count() == 1


# -- offline ------------------------------------------------------------------------------------


def test_staff_record_a_bank_transfer_once(client, settings, rate_card, publication, staff):
    settings.STRIPE_SECRET_KEY = ""
    request = approved_request(staff=staff)
    client.force_login(staff)
    url = reverse("admin:billing_payment_offline")
    assert f"#{request.pk}" in client.get(url).content.decode()

    for _ in range(2):
        response = client.post(url, {"request_id": request.pk, "reference": "BT-7781"})
        assert response.status_code == 302

    payment = Payment.objects.get(request=request)
    assert (payment.method, payment.status, payment.offline_reference) == (
        "offline",
        PaymentStatus.PAID,
        "BT-7781",
    )
    assert payment.recorded_by == staff
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    paid = request.events.get(action="paid")
    assert paid.actor == staff
    assert paid.note == "Bank transfer received, reference BT-7781."
    assert paid.data["reference"] == "BT-7781"


# -- refunds ------------------------------------------------------------------------------------


def paid_card_request(stripe_live):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    stripe_live.complete_checkout_session(payment.stripe_checkout_session_id)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    return request, payment


def test_a_full_refund_revokes_the_licences(stripe_live, client, staff, rate_card, publication):
    request, payment = paid_card_request(stripe_live)
    client.force_login(staff)

    response = client.post(
        reverse("admin:billing_payment_refund", args=[payment.pk]),
        {"amount": "", "reason": "Article withdrawn."},
    )

    assert response.status_code == 302
    payment.refresh_from_db()
    request.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.created_by) == (D("100.00"), "succeeded", staff)
    assert refund.stripe_refund_id.startswith("re_test_")
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, D("100.00"))
    assert request.status == RequestStatus.REFUNDED
    assert Licence.objects.get(request=request).status == LicenceStatus.REVOKED
    assert len(sent("request_refunded")) == 1
    assert stripe_live.get(payment.stripe_payment_intent_id)["status"] == "succeeded"


def test_a_partial_refund_keeps_the_licences(stripe_live, client, staff, rate_card, publication):
    request, payment = paid_card_request(stripe_live)
    client.force_login(staff)

    client.post(
        reverse("admin:billing_payment_refund", args=[payment.pk]),
        {"amount": "40.00", "reason": "Goodwill: published late."},
    )

    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        D("40.00"),
    )
    assert Refund.objects.get(payment=payment).reason == "Goodwill: published late."
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.get(request=request).status == LicenceStatus.ACTIVE
    assert sent("request_refunded") == []


# -- signatures ---------------------------------------------------------------------------------


def test_a_bad_or_stale_signature_gets_400_and_nothing_is_stored(
    stripe_standin, webhook_url, rate_card, publication
):
    request = approved_request()
    event = stripe_standin.complete_checkout_session(
        Payment.objects.get(request=request).stripe_checkout_session_id
    )

    assert stripe_standin.deliver(event, to=webhook_url, secret="whsec_wrong") == 400
    stale = int(time.time()) - 301
    assert stripe_standin.deliver(event, to=webhook_url, timestamp=stale) == 400

    assert not StripeEvent.objects.exists()
    assert Payment.objects.get(request=request).status == PaymentStatus.PENDING


# -- order --------------------------------------------------------------------------------------


def test_invoice_paid_before_invoice_finalized(stripe_standin, webhook_url, rate_card, publication):
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    finalized = next(e for e in stripe_standin.events if e["type"] == "invoice.finalized")
    paid = stripe_standin.pay_invoice(payment.stripe_invoice_id)

    assert stripe_standin.deliver(paid, to=webhook_url) == 200
    assert stripe_standin.deliver(finalized, to=webhook_url) == 200

    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    assert set(StripeEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}


def test_a_refund_before_the_completion(stripe_standin, webhook_url, rate_card, publication):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    completed = stripe_standin.complete_checkout_session(payment.stripe_checkout_session_id)
    intent = completed["data"]["object"]["payment_intent"]
    stripe_standin.refund(intent)
    refunded = next(e for e in stripe_standin.events if e["type"] == "charge.refunded")

    assert stripe_standin.deliver(refunded, to=webhook_url) == 200
    assert stripe_standin.deliver(completed, to=webhook_url) == 200

    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, D("100.00"))
    assert request.status == RequestStatus.REFUNDED
    assert Licence.objects.get(request=request).status == LicenceStatus.REVOKED
    assert Refund.objects.get(payment=payment).reason == "Refunded in Stripe."


def test_async_success_before_completion(stripe_standin, webhook_url, rate_card, publication):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    pending = stripe_standin.checkout_session_async_pending(payment.stripe_checkout_session_id)
    succeeded = stripe_standin.checkout_session_async_succeed(payment.stripe_checkout_session_id)

    stripe_standin.deliver(succeeded, to=webhook_url)
    stripe_standin.deliver(pending, to=webhook_url)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert Licence.objects.filter(request=request).count() == 1


# -- Stripe failing -----------------------------------------------------------------------------


def test_stripe_500_once_is_retried(stripe_standin, rate_card, publication):
    stripe_standin.fail_next("POST /v1/checkout/sessions", status=500)

    request = approved_request()

    payment = Payment.objects.get(request=request)
    assert payment.stripe_checkout_session_id.startswith("cs_test_")
    assert payment.setup_attempts == 1
    run = JobRun.objects.get(task_path="billing.tasks.set_up_payment")
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 2)
    assert stripe_standin.call_count("POST /v1/checkout/sessions") == 2


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_stripe_down_leaves_the_request_awaiting_payment_and_tells_staff(
    fault, stripe_standin, settings, rate_card, publication
):
    settings.JOBS_RETRY_MAX_ATTEMPTS = 3
    settings.STRIPE_TIMEOUT = 0.5
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    if fault == "500":
        stripe_standin.fail_next("POST /v1/checkout/sessions", status=500, times=3)
    else:
        stripe_standin.hang_next("POST /v1/checkout/sessions", seconds=2, times=3)

    request = approved_request()

    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_PAYMENT
    payment = Payment.objects.get(request=request)
    assert payment.stripe_checkout_session_id is None
    assert payment.setup_attempts == 3
    assert payment.setup_error.startswith("Stripe did not answer when setting up the Card")
    assert "(attempt 3 of 3)" in payment.setup_error
    run = JobRun.objects.get(task_path="billing.tasks.set_up_payment")
    assert (run.status, run.attempts, run.failure_kind) == (RunStatus.FAILED, 3, "exhausted")
    [alert] = sent("payment_attention")
    assert alert.to == ["desk@courier.example"]
    assert alert.subject == f"Payment set-up failed for request {request.pk}"


def test_a_failed_event_is_retried_when_stripe_sends_it_again(
    stripe_standin, webhook_url, settings, rate_card, publication
):
    settings.JOBS_RETRY_MAX_ATTEMPTS = 2
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    paid = stripe_standin.pay_invoice(payment.stripe_invoice_id)
    stripe_standin.fail_next("GET /v1/invoices/{id}", status=503, times=2)

    stripe_standin.deliver(paid, to=webhook_url)
    event = StripeEvent.objects.get(event_id=paid["id"])
    assert (event.status, event.attempts) == (EventStatus.FAILED, 2)
    assert "503" in event.last_error or "Stripe" in event.last_error

    stripe_standin.deliver(paid, to=webhook_url)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 3)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


# -- reconciliation -----------------------------------------------------------------------------


def test_reconciliation_repairs_a_payment_whose_webhook_never_came(
    stripe_standin, webhook_url, rate_card, publication, capsys
):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    stripe_standin.complete_checkout_session(payment.stripe_checkout_session_id)  # not delivered
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING

    call_command("stripe_reconcile", "--since", "2026-01-01")

    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    out = capsys.readouterr().out
    assert f"paid at Stripe, payment {payment.pk} now paid" in out
    assert "repaired 1" in out

    call_command("stripe_reconcile", "--since", "2026-01-01")
    assert "repaired 0" in capsys.readouterr().out


# -- the admin ----------------------------------------------------------------------------------


def test_staff_see_payments_and_reprocess_a_failed_event(
    stripe_live, client, staff, settings, rate_card, publication
):
    request, payment = paid_card_request(stripe_live)
    event = StripeEvent.objects.get(type="checkout.session.completed")
    StripeEvent.objects.filter(pk=event.pk).update(status=EventStatus.FAILED, last_error="boom")
    client.force_login(staff)

    listing = client.get(reverse("admin:billing_payment_changelist")).content.decode()
    detail = client.get(reverse("admin:billing_payment_change", args=[payment.pk])).content
    events = client.get(reverse("admin:billing_stripeevent_changelist")).content.decode()
    response = client.post(
        reverse("admin:billing_stripeevent_changelist"),
        {"action": "reprocess", "_selected_action": [event.pk]},
    )

    assert "Record offline payment" in listing
    assert b"Refund (full or partial)" in detail
    assert "boom" in events
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.last_error) == (EventStatus.PROCESSED, "")
    assert Licence.objects.filter(request=request).count() == 1
