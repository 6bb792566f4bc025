"""Shared fixtures: a publication, the rate card in force, and partners with keys."""

from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def publication(db):
    return f.PublicationFactory()


@pytest.fixture
def rate_card(db):
    return f.standard_rate_card()


@pytest.fixture
def partner(db):
    return f.PartnerFactory()


@pytest.fixture
def staff(db):
    return f.StaffFactory()


@pytest.fixture
def article(publication):
    return f.ArticleFactory(publication=publication)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def partner_client(partner):
    """An API client authenticated as `partner` with a fresh key."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    return client
