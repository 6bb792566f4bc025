"""Status links: one stable, signed link per request that stops working after its age."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from licensing.links import request_id_from_status_token, status_token
from licensing.models import LicenceRequest
from tests.licensing.test_request_lifecycle import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(rate_card, article, partner) -> LicenceRequest:
    return submit(partner, [article])


def test_the_link_is_the_same_every_time_and_names_the_request(request_):
    token = status_token(request_)
    assert status_token(LicenceRequest.objects.get(pk=request_.pk)) == token
    assert request_id_from_status_token(token) == request_.pk


def test_a_tampered_link_names_nothing(request_):
    token = status_token(request_)
    pk, rest = token.split(".", 1)
    assert request_id_from_status_token(f"{int(pk) + 1}.{rest}") is None
    assert request_id_from_status_token(token + "x") is None
    assert request_id_from_status_token("") is None


def test_a_link_older_than_the_configured_age_names_nothing(request_, settings):
    settings.STATUS_LINK_MAX_AGE_DAYS = 30
    LicenceRequest.objects.filter(pk=request_.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    request_.refresh_from_db()
    assert request_id_from_status_token(status_token(request_)) is None
