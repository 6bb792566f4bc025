"""Partner webhooks on their own: retries with backoff on a failing receiver, a refusal failing at
once and showing in the partner's delivery log, re-sending by hand, staff told when retries run
out, the signature partners check, and the endpoint a partner sets through the API."""

from __future__ import annotations

import json
import time

import pytest
from django.core import mail
from rest_framework.test import APIClient

from jobs.models import FailureKind, JobRun, RunStatus
from syndication.errors import DomainError
from syndication.webhook_models import DeliveryStatus, WebhookDelivery
from syndication.webhooks import (
    webhook_endpoint_set,
    webhook_event_emit,
    webhook_signature,
    webhook_signature_verify,
    webhook_url_validate,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_with_endpoint(receiver):
    partner = f.PartnerFactory(name="Valley Gazette")
    endpoint = webhook_endpoint_set(partner=partner, url=receiver.url + "/hooks")
    return partner, endpoint


def emit(partner):
    return webhook_event_emit(
        partner=partner,
        event_type="licence.expiring",
        data={"licence": {"number": "HC-2026-000001"}, "days_left": 7},
    )


def test_a_receiver_failing_once_gets_the_event_on_the_second_attempt(
    partner_with_endpoint, receiver, on_commit
):
    partner, endpoint = partner_with_endpoint
    receiver.script = [500]

    with on_commit():
        [delivery] = emit(partner)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""
    # Both attempts carried the same event id, each freshly signed
    first, second = receiver.received
    assert first.headers["X-Republish-Delivery"] == second.headers["X-Republish-Delivery"]
    assert first.body == second.body
    assert all(
        webhook_signature_verify(endpoint.secret, r.body, r.signature, 300) for r in (first, second)
    )
    run = JobRun.objects.get(task_path="syndication.tasks.deliver_webhook")
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 2)


def test_a_refusal_fails_at_once_shows_in_the_delivery_log_and_can_be_resent(
    partner_with_endpoint, receiver, on_commit
):
    partner, _ = partner_with_endpoint
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    receiver.script = [400]

    # When the receiver answers 400
    with on_commit():
        [delivery] = emit(partner)

    # Then there is no retry: one request, the delivery failed, the run failed for good
    assert len(receiver.received) == 1
    run = JobRun.objects.get(task_path="syndication.tasks.deliver_webhook")
    assert (run.status, run.failure_kind, run.attempts) == (
        RunStatus.FAILED,
        FailureKind.PERMANENT,
        1,
    )
    # And the partner sees it in its delivery log, with the status code
    log = api.get("/api/v1/webhooks/deliveries").json()
    assert log["count"] == 1
    [entry] = log["results"]
    assert (entry["id"], entry["event_type"], entry["status"], entry["attempts"]) == (
        delivery.pk,
        "licence.expiring",
        "failed",
        1,
    )
    assert entry["last_status_code"] == 400
    assert entry["last_error"] == "HTTP 400: receiver says no"
    assert entry["url"] == receiver.url + "/hooks"
    assert api.get("/api/v1/webhooks/deliveries", {"status": "delivered"}).json()["count"] == 0

    # When the partner has fixed its receiver and re-sends
    with on_commit():
        resent = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/resend")

    assert resent.status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.resends, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        1,
        200,
    )
    assert receiver.received[0].body == receiver.received[1].body

    # And another partner can neither see nor re-send it
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(f.PartnerFactory())}")
    assert other.get("/api/v1/webhooks/deliveries").json()["count"] == 0
    assert other.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/resend").status_code == 404


def test_when_retries_run_out_the_delivery_fails_and_staff_are_told_once(
    partner_with_endpoint, receiver, on_commit, settings
):
    partner, _ = partner_with_endpoint
    settings.JOBS_RETRY_MAX_ATTEMPTS = 3
    receiver.script = [503, 502, 500, 503, 503, 503]
    mail.outbox.clear()

    with on_commit():
        [delivery] = emit(partner)
        [other] = emit(partner)

    for d in (delivery, other):
        d.refresh_from_db()
        assert (d.status, d.attempts) == (DeliveryStatus.FAILED, 3)
        assert d.last_status_code == 503
    assert len(receiver.received) == 6
    run = JobRun.objects.filter(task_path="syndication.tasks.deliver_webhook").first()
    assert (run.status, run.failure_kind) == (RunStatus.FAILED, FailureKind.EXHAUSTED)
    # One staff email per endpoint per day, however many deliveries fail
    [warning] = [m for m in mail.outbox if m.extra_headers["X-Template"] == "webhook_failing"]
    assert warning.to == ["syndication-desk@localhost"]
    assert "Valley Gazette" in warning.subject
    assert "HTTP 503" in warning.body


def test_a_receiver_that_is_down_is_a_transient_failure(on_commit, settings):
    settings.JOBS_RETRY_MAX_ATTEMPTS = 2
    partner = f.PartnerFactory()
    # A port nobody listens on: the connection is refused
    webhook_endpoint_set(partner=partner, url="http://127.0.0.1:9/hooks")

    with on_commit():
        [delivery] = emit(partner)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.FAILED,
        2,
        None,
    )
    assert "refused" in delivery.last_error.lower()


def test_the_same_event_key_is_delivered_once_per_endpoint(partner_with_endpoint, on_commit):
    partner, _ = partner_with_endpoint
    with on_commit():
        first = webhook_event_emit(
            partner=partner, event_type="licence.issued", data={}, event_key="licence.issued:1"
        )
        second = webhook_event_emit(
            partner=partner, event_type="licence.issued", data={}, event_key="licence.issued:1"
        )
    assert len(first) == 1
    assert second == []
    assert WebhookDelivery.objects.count() == 1


