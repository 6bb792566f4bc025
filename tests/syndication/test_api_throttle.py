"""The API counts requests per partner, across all of its keys."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from syndication.api_auth import PartnerRateThrottle
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _low_rate(monkeypatch):
    # DRF binds the rates to the throttle class when it is imported, so patch the class.
    cache.clear()
    monkeypatch.setattr(PartnerRateThrottle, "THROTTLE_RATES", {"partner": "3/min"})
    yield
    cache.clear()


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_partner_is_throttled_across_its_keys_and_another_partner_is_not(publication):
    partner, other = f.PartnerFactory(), f.PartnerFactory()
    first, second = client_with(f.api_key_for(partner)), client_with(f.api_key_for(partner, "2"))

    statuses = [first.get("/api/v1/articles").status_code for _ in range(2)]
    statuses += [second.get("/api/v1/articles").status_code for _ in range(2)]

    assert statuses == [200, 200, 200, 429]
    assert client_with(f.api_key_for(other)).get("/api/v1/articles").status_code == 200
