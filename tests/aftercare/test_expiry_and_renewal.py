"""Licences expire at their end date with notice (email and webhook), get a `licence.expiring`
webhook beside the reminder email, and renew at the rate card in force today."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from licensing import services
from licensing.aftercare import article_take_down, licence_renewal_prefill
from licensing.aftercare_tasks import aftercare_sweep
from licensing.models import Licence, LicenceRequest, LicenceStatus
from licensing.quoting import UseSpec
from syndication.webhooks import webhook_endpoint_for, webhook_signature_verify
from tests import factories as f

pytestmark = pytest.mark.django_db


def ends_in(licence: Licence, days: int) -> None:
    Licence.objects.filter(pk=licence.pk).update(ends_on=timezone.localdate() + timedelta(days))


def test_the_sweep_expires_a_licence_and_tells_the_licensee_once(licensees, receiver, on_commit):
    (north, north_licence), (_, south_licence) = licensees
    ends_in(north_licence, -1)
    mail.outbox.clear()

    with on_commit():
        aftercare_sweep.enqueue()
        aftercare_sweep.enqueue()

    north_licence.refresh_from_db()
    south_licence.refresh_from_db()
    assert (north_licence.status, south_licence.status) == ("expired", "active")
    [email] = [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_expired"]
    assert email.to == ["desk@northacademy.example"]
    assert north_licence.number in email.subject
    [received] = receiver.received
    assert (received.path, received.event) == ("/north", "licence.expired")
    assert received.json["data"]["licence"]["status"] == "expired"
    assert webhook_signature_verify(
        webhook_endpoint_for(north).secret, received.body, received.signature, 300
    )


def test_a_licence_the_bulk_sweep_expired_first_is_still_told(licensees, receiver, on_commit):
    (_, north_licence), _ = licensees
    ends_in(north_licence, -1)
    assert services.licences_expire_due() == 1  # the task layer's own sweep, without notices

    with on_commit():
        aftercare_sweep.enqueue()

    assert [r.event for r in receiver.received] == ["licence.expired"]


def test_an_expiring_licence_gets_one_webhook_per_reminder(
    licensees, receiver, on_commit, settings
):
    settings.LICENCE_EXPIRY_REMINDER_DAYS = [30, 7]
    (_, north_licence), (_, south_licence) = licensees
    ends_in(north_licence, 5)
    ends_in(south_licence, 20)
    mail.outbox.clear()

    with on_commit():
        aftercare_sweep.enqueue()
        aftercare_sweep.enqueue()

    events = sorted((r.path, r.event, r.json["data"]["days_left"]) for r in receiver.received)
    assert events == [("/north", "licence.expiring", 5), ("/south", "licence.expiring", 20)]
    assert receiver.received[0].json["data"]["renew_url"].endswith("/renew")
    # The reminder email is the task layer's (licensing.tasks.send_expiry_reminders), not sent here
    assert [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_expiring"] == []


@pytest.fixture
def web_licence(rate_card, article):
    partner = f.PartnerFactory(name="Valley Gazette")
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=UseSpec(use_type="web", territory="gb", term="30d", reach=50_000),
        terms_accepted=True,
        intended_url="https://gazette.example/tide",
    )
    services.licence_request_mark_paid(request=request, actor_label="billing")
    return Licence.objects.get(request=request)


def test_a_renewal_files_the_same_use_at_todays_rate_card(web_licence, rate_card):
    # Given prices went up since the licence was issued
    f.standard_rate_card(version=2, effective_from=date(2026, 6, 1), minimum_fee=Decimal("0"))
    from licensing.models import BaseFee

    BaseFee.objects.filter(card__version=2, use_type="web", portion="full").update(amount=140)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(web_licence.partner)}")
    url = f"/api/v1/licences/{web_licence.number}/renew"

    preview = api.get(url).json()
    assert preview["quote"]["total"] == "140.00"
    assert (preview["use_type"], preview["territory"], preview["term"]) == ("web", "gb", "30d")
    assert preview == licence_renewal_prefill(licence=web_licence) | {"quote": preview["quote"]}

    refused = api.post(url, {"accept_terms": False}, format="json")
    assert refused.status_code == 400
    assert "accept_terms" in refused.json()["error"]["fields"]

    renewed = api.post(url, {"accept_terms": True}, format="json")

    assert renewed.status_code == 201
    body = renewed.json()
    assert body["total"] == "140.00"
    request = LicenceRequest.objects.get(pk=body["id"])
    assert request.rate_card.version == 2
    assert (request.use_type, request.territory, request.term, request.reach) == (
        "web",
        "gb",
        "30d",
        50_000,
    )
    assert list(request.articles.all()) == [web_licence.article]
    assert request.intended_url == "https://gazette.example/tide"
    assert request.message == f"Renewal of licence {web_licence.number}."


def test_a_revoked_licence_cannot_be_renewed(web_licence, staff):
    article_take_down(article=web_licence.article, actor=staff, reason="Legal complaint")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(web_licence.partner)}")

    response = api.post(
        f"/api/v1/licences/{web_licence.number}/renew", {"accept_terms": True}, format="json"
    )

    assert response.status_code == 409
    assert Licence.objects.get(pk=web_licence.pk).status == LicenceStatus.REVOKED
