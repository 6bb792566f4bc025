"""An approval whose last day is over offers no payment anywhere, even before the daily sweep
marks it lapsed: the pay page, the status page, the portal and the API all decide from the rule
the renew service uses, and say where to ask for a new quote. Over HTTP against the stand-in
and a running server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from django.test import Client

from billing.models import Payment, PaymentStatus
from billing.selectors import payment_info_for_request
from billing.services import payment_set_up
from licensing.links import status_url
from licensing.models import RequestStatus
from tests import factories as f
from tests.billing.helpers import approved_request

pytestmark = pytest.mark.django_db(transaction=True)

CREATE_SESSION = "POST /v1/checkout/sessions"
MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the site's time zone is UTC
MIDNIGHT = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # the approval's last day is over
LAPSED = "This approval lapsed on 1 December 2026; ask for a new quote."


@pytest.fixture
def rate_card_valid_today(db):
    return f.standard_rate_card(validity_days=0)


@pytest.fixture
def approved_today(stripe_live, settings, publication, rate_card_valid_today):
    """A card partner's approval given at nine in the morning and payable that day only."""
    settings.PAYMENT_WINDOW_DAYS = 0
    article = f.ArticleFactory(publication=publication)
    partner = f.PartnerFactory(verified=False)
    with time_machine.travel(MORNING, tick=True):
        request = approved_request(partner=partner, articles=[article])
    assert request.valid_until == MORNING.date()
    return request, article, partner


def test_on_its_last_evening_the_approval_can_still_be_paid(approved_today, stripe_live):
    request, _, _ = approved_today
    pay_url = payment_info_for_request(request)["pay_url"]
    first = Payment.objects.get(request=request)

    # When the partner opens the pay link a minute before midnight
    with time_machine.travel(MIDNIGHT - timedelta(minutes=1), tick=True):
        answer = requests.get(pay_url, timeout=10, allow_redirects=False)
        status_page = requests.get(status_url(request), timeout=10)

    # Then they are sent on to the live Checkout page, and the status page has the button
    assert answer.status_code == 302
    assert answer.headers["Location"] == first.checkout_url
    assert "Pay £100.00 by card" in status_page.text
    assert "lapsed" not in status_page.text


def test_once_the_last_day_is_over_no_page_offers_payment(approved_today, stripe_live):
    request, article, partner = approved_today
    pay_url = payment_info_for_request(request)["pay_url"]
    user = f.PartnerMembershipFactory(partner=partner).user
    new_quote = f"/republish/{article.slug}/"

    # When the partner comes back just after midnight, before the daily sweep has run
    with time_machine.travel(MIDNIGHT + timedelta(seconds=1), tick=True):
        pay_page = requests.get(pay_url, timeout=10, allow_redirects=False)
        status_page = requests.get(status_url(request), timeout=10)
        portal = Client()
        portal.force_login(user)
        home = portal.get("/portal/").content.decode()
        detail = portal.get(f"/portal/requests/{request.pk}/").content.decode()
        api = Client(headers={"Authorization": f"Bearer {f.api_key_for(partner)}"})
        payment = api.get(f"/api/v1/requests/{request.pk}").json()["payment"]
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_PAYMENT  # not swept yet

    # Then the pay page says it lapsed and where to ask again, with no button, no deadline
    assert pay_page.status_code == 200
    assert LAPSED in pay_page.text
    assert f'href="{site_of(pay_url)}{new_quote}"' in pay_page.text
    assert 'id="renew"' not in pay_page.text
    assert "payable by" not in pay_page.text
    # And so does the status page
    assert LAPSED in status_page.text
    assert new_quote in status_page.text
    assert "by card" not in status_page.text
    assert "Please pay by" not in status_page.text
    # And the portal, on its home page and the request's own page
    for page in (home, detail):
        assert LAPSED in page
        assert new_quote in page
        assert "by card" not in page
        assert "pay by" not in page.lower()
    # And the API has no pay link, and says why
    assert payment["pay_url"] is None
    assert payment["lapsed"] is True
    assert payment["new_quote_url"].endswith(new_quote)
    # And no Checkout Session was made
    assert stripe_live.call_count(CREATE_SESSION) == 1


def test_a_renew_button_pressed_on_a_page_left_open_makes_no_session(approved_today, stripe_live):
    request, _, _ = approved_today
    pay_url = payment_info_for_request(request)["pay_url"]
    first = Payment.objects.get(request=request)
    stripe_live.expire_checkout_session(first.stripe_checkout_session_id)

    # Given the pay page opened that evening, offering a fresh session
    browser = requests.Session()
    with time_machine.travel(MIDNIGHT - timedelta(minutes=5), tick=True):
        page = browser.get(pay_url, timeout=10)
    assert 'id="renew"' in page.text
    assert "The payment page from your last visit has expired" in page.text

    # When the partner presses the button after midnight
    with time_machine.travel(MIDNIGHT + timedelta(seconds=1), tick=True):
        answer = browser.post(
            pay_url,
            data={"csrfmiddlewaretoken": browser.cookies.get("csrftoken")},
            headers={"Referer": pay_url},
            timeout=10,
            allow_redirects=False,
        )

    # Then no session is made, and the page says the approval lapsed
    assert answer.status_code == 409
    assert LAPSED in answer.text
    assert 'id="renew"' not in answer.text
    assert stripe_live.call_count(CREATE_SESSION) == 1
    assert list(Payment.objects.filter(request=request).values_list("status", flat=True)) == [
        PaymentStatus.CANCELLED
    ]


def site_of(pay_url: str) -> str:
    """The running server's address (SITE_URL), as the pay link carries it."""
    return pay_url.split("/billing/pay/")[0]


def test_a_payment_set_up_tried_again_after_the_approval_lapsed_makes_nothing(
    stripe_live, settings, publication, rate_card_valid_today
):
    # Given an approval payable today whose Checkout Session Stripe failed to make
    settings.PAYMENT_WINDOW_DAYS = 0
    settings.JOBS_RETRY_MAX_ATTEMPTS = 1
    stripe_live.fail_next(CREATE_SESSION, status=500, times=1)
    article = f.ArticleFactory(publication=publication)
    with time_machine.travel(MORNING, tick=True):
        request = approved_request(partner=f.PartnerFactory(verified=False), articles=[article])
    payment = Payment.objects.get(request=request)
    assert payment.stripe_checkout_session_id is None
    tries = stripe_live.call_count(CREATE_SESSION)

    # When the set-up is tried again after midnight (a queued retry, or staff retrying the run)
    with time_machine.travel(MIDNIGHT + timedelta(minutes=5), tick=True):
        assert payment_set_up(request_id=request.pk) is None

    # Then Stripe was not asked for a session the partner could never use
    assert stripe_live.call_count(CREATE_SESSION) == tries
    payment.refresh_from_db()
    assert payment.stripe_checkout_session_id is None
    assert payment.status == PaymentStatus.PENDING
