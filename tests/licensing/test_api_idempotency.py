"""Idempotency-Key on POST /api/v1/requests: a retry replays the first answer and creates nothing;
a key reused for another body is refused; a key still in flight is a conflict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from licensing.models import LicenceRequest, RequestEvent
from syndication.idempotency import idempotency_records_purge
from syndication.models import IdempotencyRecord
from tests import factories as f

REQUESTS = "/api/v1/requests"


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path


@pytest.fixture
def body(rate_card, article) -> dict:
    return {
        "articles": [article.pk],
        "use_type": "web",
        "portion": "full",
        "territory": "eu",
        "term": "perpetual",
        "accept_terms": True,
    }


def post(client: APIClient, body: dict, key: str | None = "order-7f3a"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(REQUESTS, body, format="json", **headers)


def test_a_retry_replays_the_first_answer_and_creates_nothing(partner_client, body):
    # Given a request filed with a key
    first = post(partner_client, body)
    assert first.status_code == 201
    events = RequestEvent.objects.count()

    # When the client retries it (its JSON keys in another order)
    retry = post(partner_client, dict(reversed(list(body.items()))))

    # Then it gets the first answer again, and there is still one request
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert LicenceRequest.objects.count() == 1
    assert RequestEvent.objects.count() == events


def test_the_same_key_with_another_body_is_refused(partner_client, body):
    post(partner_client, body)

    response = post(partner_client, {**body, "term": "1y"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert LicenceRequest.objects.count() == 1


def test_a_repeat_while_the_first_is_in_flight_is_a_conflict(partner, partner_client, body):
    # Given the first attempt is still running (its record holds no response yet)
    post(partner_client, body)
    IdempotencyRecord.objects.filter(partner=partner).update(status_code=None, response_body=None)

    response = post(partner_client, body)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_flight"
    assert LicenceRequest.objects.count() == 1


def test_a_failed_attempt_frees_its_key_for_the_corrected_retry(partner_client, body):
    # Given an attempt refused for a bad field
    refused = post(partner_client, {**body, "accept_terms": False})
    assert refused.status_code == 400
    assert IdempotencyRecord.objects.count() == 0

    # When the client corrects it and retries with the same key
    response = post(partner_client, body)

    # Then the request is filed
    assert response.status_code == 201
    assert LicenceRequest.objects.count() == 1


def test_keys_belong_to_one_partner(partner_client, body):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(f.PartnerFactory())}")

    mine, theirs = post(partner_client, body), post(other, body)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert LicenceRequest.objects.count() == 2


def test_an_answer_older_than_the_ttl_is_not_replayed(settings, partner_client, body):
    settings.API_IDEMPOTENCY_TTL_HOURS = 24
    first = post(partner_client, body)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post(partner_client, body)

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert not again.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_each_post_files_a_request(partner_client, body):
    post(partner_client, body, key=None)
    post(partner_client, body, key=None)

    assert LicenceRequest.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_an_overlong_key_is_refused(partner_client, body):
    response = post(partner_client, body, key="k" * 256)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert LicenceRequest.objects.count() == 0


def test_the_sweep_forgets_answers_past_the_ttl(settings, partner_client, body):
    settings.API_IDEMPOTENCY_TTL_HOURS = 24
    post(partner_client, body, key="old")
    post(partner_client, body, key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
