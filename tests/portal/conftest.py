"""Portal fixtures: a partner user signed in, a second partner to stay out of, the Stripe
stand-in (billing's fixture), and helpers that file and license requests through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from licensing import services
from licensing.models import Licence, LicenceRequest
from licensing.quoting import UseSpec
from syndication.models import Partner
from tests import factories as f
from tests.billing.conftest import stripe_standin  # noqa: F401 (a fixture, used by name)

WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def file_request(partner: Partner, article, use: UseSpec = WEB_GB_30D) -> LicenceRequest:
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=use,
        terms_accepted=True,
    )
    request.refresh_from_db()
    return request


def licensed(partner: Partner, article) -> Licence:
    """A paid web licence (the £100 use, paid offline)."""
    request = file_request(partner, article)
    services.licence_request_mark_paid(request=request, actor_label="billing")
    return Licence.objects.get(request=request)


@pytest.fixture
def member(db):
    return f.PartnerMembershipFactory(partner=f.PartnerFactory(name="Valley Gazette"))


@pytest.fixture
def gazette(member) -> Partner:
    return member.partner


@pytest.fixture
def rival(db) -> Partner:
    return f.PartnerFactory(name="Hill Herald")


@pytest.fixture
def portal(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client
