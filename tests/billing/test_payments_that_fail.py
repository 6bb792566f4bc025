"""Payments that will not happen, told over HTTP against the stand-in and a running server: a
delayed card payment that fails, an invoice attempt that fails, invoices voided or marked
uncollectible (and the alert when a trusted partner already has its licences), and event types
we do not handle."""

from __future__ import annotations

import pytest
import requests
from django.core import mail
from django.test import Client

from billing.models import EventStatus, Payment, PaymentStatus, StripeEvent
from billing.selectors import payment_info_for_request
from licensing.models import Licence, LicenceStatus, RequestStatus
from tests import factories as f
from tests.billing.helpers import approved_request, ask_for_a_fresh_session, invoice_partner, sent

pytestmark = pytest.mark.django_db(transaction=True)


def statuses_of_stored_events() -> dict[str, str]:
    return dict(StripeEvent.objects.values_list("type", "status"))


# -- a delayed card payment fails ---------------------------------------------------------------


def test_a_failed_delayed_payment_fails_the_payment_and_the_partner_can_pay_again(
    stripe_live, rate_card, publication
):
    # Given a partner who chose a bank debit on the Checkout page
    request = approved_request()
    first = Payment.objects.get(request=request)
    stripe_live.checkout_session_async_pending(first.stripe_checkout_session_id)
    first.refresh_from_db()
    assert first.status == PaymentStatus.PENDING
    assert first.setup_error == (
        "Paid by a delayed method (a bank debit, for example); waiting for the bank."
    )
    assert request.events.filter(action="payment_delayed").count() == 1

    # When the debit fails, and Stripe says so twice
    failed = stripe_live.checkout_session_async_fail(first.stripe_checkout_session_id)
    assert stripe_live.deliver(failed) == 200

    # Then the payment has failed, the request still waits for payment, no licence went out
    first.refresh_from_db()
    request.refresh_from_db()
    assert first.status == PaymentStatus.FAILED
    assert first.setup_error == (
        "The bank did not complete the delayed payment (a bank debit, for example)."
    )
    assert first.stripe_payment_intent_id == failed["data"]["object"]["payment_intent"]
    assert request.status == RequestStatus.AWAITING_PAYMENT
    assert not Licence.objects.filter(request=request).exists()
    assert statuses_of_stored_events() == {
        "checkout.session.completed": EventStatus.PROCESSED,
        "checkout.session.async_payment_failed": EventStatus.PROCESSED,
    }

    # And the pay page explains that the payment did not go through, and why, not that a page
    # expired, and offers to try again
    page = requests.get(payment_info_for_request(request)["pay_url"], timeout=10)
    assert page.status_code == 200
    assert (
        "Your last payment did not go through, so nothing has been paid yet. "
        "The bank did not complete the delayed payment (a bank debit, for example)."
    ) in page.text
    assert "Try again by card" in page.text
    assert "expired" not in page.text

    # And the pay link gives the partner a fresh session, which they can pay
    renewed = ask_for_a_fresh_session(payment_info_for_request(request)["pay_url"])
    second = Payment.objects.exclude(pk=first.pk).get(request=request)
    assert renewed.status_code == 302
    assert renewed.headers["Location"] == second.checkout_url
    stripe_live.complete_checkout_session(second.stripe_checkout_session_id)
    second.refresh_from_db()
    request.refresh_from_db()
    assert second.status == PaymentStatus.PAID
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1


# -- invoices -----------------------------------------------------------------------------------


