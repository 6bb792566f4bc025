"""The Checkout Session a card partner pays through: made for automatic approvals too, living
no longer than the approval (and never past Stripe's 24 hours), renewed only while the approval
holds. Over HTTP against the stand-in and a running server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from billing.models import Payment, PaymentStatus
from billing.selectors import payment_info_for_request
from licensing import services as licensing
from licensing.models import LicenceRequest, RequestStatus
from tests import factories as f
from tests.billing.helpers import WEB_GB_30D, approved_request, ask_for_a_fresh_session, sent

pytestmark = pytest.mark.django_db(transaction=True)

CREATE_SESSION = "POST /v1/checkout/sessions"


def test_an_automatically_approved_paid_request_gets_a_checkout_session(
    stripe_live, rate_card, publication
):
    # Given a verified partner, whose £100 use the rate card approves on its own
    partner = f.PartnerFactory(verified=True)

    # When the partner sends the request
    request = licensing.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[f.ArticleFactory(publication=publication).pk],
        use=WEB_GB_30D,
        terms_accepted=True,
    )

    # Then nobody had to approve it, and the partner has a Checkout Session and the pay link
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_PAYMENT
    assert request.events.get(action="approved").actor_label == "system"
    payment = Payment.objects.get(request=request)
    assert (payment.method, payment.status) == ("card", PaymentStatus.PENDING)
    session = stripe_live.get(payment.stripe_checkout_session_id)
    assert (session["mode"], session["status"]) == ("payment", "open")
    assert session["amount_total"] == 10000
    assert session["client_reference_id"] == f"licreq-{request.pk}"
    assert payment.checkout_url == session["url"]
    [link] = sent("payment_link")
    assert link.to == ["ada@gazette.example"]
    assert payment_info_for_request(request)["pay_url"] in link.body
    assert stripe_live.call_count(CREATE_SESSION) == 1


# -- how long a session lives -------------------------------------------------------------------

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the site's time zone is UTC
MIDNIGHT = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def session_expiry(stripe_standin, payment: Payment) -> datetime:
    return datetime.fromtimestamp(
        stripe_standin.get(payment.stripe_checkout_session_id)["expires_at"], tz=UTC
    )


def test_a_session_lives_at_most_the_24_hours_stripe_allows(stripe_live, rate_card, publication):
    # Given an approval valid for weeks, given at nine in the morning
    with time_machine.travel(MORNING, tick=True):
        request = approved_request()

    payment = Payment.objects.get(request=request)
    assert request.valid_until >= MORNING.date() + timedelta(days=14)

    # Then the session ends just inside Stripe's 24-hour limit, and we know when
    expiry = session_expiry(stripe_live, payment)
    assert MORNING + timedelta(hours=23, minutes=59) <= expiry
    assert expiry < MORNING + timedelta(hours=24)
    assert payment.checkout_expires_at == expiry


def test_a_session_ends_with_the_approvals_last_day(
    stripe_live, settings, publication, rate_card_valid_today
):
    # Given an approval that is valid today only, given at nine in the morning
    settings.PAYMENT_WINDOW_DAYS = 0
    with time_machine.travel(MORNING, tick=True):
        request = approved_request()
    assert request.valid_until == MORNING.date()

    # Then its session ends at midnight, not 24 hours on
    first = Payment.objects.get(request=request)
    assert session_expiry(stripe_live, first) == MIDNIGHT
    assert first.checkout_expires_at == MIDNIGHT

    # And a session renewed that evening ends at the same midnight
    with time_machine.travel(MIDNIGHT - timedelta(hours=4), tick=True):
        stripe_live.expire_checkout_session(first.stripe_checkout_session_id)
        renewed = ask_for_a_fresh_session(payment_info_for_request(request)["pay_url"])
    assert renewed.status_code == 302
    second = Payment.objects.exclude(pk=first.pk).get(request=request)
    assert renewed.headers["Location"] == second.checkout_url
    assert session_expiry(stripe_live, second) == MIDNIGHT


@pytest.fixture
def rate_card_valid_today(db):
    return f.standard_rate_card(validity_days=0)


# -- renewing once the approval has lapsed ------------------------------------------------------


@pytest.mark.parametrize("swept", [False, True], ids=["before-the-sweep", "after-the-sweep"])
def test_a_session_is_not_renewed_once_the_approval_has_lapsed(
    swept, stripe_live, rate_card, publication
):
    # Given an approval whose last day was yesterday, and a session that has expired
    request = approved_request()
    pay_url = payment_info_for_request(request)["pay_url"]
    first = Payment.objects.get(request=request)
    yesterday = timezone.localdate() - timedelta(days=1)
    LicenceRequest.objects.filter(pk=request.pk).update(valid_until=yesterday)
    stripe_live.expire_checkout_session(first.stripe_checkout_session_id)
    if swept:
        assert licensing.licence_requests_lapse_stale() == 1
    mail.outbox.clear()

    # When the partner asks for a fresh session
    answer = ask_for_a_fresh_session(pay_url)

    # Then none is made, and the page says why
    if swept:
        assert answer.status_code == 200
        assert "This request is lapsed: there is nothing to pay." in answer.text
    else:
        assert answer.status_code == 409
        assert f"This approval lapsed on {yesterday.day} {yesterday:%B %Y}" in answer.text
        assert 'id="renew"' not in answer.text
    assert stripe_live.call_count(CREATE_SESSION) == 1
    assert list(Payment.objects.filter(request=request).values_list("status", flat=True)) == [
        PaymentStatus.CANCELLED
    ]
    assert sent("payment_link") == []
