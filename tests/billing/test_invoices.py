"""Invoiced partners, told over HTTP against the stand-in and a running server: the partner's
payment terms reach the invoice, one Stripe Customer serves all of a partner's invoices, and a
paid invoice can be refunded from the admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import BillingCustomer, Payment, PaymentStatus, Refund
from licensing.models import Licence, LicenceStatus, RequestStatus
from tests.billing.helpers import approved_request, invoice_partner, sent

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
DAY = 24 * 60 * 60


def test_the_partners_payment_terms_set_the_invoices_due_date(stripe_live, rate_card, publication):
    request = approved_request(partner=invoice_partner(payment_terms_days=45))

    invoice = stripe_live.get(Payment.objects.get(request=request).stripe_invoice_id)

    assert invoice["collection_method"] == "send_invoice"
    assert invoice["status"] == "open"
    assert invoice["due_date"] - invoice["status_transitions"]["finalized_at"] == 45 * DAY


def test_one_stripe_customer_serves_all_of_a_partners_invoices(stripe_live, rate_card, publication):
    # Given an invoiced partner with two approved requests, and another partner with one
    partner = invoice_partner(name="Valley Gazette", billing_email="accounts@valley.example")
    first = Payment.objects.get(request=approved_request(partner=partner))
    second = Payment.objects.get(request=approved_request(partner=partner))
    other = Payment.objects.get(request=approved_request(partner=invoice_partner()))

    # Then the partner is one Customer at Stripe, billed on both invoices
    customer = BillingCustomer.objects.get(partner=partner)
    assert first.stripe_customer_id == second.stripe_customer_id == customer.stripe_customer_id
    assert stripe_live.get(first.stripe_invoice_id)["customer"] == customer.stripe_customer_id
    assert stripe_live.get(second.stripe_invoice_id)["customer"] == customer.stripe_customer_id
    at_stripe = stripe_live.get(customer.stripe_customer_id)
    assert (at_stripe["name"], at_stripe["email"]) == ("Valley Gazette", "accounts@valley.example")
    assert at_stripe["metadata"] == {"partner_id": str(partner.pk)}
    # ... and the other partner is another
    assert other.stripe_customer_id not in ("", customer.stripe_customer_id)
    assert stripe_live.call_count("POST /v1/customers") == 2
    assert BillingCustomer.objects.count() == 2


@pytest.mark.parametrize(
    "intent_known", [True, False], ids=["intent-known", "intent-asked-for-at-refund"]
)
def test_a_paid_invoice_is_refunded_from_the_admin(
    intent_known, stripe_live, client, staff, rate_card, publication
):
    # Given a paid invoice; sometimes Stripe could not tell us its PaymentIntent at the time
    request = approved_request(partner=invoice_partner())
    payment = Payment.objects.get(request=request)
    if not intent_known:
        stripe_live.fail_next("GET /v1/invoices/{id}", status=404)
    stripe_live.pay_invoice(payment.stripe_invoice_id)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert bool(payment.stripe_payment_intent_id) is intent_known

    # When staff refund it in full
    client.force_login(staff)
    response = client.post(
        reverse("admin:billing_payment_refund", args=[payment.pk]),
        {"amount": "", "reason": "Invoice raised in error."},
    )

    # Then Stripe refunded the invoice's payment, and the licences are revoked
    assert response.status_code == 302
    payment.refresh_from_db()
    request.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.reason, refund.created_by) == (
        D("100.00"),
        "succeeded",
        "Invoice raised in error.",
        staff,
    )
    at_stripe = stripe_live.get(refund.stripe_refund_id)
    assert (at_stripe["amount"], at_stripe["payment_intent"]) == (
        10000,
        payment.stripe_payment_intent_id,
    )
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, D("100.00"))
    assert request.status == RequestStatus.REFUNDED
    assert Licence.objects.get(request=request).status == LicenceStatus.REVOKED
    assert len(sent("request_refunded")) == 1
