"""Current screenshots of the main pages for the README: `make screenshots` runs this module
(pytest collects it only when named, so `make test` does not rewrite the pictures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from billing.models import Payment
from licensing.links import status_path
from licensing.models import Licence, LicenceRequest
from tests import factories as f
from tests.e2e.steps import (
    admin_approve,
    admin_log_in,
    fill_republish_form,
    given_a_partner_editor,
    given_an_article_on_the_rate_card,
    portal_log_in,
    republish_path,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_screenshots_of_the_main_pages(new_context, stripe_standin):
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor(name="Valley Gazette")
    editor = new_context(viewport={"width": 1280, "height": 800}).new_page()
    # Signed in, the editor files for the partner, so the licence shows in the portal.
    portal_log_in(editor, user)
    editor.goto(republish_path(article))
    fill_republish_form(editor, {"contact_email": user.email, "outlet": partner.name})
    editor.locator("#quote tr.total", has_text="£150.00").wait_for()
    shoot(editor, "republish")

    editor.get_by_label("I accept the licence terms").check()
    editor.get_by_role("button", name="Send the request").click()
    editor.wait_for_url(re.compile(r"/requests/[^/]+/$"))
    assert editor.locator("h1 .status").inner_text() == "Submitted"
    shoot(editor, "status-submitted")

    licence_request = LicenceRequest.objects.get()
    assert licence_request.partner == partner
    desk = new_context(viewport={"width": 1440, "height": 800}).new_page()
    admin_log_in(desk, f.StaffFactory(username="desk"))
    desk.goto(reverse("admin:licensing_licencerequest_changelist"))
    shoot(desk, "admin-review-queue")
    admin_approve(desk, licence_request)

    editor.goto(status_path(licence_request))
    editor.get_by_role("link", name=re.compile(r"^Pay .* by card$")).click()
    editor.locator("#pay").click()
    editor.wait_for_url(re.compile(r"\?payment=done$"))
    assert editor.locator("h1 .status").inner_text() == "Fulfilled"
    shoot(editor, "status-fulfilled")
    assert Payment.objects.get(request=licence_request).status == "paid"

    licence = Licence.objects.get(request=licence_request)
    editor.goto(reverse("licensing:licence-verify", kwargs={"number": licence.number}))
    assert editor.locator("h1 .status").inner_text() == "Active"
    shoot(editor, "verify")

    editor.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))
    assert editor.locator("h1 code").inner_text() == licence.number
    shoot(editor, "portal-licence")

    editor.goto(reverse("portal:home"))
    shoot(editor, "portal-home")

    # A second request waits for review, so the dashboard has something in each column.
    editor.goto(republish_path(article))
    fill_republish_form(editor, {"contact_email": user.email, "outlet": partner.name})
    editor.get_by_label("I accept the licence terms").check()
    editor.get_by_role("button", name="Send the request").click()
    editor.wait_for_url(re.compile(r"/requests/[^/]+/$"))
    desk.goto(reverse("dashboard:home"))
    assert desk.locator("h1").inner_text() == "Staff dashboard"
    shoot(desk, "staff-dashboard")
