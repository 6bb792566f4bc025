"""The partner portal: a partner user signs in and sees, and acts on, only its own outlet's
requests, licences, corrections, keys and webhooks."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from licensing.aftercare import licence_article_corrected
from licensing.aftercare_models import CorrectionNotice
from licensing.models import BaseFee, LicenceRequest, RequestStatus
from syndication.models import ApiKey
from syndication.services import api_key_create, article_update
from syndication.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEventType
from syndication.webhooks import webhook_endpoint_set, webhook_test_send
from tests import factories as f
from tests.portal.conftest import file_request, licensed

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# -- Signing in --------------------------------------------------------------------------------


def test_the_portal_asks_a_visitor_to_sign_in(db):
    response = Client().get("/portal/requests/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/requests/"


def test_a_partner_user_signs_in_and_lands_on_the_portal(member):
    client = Client()

    response = client.post(
        "/portal/login/", {"username": member.user.username, "password": "correct horse battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_user_without_a_partner_gets_a_polite_403(db):
    client = Client()
    client.force_login(f.UserFactory())

    response = client.get("/portal/")

    assert response.status_code == 403
    assert "This portal is for partner outlets" in text(response)


def test_a_partner_user_resets_a_forgotten_password_by_email_and_signs_in(member):
    # Given a partner user who has forgotten the password
    client = Client()
    member.user.email = "ada@gazette.example"
    member.user.save(update_fields=["email"])

    # When they ask for a reset, follow the emailed link and choose a new password
    asked = client.post("/portal/password-reset/", {"email": "ada@gazette.example"})
    [email] = mail.outbox
    link = re.search(r"http://testserver(/portal/password-reset/[^/]+/[^/]+/)", email.body)
    assert link, email.body
    opened = client.get(link.group(1))
    form_url = opened["Location"]
    form = client.get(form_url)
    saved = client.post(
        form_url, {"new_password1": "tidal gauge 2026!", "new_password2": "tidal gauge 2026!"}
    )
    done = client.get(saved["Location"])

    # Then the old password is gone and the new one signs them in
    assert asked.status_code == 302 and asked["Location"] == "/portal/password-reset/sent/"
    assert email.to == ["ada@gazette.example"]
    assert f"Your username is {member.user.username}." in email.body
    assert opened.status_code == 302 and form_url.endswith("/set-password/")
    assert "Choose a new password" in text(form) and 'name="new_password1"' in text(form)
    assert saved.status_code == 302 and saved["Location"] == "/portal/password-reset/done/"
    assert done.status_code == 200
    signed_out = Client()
    assert not signed_out.login(username=member.user.username, password="correct horse battery")
    signed_in = signed_out.post(
        "/portal/login/", {"username": member.user.username, "password": "tidal gauge 2026!"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    assert "This link has been used or has expired." in text(client.get(form_url))


# -- Requests and what needs attention ---------------------------------------------------------


def test_home_lists_what_needs_attention(portal, gazette, rate_card, article):
    # Given a request awaiting payment (no Stripe: bank transfer) and a licence ending soon
    awaiting = file_request(gazette, article)
    licence = licensed(gazette, f.ArticleFactory(headline="Ferry timetable cut"))
    licence.ends_on = timezone.localdate() + timedelta(days=10)
    licence.save(update_fields=["ends_on"])

    page = text(portal.get("/portal/"))

    assert awaiting.status == RequestStatus.AWAITING_PAYMENT
    assert f'href="/portal/requests/{awaiting.pk}/"' in page
    assert f"quoting your request number {awaiting.pk}" in page
    assert f'href="/portal/licences/{licence.number}/renew"' in page


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_home_reads_the_payments_of_every_request_awaiting_payment_at_once(
    portal, gazette, rate_card, article
):
    # Given one request awaiting payment, and the page's cost with it
    file_request(gazette, article)
    with_one = queries_for(portal, "/portal/")

    # When four more are waiting
    for _ in range(4):
        file_request(gazette, f.ArticleFactory())

    # Then the page costs no more queries: no query per request
    assert queries_for(portal, "/portal/") == with_one
    assert text(portal.get("/portal/")).count("quoting your request number") == 5


@pytest.mark.parametrize(
    "url", ["/portal/", "/portal/requests/", "/portal/licences/", "/portal/payments/"]
)
def test_list_pages_cost_the_same_for_one_licence_or_five(portal, gazette, rate_card, url):
    # Given one paid licence, and what the page costs with it
    licensed(gazette, f.ArticleFactory())
    with_one = queries_for(portal, url)

    # When the partner has four more
    for _ in range(4):
        licensed(gazette, f.ArticleFactory())

    # Then the page reads them with the same queries: nothing per row
    assert queries_for(portal, url) == with_one


def test_a_partner_sees_its_requests_and_filters_them_by_status(
    portal, gazette, rival, rate_card, article
):
    paying = file_request(gazette, article)
    open_one = file_request(f.PartnerFactory(verified=False), article)
    theirs = file_request(rival, article)

    listed = text(portal.get("/portal/requests/"))
    filtered = text(portal.get("/portal/requests/?status=fulfilled"))

    assert f"/portal/requests/{paying.pk}/" in listed
    assert f"/portal/requests/{theirs.pk}/" not in listed
    assert f"/portal/requests/{open_one.pk}/" not in listed
    assert "£100.00" in listed
    assert f"/portal/requests/{paying.pk}/" not in filtered


def test_another_partners_request_licence_delivery_and_key_are_404(
    portal, rival, rate_card, article, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    request = file_request(rival, article)
    licence = licensed(rival, f.ArticleFactory())
    delivery = webhook_test_send(
        endpoint=webhook_endpoint_set(partner=rival, url="http://127.0.0.1:9/hook")
    )
    key = api_key_create(partner=rival, name="Their CMS").api_key

    assert portal.get(f"/portal/requests/{request.pk}/").status_code == 404
    assert portal.post(f"/portal/requests/{request.pk}/cancel").status_code == 404
    assert portal.get(f"/portal/licences/{licence.number}/").status_code == 404
    assert portal.get(f"/portal/licences/{licence.number}/renew").status_code == 404
    assert portal.get(f"/portal/webhooks/deliveries/{delivery.pk}/").status_code == 404
    assert portal.post(f"/portal/webhooks/deliveries/{delivery.pk}/resend").status_code == 404
    assert portal.get(f"/portal/keys/{key.pk}/revoke").status_code == 404
    assert portal.post(f"/portal/keys/{key.pk}/revoke").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_the_request_page_shows_the_quote_timeline_and_bank_transfer_without_stripe(
    portal, gazette, rate_card, article, settings
):
    settings.STRIPE_SECRET_KEY = ""
    request = file_request(gazette, article)

    page = text(portal.get(f"/portal/requests/{request.pk}/"))

    assert "How the price is worked out" in page
    assert "Request received" in page and "Awaiting payment" in page
    assert f"Please pay £100.00 by bank transfer, quoting your request number {request.pk}" in (
        page
    )
    assert "by card" not in page


def test_the_request_page_carries_the_pay_link_when_stripe_is_configured(
    portal, gazette, rate_card, article, stripe_standin
):
    request = file_request(gazette, article)

    page = text(portal.get(f"/portal/requests/{request.pk}/"))
    home = text(portal.get("/portal/"))

    assert "Pay £100.00 by card" in page
    assert "/billing/pay/" in page
    assert "Pay £100.00 by card" in home
    assert "bank transfer" not in page


def test_a_partner_cancels_an_open_request(member, rate_card, article):
    partner = member.partner
    partner.verified = False
    partner.save(update_fields=["verified"])
    client = Client()
    client.force_login(member.user)
    request = file_request(partner, article)
    assert request.status == RequestStatus.SUBMITTED

    response = client.post(f"/portal/requests/{request.pk}/cancel", {"reason": "Went elsewhere"})

    request.refresh_from_db()
    assert response.status_code == 303
    assert request.status == RequestStatus.CANCELLED
    assert request.decision_note == "Went elsewhere"
    assert request.events.get(action="cancelled").actor_label == f"portal:{member.user.username}"


# -- Licences, downloads, renewal --------------------------------------------------------------


def test_the_licence_page_offers_every_format_the_snippet_and_the_verification_link(
    portal, gazette, rate_card, article, django_capture_on_commit_callbacks, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        licence = licensed(gazette, article)

    page = text(portal.get(f"/portal/licences/{licence.number}/"))
    listed = text(portal.get("/portal/licences/"))

    assert licence.number in listed
    assert page.count('href="http://127.0.0.1:8000/downloads/') == 6
    for label in ("Standalone HTML", "PDF", "IPTC ninjs", "Signed ZIP bundle"):
        assert label in page
    assert f"http://127.0.0.1:8000/licences/{licence.number}/verify" in page
    assert 'id="cms-snippet"' in page and 'data-copy-target="cms-snippet"' in page
    assert licence.number in page.split('id="cms-snippet"')[1].split("</textarea>")[0]


def test_a_renewal_files_a_new_request_at_the_current_rate_card(
    portal, gazette, rate_card, article
):
    licence = licensed(gazette, article)
    f.standard_rate_card(version=2, effective_from=timezone.localdate(), minimum_fee=Decimal("0"))
    BaseFee.objects.filter(card__version=2, use_type="web", portion="full").update(amount=140)
    url = f"/portal/licences/{licence.number}/renew"

    preview = text(portal.get(url))
    refused = portal.post(url, {})
    renewed = portal.post(url, {"accept_terms": "on"})

    assert "£140.00" in preview
    assert refused.status_code == 200
    assert "Accept the licence terms" in text(refused)
    assert 'aria-invalid="true"' in text(refused)
    new = LicenceRequest.objects.exclude(pk=licence.request_id).get()
    assert renewed.status_code == 303
    assert renewed["Location"] == f"/portal/requests/{new.pk}/"
    assert (new.rate_card.version, new.total) == (2, Decimal("140.00"))
    assert list(new.articles.all()) == [article]
    assert new.message == f"Renewal of licence {licence.number}."


# -- Corrections -------------------------------------------------------------------------------


def test_acknowledging_a_correction_works_once_and_stands(
    portal, member, gazette, rate_card, article
):
    licence = licensed(gazette, article)
    _, revision = article_update(
        article=article, body_html="<p>Corrected figures.</p>", correction_note="Fixed the date."
    )
    [notice] = licence_article_corrected(article_id=article.pk, revision_id=revision.pk)
    assert "Fixed the date." in text(portal.get("/portal/corrections/"))

    first = portal.post(f"/portal/corrections/{notice.pk}/acknowledge")
    notice.refresh_from_db()
    acknowledged_at = notice.acknowledged_at
    second = portal.post(f"/portal/corrections/{notice.pk}/acknowledge")
    notice.refresh_from_db()

    assert (first.status_code, second.status_code) == (303, 303)
    assert acknowledged_at is not None
    assert notice.acknowledged_at == acknowledged_at
    assert notice.acknowledged_by == f"portal:{member.user.username}"
    assert "Fixed the date." not in text(portal.get("/portal/corrections/"))
    assert CorrectionNotice.objects.filter(acknowledged_at__isnull=True).count() == 0
    assert notice.licence == licence


def test_another_partners_correction_cannot_be_acknowledged(portal, rival, rate_card, article):
    licence = licensed(rival, article)
    _, revision = article_update(article=article, body_html="<p>New.</p>", correction_note="x")
    [notice] = licence_article_corrected(article_id=article.pk, revision_id=revision.pk)

    response = portal.post(f"/portal/corrections/{notice.pk}/acknowledge")

    notice.refresh_from_db()
    assert response.status_code == 404
    assert notice.acknowledged_at is None
    assert licence.partner == rival


# -- API keys ----------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_only_its_digest_is_stored(portal, gazette):
    response = portal.post("/portal/keys/", {"name": "CMS production"})

    key = ApiKey.objects.get(partner=gazette)
    assert response.status_code == 303
    assert response["Location"] == f"/portal/keys/{key.pk}/created"
    first = portal.get(response["Location"])
    raw = first.context["raw_key"]
    assert raw.startswith(key.prefix + "_")
    assert raw in text(first)
    assert "no-store" in first["Cache-Control"].split(", ")
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (key.prefix, key.digest, key.name)
    again = text(portal.get(response["Location"]))
    assert raw not in again
    assert "cannot be shown again" in again
    assert raw not in text(portal.get("/portal/keys/"))


def test_a_key_needs_a_name(portal, gazette):
    response = portal.post("/portal/keys/", {"name": ""})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in text(response)
    assert not ApiKey.objects.filter(partner=gazette).exists()


def test_revoking_a_key_asks_first_then_revokes(portal, gazette):
    key = api_key_create(partner=gazette, name="Old CMS").api_key

    confirm = text(portal.get(f"/portal/keys/{key.pk}/revoke"))
    key.refresh_from_db()
    assert "Revoke the key" in confirm and key.revoked_at is None

    response = portal.post(f"/portal/keys/{key.pk}/revoke")

    key.refresh_from_db()
    assert response.status_code == 303
    assert key.revoked_at is not None
    assert "Revoked on" in text(portal.get("/portal/keys/"))


# -- Webhooks ----------------------------------------------------------------------------------


def test_a_partner_sets_its_webhook_sends_a_test_event_and_resends_it(portal, gazette, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    saved = portal.post("/portal/webhooks/", {"url": "http://127.0.0.1:9/hook", "active": "on"})
    endpoint = WebhookEndpoint.objects.get(partner=gazette)
    tested = portal.post("/portal/webhooks/test")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    resent = portal.post(f"/portal/webhooks/deliveries/{delivery.pk}/resend")
    delivery.refresh_from_db()
    page = text(portal.get("/portal/webhooks/"))

    assert (saved.status_code, tested.status_code, resent.status_code) == (303, 303, 303)
    assert endpoint.url == "http://127.0.0.1:9/hook"
    assert delivery.event_type == WebhookEventType.TEST
    assert delivery.resends == 1
    assert endpoint.secret in page
    assert f"/portal/webhooks/deliveries/{delivery.pk}/" in page


def test_rotating_the_secret_replaces_it(portal, gazette, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = webhook_endpoint_set(partner=gazette, url="http://127.0.0.1:9/hook")

    portal.post("/portal/webhooks/rotate")

    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret_rotated_at is not None


def test_a_webhook_url_inside_our_network_is_refused_beside_the_field(portal, gazette):
    response = portal.post("/portal/webhooks/", {"url": "https://10.0.0.5/hook", "active": "on"})

    assert response.status_code == 200
    assert "private network address" in text(response)
    assert 'aria-describedby="id_url_helptext id_url_error"' in text(response)
    assert not WebhookEndpoint.objects.filter(partner=gazette).exists()


# -- Account and payments ----------------------------------------------------------------------


def test_account_and_receipts_come_from_billing_through_the_hook(
    portal, gazette, rate_card, article
):
    from billing.models import Payment, PaymentMethod, PaymentStatus

    f.PartnerContactFactory(partner=gazette, name="Desk Editor", email="desk@gazette.example")
    request = file_request(gazette, article)
    payment = Payment.objects.create(
        request=request,
        method=PaymentMethod.OFFLINE,
        amount=Decimal("100.00"),
        currency="GBP",
        status=PaymentStatus.PAID,
        offline_reference="BACS-77",
        paid_at=timezone.now(),
    )

    account = text(portal.get("/portal/account/"))
    payments = text(portal.get("/portal/payments/"))
    receipt = text(portal.get(f"/portal/payments/{payment.pk}/receipt"))

    assert "desk@gazette.example" in account
    assert "Card (Stripe Checkout)" in account
    assert "£100.00" in payments and f"/portal/payments/{payment.pk}/receipt" in payments
    assert "BACS-77" in receipt


def test_an_invoice_is_listed_with_its_link_on_the_payments_page(
    portal, gazette, rate_card, article
):
    from billing.models import Payment, PaymentMethod, PaymentStatus

    # Given an invoice partner's request with an open Stripe invoice
    request = file_request(gazette, article)
    Payment.objects.filter(request=request).delete()
    Payment.objects.create(
        request=request,
        method=PaymentMethod.INVOICE,
        amount=Decimal("100.00"),
        currency="GBP",
        status=PaymentStatus.PENDING,
        stripe_invoice_id="in_test_77",
        invoice_url="https://invoice.stripe.example/i/in_test_77",
        invoice_number="HC-INV-0077",
    )

    page = text(portal.get("/portal/payments/"))

    # Then the row names the invoice and links to it; no receipt while it is unpaid
    assert '<a href="https://invoice.stripe.example/i/in_test_77">Invoice HC-INV-0077</a>' in page
    assert "Invoice (Stripe)" in page and "Pending" in page and "£100.00" in page
    assert "/receipt" not in page


def test_another_partners_receipt_is_404(portal, rival, rate_card, article):
    from billing.models import Payment, PaymentStatus

    payment = Payment.objects.create(
        request=file_request(rival, article),
        method="offline",
        amount=Decimal("100.00"),
        currency="GBP",
        status=PaymentStatus.PAID,
    )

    assert portal.get(f"/portal/payments/{payment.pk}/receipt").status_code == 404
