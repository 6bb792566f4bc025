"""Card payments told as stories over HTTP: the stand-in plays Stripe and POSTs its signed events
to a running server (pytest-django's live server); tasks run inline."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from django.core import mail

from billing.models import EventStatus, Payment, PaymentStatus, StripeEvent
from billing.selectors import payment_info_for_request
from licensing.models import Licence, LicenceStatus, RequestStatus
from tests import factories as f
from tests.billing.helpers import approved_request

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def templates_sent() -> list[str]:
    return [m.extra_headers.get("X-Template") for m in mail.outbox]


def test_card_path_from_approval_to_issued_licences(stripe_live, rate_card, publication):
    # Given a paid request approved by staff
    request = approved_request()

    # Then a Checkout Session exists for the quote, and the partner has the pay link by email
    payment = Payment.objects.get(request=request)
    assert payment.method == "card"
    assert payment.status == PaymentStatus.PENDING
    assert (payment.amount, payment.currency) == (D("100.00"), "GBP")
    session = stripe_live.get(payment.stripe_checkout_session_id)
    assert session["mode"] == "payment"
    assert session["amount_total"] == 10000
    assert session["client_reference_id"] == f"licreq-{request.pk}"
    assert session["customer_email"] == "ada@gazette.example"
    assert session["metadata"] == {"request_id": str(request.pk), "payment_id": str(payment.pk)}
    assert "/requests/" in session["success_url"]
    info = payment_info_for_request(request)
    assert info["method"] == "card"
    assert info["status"] == "pending"
    assert info["pay_url"].endswith("/")
    link_mail = next(m for m in mail.outbox if m.extra_headers["X-Template"] == "payment_link")
    assert link_mail.to == ["ada@gazette.example"]
    assert info["pay_url"] in link_mail.body

    # When the partner follows the link and pays on the hosted page
    browser = requests.Session()
    page = browser.get(info["pay_url"], timeout=10)
    assert page.url == session["url"]
    paid = browser.post(page.url, timeout=10)

    # Then they land back on the status page, the payment is paid once, licences are issued
    assert paid.status_code == 200
    assert paid.url.startswith(info["pay_url"].split("/billing/")[0] + "/requests/")
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.stripe_payment_intent_id.startswith("pi_test_")
    assert request.status == RequestStatus.FULFILLED
    assert Licence.objects.filter(request=request, status=LicenceStatus.ACTIVE).count() == 1
    event = StripeEvent.objects.get(type="checkout.session.completed")
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 1)
    assert request.events.filter(action="paid").get().actor_label == "stripe"


def test_the_same_completion_twice_pays_once(stripe_live, rate_card, publication):
    request = approved_request()
    payment = Payment.objects.get(request=request)
    event = stripe_live.complete_checkout_session(payment.stripe_checkout_session_id)

    # When Stripe delivers the same event again
    assert stripe_live.deliver(event) == 200

    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert Payment.objects.filter(request=request, status=PaymentStatus.PAID).count() == 1
    assert Licence.objects.filter(request=request).count() == 1
    assert request.events.filter(action="paid").count() == 1


def test_an_expired_session_is_renewed_by_the_partner(stripe_live, rate_card, publication):
    request = approved_request()
    first = Payment.objects.get(request=request)

    # When Stripe's clock runs out on the session
    stripe_live.expire_checkout_session(first.stripe_checkout_session_id)
    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED

    # Then the pay link offers a fresh session, and the partner can pay it
    browser = requests.Session()
    pay_url = payment_info_for_request(request)["pay_url"]
    offer = browser.get(pay_url, timeout=10)
    assert offer.status_code == 200
    assert 'id="renew"' in offer.text
    token = browser.cookies.get("csrftoken")
    renewed = browser.post(
        pay_url, data={"csrfmiddlewaretoken": token}, headers={"Referer": pay_url}, timeout=10
    )
    second = Payment.objects.exclude(pk=first.pk).get(request=request)
    assert renewed.url == stripe_live.get(second.stripe_checkout_session_id)["url"]
    browser.post(renewed.url, timeout=10)
    second.refresh_from_db()
    assert second.status == PaymentStatus.PAID
    assert Licence.objects.filter(request=request).count() == 1


def test_without_stripe_keys_approval_offers_offline_payment_only(settings, rate_card, publication):
    settings.STRIPE_SECRET_KEY = ""
    request = approved_request()

    assert not Payment.objects.exists()
    info = payment_info_for_request(request)
    assert info == {
        "method": "offline",
        "status": "pending",
        "pay_url": None,
        "invoice_url": None,
        "amount": "100.00",
        "currency": "GBP",
        "card_payment_offered": False,
        "offline_only": True,
        "amount_refunded": "0.00",
        "failure_reason": None,
        "lapsed": False,
        "new_quote_url": None,
    }


def test_a_dispute_alerts_staff(stripe_live, rate_card, publication, settings):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    request = approved_request()
    payment = Payment.objects.get(request=request)
    stripe_live.complete_checkout_session(payment.stripe_checkout_session_id)
    payment.refresh_from_db()

    event = stripe_live.open_dispute(payment.stripe_payment_intent_id, reason="fraudulent")
    stripe_live.deliver(event)  # twice: one email

    payment.refresh_from_db()
    assert payment.dispute_id == event["data"]["object"]["id"]
    alerts = [m for m in mail.outbox if m.extra_headers["X-Template"] == "staff_dispute_opened"]
    assert len(alerts) == 1
    assert alerts[0].to == ["desk@courier.example"]
    assert alerts[0].subject == f"Dispute opened on request {request.pk}"
    assert "£100.00 (reason: fraudulent)" in alerts[0].body


def test_a_partner_paying_the_same_request_twice_is_flagged_to_staff(
    stripe_live, rate_card, publication, staff
):
    from billing import services

    request = approved_request()
    card = Payment.objects.get(request=request)
    services.payment_record_offline(request=request, reference="BT-1", actor=staff)
    card.refresh_from_db()
    assert card.status == PaymentStatus.CANCELLED

    # When the card payment completes anyway (the session was paid before it could be expired)
    services.payment_settle(payment_id=card.pk, payment_intent_id="pi_x")

    assert Licence.objects.filter(request=request).count() == 1
    assert "payment_attention" in templates_sent()
    assert f.PartnerFactory  # factories stay importable for the next story