def test_a_failed_attempt_on_an_invoice_leaves_it_open_to_pay(
    stripe_live, rate_card, publication, settings
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    invoice_number = stripe_live.get(payment.stripe_invoice_id)["number"]
    mail.outbox.clear()

    # When the partner's payment of the hosted invoice is declined, and Stripe says so twice
    failed = stripe_live.fail_invoice_payment(payment.stripe_invoice_id)
    assert stripe_live.deliver(failed) == 200

    # Then the payment stays pending with the reason for staff; the request still waits
    reason = f"Attempt 1 to pay invoice {invoice_number} failed; the invoice is still open."
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.setup_error == reason
    assert request.status == RequestStatus.AWAITING_PAYMENT
    assert not Licence.objects.filter(request=request).exists()
    assert statuses_of_stored_events()["invoice.payment_failed"] == EventStatus.PROCESSED

    # And the request's audit trail says so once, in Stripe's name, with no email from us
    [entry] = request.events.filter(action="payment_attempt_failed")
    assert (entry.from_status, entry.to_status) == ("awaiting_payment", "awaiting_payment")
    assert (entry.actor_label, entry.note) == ("stripe", reason)
    assert entry.key == f"invoice-{payment.stripe_invoice_id}-attempt-1"
    assert entry.data == {
        "payment_id": payment.pk,
        "invoice": payment.stripe_invoice_id,
        "attempt": 1,
    }
    assert mail.outbox == []

    # And the same news under another event id (a replay, a second endpoint) adds nothing
    assert stripe_live.deliver({**failed, "id": f"{failed['id']}_replay"}) == 200
    assert StripeEvent.objects.get(event_id=f"{failed['id']}_replay").status == "processed"
    assert request.events.filter(action="payment_attempt_failed").count() == 1

    # And staff see it on the request's admin page
    desk = Client()
    desk.force_login(f.StaffFactory())
    page = desk.get(f"/admin/licensing/licencerequest/{request.pk}/change/")
    assert page.status_code == 200
    assert "payment_attempt_failed" in page.content.decode()
    assert reason in page.content.decode()

    # And a second failed attempt is a new entry
    stripe_live.fail_invoice_payment(payment.stripe_invoice_id)
    notes = request.events.filter(action="payment_attempt_failed").values_list("note", flat=True)
    assert list(notes) == [
        reason,
        f"Attempt 2 to pay invoice {invoice_number} failed; the invoice is still open.",
    ]

    # And a later successful payment settles it
    stripe_live.pay_invoice(payment.stripe_invoice_id)
    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.setup_error) == (PaymentStatus.PAID, "")
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(
    ("stripe_move", "event_type", "payment_status", "reason"),
    [
        ("void_invoice", "invoice.voided", PaymentStatus.CANCELLED, "The invoice was voided."),
        (
            "mark_invoice_uncollectible",
            "invoice.marked_uncollectible",
            PaymentStatus.FAILED,
            "The invoice was marked uncollectible.",
        ),
    ],
)
def test_an_invoice_that_will_not_be_paid_closes_the_payment(
    stripe_move, event_type, payment_status, reason, stripe_live, settings, rate_card, publication
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)

    # When Stripe voids the invoice or gives up on it, and says so twice
    event = getattr(stripe_live, stripe_move)(payment.stripe_invoice_id)
    assert stripe_live.deliver(event) == 200

    # Then the payment is closed, the request still waits for another way to pay
    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.setup_error) == (payment_status, reason)
    assert request.status == RequestStatus.AWAITING_PAYMENT
    assert not Licence.objects.filter(request=request).exists()
    assert statuses_of_stored_events()[event_type] == EventStatus.PROCESSED
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    # No licence went out on trust, so there is nothing for staff to chase
    assert sent("payment_attention") == []


@pytest.mark.parametrize(
    ("stripe_move", "payment_status", "reason"),
    [
        ("void_invoice", PaymentStatus.CANCELLED, "The invoice was voided."),
        (
            "mark_invoice_uncollectible",
            PaymentStatus.FAILED,
            "The invoice was marked uncollectible.",
        ),
    ],
)
def test_a_trusted_partners_invoice_that_will_not_be_paid_alerts_staff_once(
    stripe_move, payment_status, reason, stripe_live, settings, rate_card, publication
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    # Given a trusted partner, licensed on account when the invoice was issued
    request = approved_request(partner=invoice_partner(trusted=True))
    payment = Payment.objects.get(request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED

    # When the invoice is voided (or written off) afterwards, and Stripe says so twice
    event = getattr(stripe_live, stripe_move)(payment.stripe_invoice_id)
    stripe_live.deliver(event)

    # Then the payment is closed, the licences stand, and staff hear once to revoke or chase
    payment.refresh_from_db()
    request.refresh_from_db()
    assert (payment.status, payment.setup_error) == (payment_status, reason)
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.get(request=request).status == LicenceStatus.ACTIVE
    [alert] = sent("payment_attention")
    assert alert.to == ["desk@courier.example"]
    assert alert.subject == f"Trusted invoice for request {request.pk} will not be paid"
    assert f"{reason} Licences were issued on finalisation; revoke or chase them." in alert.body


# -- types we do not handle ---------------------------------------------------------------------


def test_an_event_type_we_do_not_handle_is_answered_200_and_stored_as_ignored(
    stripe_standin, webhook_url
):
    event = {
        "id": "evt_test_customer_created",
        "object": "event",
        "type": "customer.created",
        "api_version": stripe_standin.api_version,
        "created": 1767225600,
        "data": {"object": {"id": "cus_test_other", "object": "customer"}},
    }
    payload, header = stripe_standin.sign(event)

    answers = [
        requests.post(
            webhook_url,
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            timeout=10,
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == {
        "received": "evt_test_customer_created",
        "status": "ignored",
        "queued": False,
    }
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.status) == (
        "evt_test_customer_created",
        "customer.created",
        EventStatus.IGNORED,
    )
    assert stored.api_version == stripe_standin.api_version
    assert stored.payload == event
    assert stored.attempts == 0
