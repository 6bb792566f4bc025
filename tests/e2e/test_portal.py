"""The partner portal and the public verification page in a real browser: a partner's own
pages pass axe-core, and another partner's licence cannot be reached by typing its URL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from billing.models import Payment, PaymentMethod, PaymentStatus
from licensing.aftercare import licence_article_corrected
from syndication.services import article_update
from syndication.webhooks import webhook_endpoint_set, webhook_test_send
from tests import factories as f
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    given_a_licence,
    given_a_partner_editor,
    given_a_submitted_request,
    given_an_article_on_the_rate_card,
    portal_log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_anyone_can_verify_a_licence_number(page):
    article = given_an_article_on_the_rate_card()
    partner, _ = given_a_partner_editor()
    licence = given_a_licence(partner, article)

    page.goto(reverse("licensing:licence-verify", kwargs={"number": licence.number}))

    assert page.locator("h1 .licence-number").inner_text() == licence.number
    assert page.locator("h1 .status").inner_text() == "Active"
    axe(page)


def test_every_portal_page_a_partner_reaches_from_the_menu_passes_axe(page):
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor()
    licence = given_a_licence(partner, article)
    given_a_submitted_request(partner, f.ArticleFactory(publication=article.publication))
    for signed_out in (reverse("portal:password-reset"), reverse("portal:login")):
        page.goto(signed_out)
        axe(page)
    portal_log_in(page, user)
    axe(page)

    menu = page.locator("nav a[href^='/portal/']")
    paths = list(dict.fromkeys(menu.evaluate_all("links => links.map(a => a.pathname)")))
    assert len(paths) == 8, paths
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        axe(page)
    for path in (
        reverse("portal:request-detail", kwargs={"pk": licence.request_id}),
        reverse("portal:licence-detail", kwargs={"number": licence.number}),
    ):
        page.goto(path)
        axe(page)


def test_signed_out_reset_pages_the_403_and_pages_with_content_and_errors_pass_axe(page, settings):
    # Given a partner with a licence, a correction to acknowledge, a receipt and a webhook
    # endpoint whose test delivery failed; and a user who belongs to no partner
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor()
    licence = given_a_licence(partner, article)
    payment = Payment.objects.create(
        request=licence.request, method=PaymentMethod.OFFLINE, amount=Decimal("100.00"),
        currency="GBP", status=PaymentStatus.PAID, offline_reference="BACS-77",
        paid_at=timezone.now(),
    )  # fmt: skip
    endpoint = webhook_endpoint_set(partner=partner, url="http://127.0.0.1:9/hook")
    delivery = webhook_test_send(endpoint=endpoint)
    _, revision = article_update(
        article=article, body_html="<p>Corrected figures.</p>", correction_note="Fixed the date."
    )
    licence_article_corrected(article_id=article.pk, revision_id=revision.pk)
    outsider = f.UserFactory(username="outsider")

    # The outsider resets a password: confirm (with a mismatch first), complete, then the 403
    page.goto(reverse("portal:password-reset-done"))
    axe(page)
    uid = urlsafe_base64_encode(force_bytes(outsider.pk))
    token = default_token_generator.make_token(outsider)
    page.goto(reverse("portal:password-reset-confirm", kwargs={"uidb64": uid, "token": token}))
    page.wait_for_url(re.compile(r"/set-password/$"))
    axe(page)
    page.locator("#id_new_password1").fill("tidal gauge 2026!")
    page.locator("#id_new_password2").fill("tidal gauge 2027!")
    page.get_by_role("button", name="Save the password").click()
    page.locator(".errorlist").first.wait_for()
    axe(page)
    page.locator("#id_new_password1").fill("tidal gauge 2026!")
    page.locator("#id_new_password2").fill("tidal gauge 2026!")
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_url(f"**{reverse('portal:password-reset-complete')}")
    axe(page)
    page.goto(reverse("portal:login"))
    page.get_by_label("Username").fill("outsider")
    page.get_by_label("Password").fill("tidal gauge 2026!")
    page.get_by_role("button", name=re.compile("^(Log|Sign) in$")).click()
    page.wait_for_url(re.compile(r"/portal/$"))
    assert page.get_by_text("This portal is for partner outlets").count() == 1
    axe(page)
    page.context.clear_cookies()

    # Public refusals: an unknown licence number and a download link that is not valid
    response = page.goto(reverse("licensing:licence-verify", kwargs={"number": "HC-2026-999999"}))
    assert response.status == 404
    axe(page)
    response = page.goto(reverse("licensing:package-download", kwargs={"token": "not-a-token"}))
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Download link not valid"
    axe(page)

    # The partner's pages with content in them
    portal_log_in(page, user)
    page.goto(reverse("portal:keys"))
    page.get_by_role("button", name="Make the key").click()
    page.locator("#id_name_error").wait_for()
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    axe(page)
    page.get_by_label("Name").fill("CMS production")
    page.get_by_role("button", name="Make the key").click()
    page.wait_for_url(re.compile(r"/portal/keys/\d+/created$"))
    axe(page)
    page.goto(reverse("portal:keys"))
    assert page.get_by_text("CMS production").count() >= 1
    axe(page)
    page.goto(reverse("portal:webhooks"))
    axe(page)
    delivery_path = reverse("portal:delivery-detail", kwargs={"pk": delivery.pk})
    page.locator(f"a[href='{delivery_path}']").click()
    page.wait_for_url(f"**{delivery_path}")
    axe(page)
    page.goto(reverse("portal:corrections"))
    assert page.get_by_text("Fixed the date.").count() >= 1
    assert page.get_by_role("button", name="I have applied this correction").count() == 1
    axe(page)
    page.goto(reverse("portal:payments"))
    receipt_path = reverse("portal:receipt", kwargs={"pk": payment.pk})
    page.locator(f"a[href='{receipt_path}']").click()
    page.wait_for_url(f"**{receipt_path}")
    assert page.get_by_text("BACS-77").count() >= 1
    axe(page)


def test_a_partner_cannot_open_another_partners_licence_by_url(new_context, stripe_standin):
    article = given_an_article_on_the_rate_card()
    owner, _ = given_a_partner_editor()
    licence = given_a_licence(owner, article)
    _, stranger = given_a_partner_editor(name="Rival Post")
    page = new_context().new_page()
    portal_log_in(page, stranger)

    response = page.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))

    # Then it is the same 404 as for a number that was never issued: nothing says it exists
    assert response.status == 404
    assert article.headline not in page.content()
    assert owner.name not in page.content()
    theirs = (page.title(), page.inner_text("main"))
    never_issued = "HC-1999-999999"
    response = page.goto(reverse("portal:licence-detail", kwargs={"number": never_issued}))
    assert response.status == 404
    assert (page.title(), page.inner_text("main")) == theirs
    response = page.goto(reverse("portal:request-detail", kwargs={"pk": licence.request_id}))
    assert response.status == 404
    assert article.headline not in page.content()
