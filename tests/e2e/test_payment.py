"""Money in a real browser: staff approve from the review queue, a card partner pays on the
Stripe stand-in's hosted checkout and downloads the licence PDF from the portal, an invoice
partner's licence appears once the invoice is paid."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from billing.models import Payment
from licensing.links import status_path
from licensing.models import Licence, RequestStatus
from syndication.models import PaymentMethod
from tests import factories as f
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    admin_approve,
    admin_approve_as_staff,
    admin_log_in,
    given_a_partner_editor,
    given_a_submitted_request,
    given_an_article_on_the_rate_card,
    portal_log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_approve_a_request_from_the_review_queue(new_context, stripe_standin):
    article = given_an_article_on_the_rate_card()
    partner, _ = given_a_partner_editor()
    licence_request = given_a_submitted_request(partner, article)
    staff = f.StaffFactory()
    page = new_context().new_page()

    admin_log_in(page, staff)
    page.goto(reverse("admin:licensing_licencerequest_changelist"))
    row = page.locator("#result_list tbody tr", has_text=partner.name)
    assert row.count() == 1
    assert "£100.00" in row.inner_text()
    admin_approve(page, licence_request, note="Credit the photographer too.")

    assert page.locator(".messagelist .success").inner_text() == "Approved: 1 request."
    licence_request.refresh_from_db()
    assert licence_request.status == RequestStatus.AWAITING_PAYMENT
    assert licence_request.decision_note == "Credit the photographer too."
    assert Payment.objects.get(request=licence_request).stripe_checkout_session_id.startswith("cs_")


def test_a_card_partner_pays_on_the_hosted_checkout_then_downloads_the_pdf(
    new_context, stripe_standin
):
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor()
    licence_request = given_a_submitted_request(partner, article)
    admin_approve_as_staff(new_context, licence_request)
    page = new_context().new_page()

    page.goto(status_path(licence_request))
    assert page.locator("h1 .status").inner_text() == "Awaiting payment"
    axe(page)
    page.get_by_role("link", name="Pay £100.00 by card").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/pay/cs_"))
    assert page.locator("#total").inner_text() == "10000 GBP"
    page.locator("#pay").click()

    # The stand-in POSTed the signed webhook before sending the browser back to the status page.
    page.wait_for_url(re.compile(r"/requests/[^/]+/\?payment=done$"))
    assert page.locator("h1 .status").inner_text() == "Fulfilled"
    licence = Licence.objects.get(request=licence_request)
    assert page.locator(".licences .licence-number").all_inner_texts() == [licence.number]
    statuses = [status for _event, status in stripe_standin.deliveries]
    assert statuses and set(statuses) == {200}, stripe_standin.deliveries
    axe(page)

    portal_log_in(page, user)
    axe(page)
    page.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))
    assert page.locator("h1 code").inner_text() == licence.number
    axe(page)
    with page.expect_download() as download_info:
        page.locator(".downloads a", has_text=re.compile(r"^PDF$")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_an_invoice_partners_licence_arrives_when_the_invoice_is_paid(new_context, stripe_standin):
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor(
        payment_method=PaymentMethod.INVOICE, payment_terms_days=14
    )
    licence_request = given_a_submitted_request(partner, article)
    admin_approve_as_staff(new_context, licence_request)
    page = new_context().new_page()
    page.goto(status_path(licence_request))
    assert page.locator("h1 .status").inner_text() == "Awaiting payment"
    assert page.get_by_role("link", name="View and pay the invoice").count() == 1
    assert page.locator(".licences").count() == 0

    payment = Payment.objects.get(request=licence_request)
    stripe_standin.pay_invoice(payment.stripe_invoice_id)

    page.reload()
    assert page.locator("h1 .status").inner_text() == "Fulfilled"
    licence = Licence.objects.get(request=licence_request)
    assert page.locator(".licences .licence-number").all_inner_texts() == [licence.number]
    portal_log_in(page, user)
    page.goto(reverse("portal:licences"))
    assert page.get_by_role("link", name=licence.number).count() == 1
    axe(page)
