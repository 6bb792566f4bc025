"""Who a public-form requester speaks for: typing a verified partner's email address proves
nothing, so such a request waits for staff instead of being approved on that partner's standing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from licensing.models import LicenceRequest, RequestStatus
from tests import factories as f
from tests.licensing.test_pages import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_an_anonymous_visitor_using_a_verified_partners_email_waits_for_staff(
    client, rate_card, article
):
    # Given a verified partner whose £100 web use would be approved automatically
    partner = f.PartnerFactory(verified=True)
    contact = f.PartnerContactFactory(partner=partner)

    # When someone who is not signed in files a request with that contact's address
    response = client.post(
        reverse("licensing:republish", args=[article.slug]),
        form_data(contact_email=contact.email),
    )

    # Then it is filed for that partner but left for the desk to decide
    assert response.status_code == 303
    request = LicenceRequest.objects.get()
    assert request.partner == partner
    assert request.status == RequestStatus.SUBMITTED


def test_a_signed_in_member_of_the_verified_partner_is_approved_automatically(
    client, rate_card, article
):
    membership = f.PartnerMembershipFactory(partner=f.PartnerFactory(verified=True))
    client.force_login(membership.user)

    response = client.post(
        reverse("licensing:republish", args=[article.slug]),
        form_data(contact_email=membership.user.email),
    )

    assert response.status_code == 303
    request = LicenceRequest.objects.get()
    assert request.partner == membership.partner
    assert request.status == RequestStatus.AWAITING_PAYMENT
    assert request.decision_note == ""  # the automatic reason stays in the audit trail
