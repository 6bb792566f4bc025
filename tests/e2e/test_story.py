"""Issue 6's story in one chain, as a partner's editor and the syndication desk live it: the
editor files from the article's Republish page, staff approve that very request in the admin,
the editor pays it on the Stripe stand-in's hosted checkout and downloads the licence PDF from
the portal. axe-core checks every one of our pages on the way."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.urls import reverse

from billing.models import Payment, PaymentStatus
from licensing.links import status_path
from licensing.models import Licence, LicenceRequest, RequestStatus
from tests import factories as f
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    admin_approve,
    admin_log_in,
    fill_republish_form,
    given_a_partner_editor,
    given_an_article_on_the_rate_card,
    portal_log_in,
    quote_rows,
    republish_path,
)
from tests.e2e.test_republish import QUOTE_150K

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_text(path: str) -> str:
    """The PDF's text as poppler reads it (poppler-utils is a system package of `make setup`)."""
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout


def test_a_partner_files_staff_approve_the_partner_pays_and_downloads_the_licence_pdf(
    new_context, stripe_standin
):
    # Given a partner's editor signed into the portal, and an article on the rate card
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor(name="Valley Gazette")
    editor = new_context().new_page()
    portal_log_in(editor, user)
    axe(editor)

    # When the editor files from the article's Republish page, the quote is explained live
    editor.goto(republish_path(article))
    axe(editor)
    fill_republish_form(editor, {"contact_email": user.email, "outlet": partner.name})
    editor.locator("#quote tr.total", has_text="£150.00").wait_for()
    assert quote_rows(editor) == QUOTE_150K
    axe(editor)
    editor.get_by_label("I accept the licence terms").check()
    editor.get_by_role("button", name="Send the request").click()
    editor.wait_for_url(re.compile(r"/requests/[^/]+/$"))
    assert editor.locator("h1 .status").inner_text() == "Submitted"
    assert quote_rows(editor) == QUOTE_150K
    axe(editor)
    licence_request = LicenceRequest.objects.get()
    assert (licence_request.partner, licence_request.status) == (partner, RequestStatus.SUBMITTED)
    # and finds it in the portal with the same explained quote
    editor.goto(reverse("portal:request-detail", kwargs={"pk": licence_request.pk}))
    assert quote_rows(editor) == QUOTE_150K
    axe(editor)

    # Then staff approve that request from the admin's review queue, in their own browser.
    # (The admin and the stand-in's checkout page are Django's and the test's, not ours: axe
    # checks our public and portal pages.)
    desk = new_context().new_page()
    admin_log_in(desk, f.StaffFactory(username="desk"))
    admin_approve(desk, licence_request)
    assert desk.locator(".messagelist .success").inner_text() == "Approved: 1 request."
    licence_request.refresh_from_db()
    assert licence_request.status == RequestStatus.AWAITING_PAYMENT

    # The editor pays it through the stand-in's hosted checkout
    editor.goto(status_path(licence_request))
    assert editor.locator("h1 .status").inner_text() == "Awaiting payment"
    axe(editor)
    editor.get_by_role("link", name="Pay £150.00 by card").click()
    editor.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/pay/cs_"))
    assert editor.locator("#total").inner_text() == "15000 GBP"
    editor.locator("#pay").click()
    editor.wait_for_url(re.compile(r"/requests/[^/]+/\?payment=done$"))
    assert editor.locator("h1 .status").inner_text() == "Fulfilled"
    licence = Licence.objects.get(request=licence_request)
    assert editor.locator(".licences .licence-number").all_inner_texts() == [licence.number]
    assert Payment.objects.get(request=licence_request).status == PaymentStatus.PAID
    axe(editor)

    # and downloads the licence PDF from the portal: a PDF that names the licence
    editor.goto(reverse("portal:licences"))
    axe(editor)
    editor.get_by_role("link", name=licence.number).click()
    editor.wait_for_url(f"**{reverse('portal:licence-detail', kwargs={'number': licence.number})}")
    assert editor.locator("h1 code").inner_text() == licence.number
    axe(editor)
    with editor.expect_download() as download_info:
        editor.locator(".downloads a", has_text=re.compile(r"^PDF$")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = str(download.path())
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert licence.number in pdf_text(path)
