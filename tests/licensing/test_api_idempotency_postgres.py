"""Idempotency-Key under a real race on PostgreSQL: two connections post the same key at the same
instant; the unique constraint lets one file the request, and the other is told so."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from licensing.models import LicenceRequest
from syndication.models import IdempotencyRecord
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(settings, tmp_path):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://..."
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path


def test_two_simultaneous_posts_with_one_key_file_one_request(rate_card, partner, article):
    raw_key = f.api_key_for(partner)
    body = {
        "articles": [article.pk],
        "use_type": "web",
        "territory": "eu",
        "term": "perpetual",
        "accept_terms": True,
    }
    barrier = threading.Barrier(4)
    responses: list = [None] * 4

    def post(i: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        try:
            barrier.wait()
            responses[i] = client.post(
                "/api/v1/requests", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # One request; every answer is that request (first or replayed) or "still in flight"
    assert LicenceRequest.objects.count() == 1
    request_id = LicenceRequest.objects.get().pk
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) >= 1
    assert set(codes) <= {201, 409}
    for response in responses:
        if response.status_code == 201:
            assert response.json()["id"] == request_id
        else:
            assert response.json()["error"]["code"] == "idempotency_request_in_flight"
    record = IdempotencyRecord.objects.get()
    assert (record.status_code, record.response_body["id"]) == (201, request_id)
