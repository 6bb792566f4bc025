"""A correction to a licensed article reaches every licensee, by email and by a signed webhook to
its own receiver, once; licensees acknowledge it and staff see who has and who has not."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from jobs.models import EmailLog
from licensing.aftercare import licence_article_corrected
from licensing.aftercare_models import CorrectionNotice
from syndication.services import article_update
from syndication.webhook_models import DeliveryStatus, WebhookDelivery
from syndication.webhooks import webhook_endpoint_for, webhook_signature_verify
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "An earlier version misstated the height of the tide by a metre."


@pytest.fixture
def corrected(licensees, article, on_commit):
    """The newsroom corrects the article through the catalogue service."""
    mail.outbox.clear()
    with on_commit():
        article, revision = article_update(
            article=article,
            body_html="<p>The gauges recorded 5.2 metres, the highest in a century.</p>",
            correction_note=NOTE,
        )
    return revision


def test_a_correction_notifies_both_licensees_by_email_and_signed_webhook(
    licensees, article, receiver, corrected
):
    (north, north_licence), (south, south_licence) = licensees

    # Then each licence has one correction notice, sent
    notices = CorrectionNotice.objects.order_by("licence__partner__name")
    assert [(n.licence, n.revision, n.note) for n in notices] == [
        (north_licence, corrected, NOTE),
        (south_licence, corrected, NOTE),
    ]
    assert all(n.sent_at is not None and n.acknowledged_at is None for n in notices)

    # And each partner's notice contacts (not the quiet one) got the email
    corrections = sorted(
        (m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_corrected"),
        key=lambda m: m.to,
    )
    assert [m.to for m in corrections] == [
        ["desk@northacademy.example"],
        ["desk@southcollege.example"],
    ]
    assert NOTE in corrections[0].body
    assert north_licence.number in corrections[0].subject

    # And each receiver path got one article.corrected event, signed with its partner's secret
    by_path = {r.path: r for r in receiver.received}
    assert sorted(by_path) == ["/north", "/south"]
    for path, partner, licence in (
        ("/north", north, north_licence),
        ("/south", south, south_licence),
    ):
        received = by_path[path]
        secret = webhook_endpoint_for(partner).secret
        assert received.event == "article.corrected"
        assert webhook_signature_verify(secret, received.body, received.signature, 300)
        event = received.json
        assert event["type"] == "article.corrected"
        assert event["id"] == received.headers["X-Republish-Delivery"]
        assert event["data"]["licence"]["number"] == licence.number
        assert event["data"]["correction"] == {
            "revision": 2,
            "headline": article.headline,
            "note": NOTE,
            "created_at": corrected.created_at.isoformat(),
        }
        assert event["data"]["licence"]["verify_url"].endswith(f"/licences/{licence.number}/verify")
        assert event["data"]["acknowledge_url"].endswith(
            f"/api/v1/licences/{licence.number}/corrections/2/acknowledge"
        )
        assert "fee" not in event["data"]["licence"]
    # The other partner's secret does not verify this partner's event
    south_secret = webhook_endpoint_for(south).secret
    assert not webhook_signature_verify(
        south_secret, by_path["/north"].body, by_path["/north"].signature, 300
    )
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code")) == {
        (DeliveryStatus.DELIVERED, 1, 200)
    }


def test_running_the_correction_again_creates_and_sends_nothing_more(
    licensees, article, receiver, corrected, on_commit
):
    emails_before = EmailLog.objects.count()

    with on_commit():
        again = licence_article_corrected(article_id=article.pk, revision_id=corrected.pk)

    assert again == []
    assert CorrectionNotice.objects.count() == 2
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.received) == 2
    assert EmailLog.objects.count() == emails_before


def test_a_revision_of_an_unlicensed_article_notifies_nobody(rate_card, publication, on_commit):
    lonely = f.ArticleFactory(publication=publication)

    with on_commit():
        article_update(article=lonely, headline="A new headline", correction_note="Retitled.")

    assert CorrectionNotice.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_a_partner_acknowledges_through_the_api_and_staff_see_who_has_not(
    licensees, corrected, client, staff
):
    (north, north_licence), (south, south_licence) = licensees
    north_api, south_api = _api_client(north), _api_client(south)

    # Given both partners have a correction to apply
    pending = south_api.get("/api/v1/corrections", {"acknowledged": "false"}).json()
    assert [(c["licence"], c["revision"], c["note"]) for c in pending["results"]] == [
        (south_licence.number, 2, NOTE)
    ]

    # When North acknowledges it (twice: the first time stands)
    url = f"/api/v1/licences/{north_licence.number}/corrections/2/acknowledge"
    first = north_api.post(url)
    second = north_api.post(url)

    # Then North has nothing left to acknowledge, South still has one
    assert first.status_code == 200
    assert first.json()["acknowledged"] is True
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert north_api.get("/api/v1/corrections", {"acknowledged": "false"}).json()["count"] == 0
    assert south_api.get("/api/v1/corrections", {"acknowledged": "false"}).json()["count"] == 1
    notice = CorrectionNotice.objects.get(licence=north_licence)
    assert notice.acknowledged_by.startswith("api:rpk_")

    # And a partner cannot acknowledge another partner's correction
    assert south_api.post(url).status_code == 404
    assert (
        north_api.post(
            f"/api/v1/licences/{south_licence.number}/corrections/2/acknowledge"
        ).status_code
        == 404
    )

    # And staff see in the admin who has acknowledged and who has not
    client.force_login(staff)
    changelist = reverse("admin:licensing_correctionnotice_changelist")
    acknowledged = client.get(changelist, {"acknowledged": "yes"}).content.decode()
    waiting = client.get(changelist, {"acknowledged": "no"}).content.decode()
    assert north_licence.number in acknowledged
    assert south_licence.number not in acknowledged
    assert south_licence.number in waiting
    assert north_licence.number not in waiting


def _api_client(partner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    return client
