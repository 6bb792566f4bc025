"""An API key records when it was last used, at most once a minute so reads stay reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from syndication.api_auth import LAST_USED_RESOLUTION
from syndication.models import ApiKey
from tests import factories as f

pytestmark = pytest.mark.django_db
ARTICLES = "/api/v1/articles"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def keyed_client(partner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    return client


def last_used(partner) -> datetime | None:
    return ApiKey.objects.get(partner=partner).last_used_at


def test_a_new_key_has_never_been_used(partner, keyed_client):
    assert last_used(partner) is None


def test_using_a_key_records_the_time(partner, keyed_client):
    with time_machine.travel(NOON, tick=False):
        assert keyed_client.get(ARTICLES).status_code == 200

    assert last_used(partner) == NOON


def test_the_time_is_not_rewritten_within_the_resolution_but_is_after_it(partner, keyed_client):
    # Given a key used at noon
    with time_machine.travel(NOON, tick=False):
        keyed_client.get(ARTICLES)

    # When it is used again inside the resolution window, the stored time stays
    just_inside = NOON + LAST_USED_RESOLUTION
    with time_machine.travel(just_inside, tick=False):
        assert keyed_client.get(ARTICLES).status_code == 200
    assert last_used(partner) == NOON

    # When it is used after the window, the time moves on
    later = NOON + LAST_USED_RESOLUTION + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert keyed_client.get(ARTICLES).status_code == 200
    assert last_used(partner) == later


def test_a_refused_key_records_nothing(partner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rpk_00000000_wrong")
    f.api_key_for(partner)

    assert client.get(ARTICLES).status_code == 401
    assert last_used(partner) is None