def test_the_signature_partners_check():
    body = json.dumps({"id": "e1", "type": "licence.revoked"}).encode()
    now = int(time.time())
    header = webhook_signature("whsec_test", body, timestamp=now)

    assert header.startswith(f"t={now},v1=")
    assert webhook_signature_verify("whsec_test", body, header, 300)
    assert webhook_signature_verify("whsec_test", body.decode(), header, 300)
    # a wrong secret, a changed body, a stale or future time, or a mangled header all fail
    assert not webhook_signature_verify("whsec_other", body, header, 300)
    assert not webhook_signature_verify("whsec_test", body + b" ", header, 300)
    assert not webhook_signature_verify("whsec_test", body, header, 300, now=now + 301)
    assert not webhook_signature_verify("whsec_test", body, header, 300, now=now - 301)
    assert not webhook_signature_verify("whsec_test", body, "v1=abc", 300)
    assert not webhook_signature_verify("whsec_test", body, "t=x,v1=abc", 300)
    assert not webhook_signature_verify("whsec_test", body, "", 300)
    # During a rotation either signature is enough
    rotated = f"{header},v1={'0' * 64}"
    assert webhook_signature_verify("whsec_test", body, rotated, 300)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.gazette.example/republish", True),
        ("http://hooks.gazette.example/republish", False),
        ("https://10.0.0.5/hooks", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://user:pass@hooks.gazette.example/", False),
        ("ftp://hooks.gazette.example/", False),
        ("https://127.0.0.1/hooks", False),
        ("http://localhost:8000/hooks", False),
    ],
)
def test_webhook_urls_must_be_https_and_outside_our_network(url, allowed, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.DEBUG = False
    if allowed:
        assert webhook_url_validate(url) == url
    else:
        with pytest.raises(DomainError) as error:
            webhook_url_validate(url)
        assert error.value.field == "url"


def test_a_partner_sets_its_endpoint_rotates_the_secret_and_sends_a_test_event(receiver, on_commit):
    partner = f.PartnerFactory()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    assert api.get("/api/v1/webhooks/endpoint").status_code == 404

    created = api.put("/api/v1/webhooks/endpoint", {"url": receiver.url + "/in"}, format="json")
    assert created.status_code == 200
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert api.get("/api/v1/webhooks/endpoint").json()["secret"] == secret

    refused = api.put("/api/v1/webhooks/endpoint", {"url": "ftp://x.example/"}, format="json")
    assert refused.status_code == 400
    assert "url" in refused.json()["error"]["fields"]

    rotated = api.put(
        "/api/v1/webhooks/endpoint",
        {"url": receiver.url + "/in", "rotate_secret": True},
        format="json",
    ).json()
    assert rotated["secret"] != secret

    with on_commit():
        test = api.post("/api/v1/webhooks/endpoint/test")
    assert test.status_code == 202
    [received] = receiver.received
    assert received.event == "webhook.test"
    assert webhook_signature_verify(rotated["secret"], received.body, received.signature, 300)
    assert not webhook_signature_verify(secret, received.body, received.signature, 300)


def test_staff_see_the_delivery_log_and_resend_from_the_admin(
    partner_with_endpoint, receiver, on_commit, client, staff
):
    from django.urls import reverse

    partner, _ = partner_with_endpoint
    receiver.script = [410]
    with on_commit():
        [delivery] = emit(partner)
    client.force_login(staff)
    changelist = reverse("admin:syndication_webhookdelivery_changelist")

    listed = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "licence.expiring" in listed and "410" in listed and "Valley Gazette" in listed
    endpoints = client.get(reverse("admin:syndication_webhookendpoint_changelist")).content
    assert receiver.url.encode() in endpoints
    # The secret is never shown whole to staff
    page = client.get(
        reverse("admin:syndication_webhookendpoint_change", args=[delivery.endpoint_id])
    )
    assert delivery.endpoint.secret.encode() not in page.content

    with on_commit():
        client.post(changelist, {"action": "resend", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.resends, delivery.last_status_code) == ("delivered", 1, 200)


def test_issue_and_refund_reach_the_webhook_once_licensing_announces_them(
    receiver, rate_card, article, on_commit, settings
):
    """The composition root wires licensing's `fulfilled` and `licences_revoked` events to
    aftercare (the lines settings need: see licensing.aftercare.on_fulfilled)."""
    from licensing import services
    from licensing.models import Licence
    from licensing.quoting import UseSpec

    settings.LICENSING_HOOKS = {
        "fulfilled": ["licensing.aftercare.on_fulfilled"],
        "licences_revoked": ["licensing.aftercare.on_licences_revoked"],
    }
    partner = f.PartnerFactory()
    endpoint = webhook_endpoint_set(partner=partner, url=receiver.url + "/hooks")

    with on_commit():
        request = services.licence_request_submit(
            partner=partner,
            contact_name="Ada Editor",
            contact_email="ada@gazette.example",
            article_ids=[article.pk],
            use=UseSpec(use_type="web", territory="gb", term="30d", reach=50_000),
            terms_accepted=True,
        )
        services.licence_request_mark_paid(request=request, actor_label="billing")
    with on_commit():
        services.licence_request_refund(request=request, actor_label="billing", reason="Goodwill")

    licence = Licence.objects.get(request=request)
    issued, revoked = receiver.received
    assert (issued.event, revoked.event) == ("licence.issued", "licence.revoked")
    assert issued.json["data"]["licence"]["number"] == licence.number
    assert revoked.json["data"]["reason"] == "refund"
    assert revoked.json["data"]["urgent"] is False
    assert all(
        webhook_signature_verify(endpoint.secret, r.body, r.signature, 300)
        for r in (issued, revoked)
    )
