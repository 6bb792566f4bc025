"""The partner sees how to pay where they look: the status page and the API's request detail."""

from __future__ import annotations

import pytest
from django.test import Client

from licensing.links import status_path
from tests import factories as f
from tests.billing.helpers import approved_request

pytestmark = pytest.mark.django_db


def test_without_stripe_keys_the_status_page_asks_for_a_bank_transfer(rate_card, settings):
    settings.STRIPE_SECRET_KEY = ""
    request = approved_request()

    page = Client().get(status_path(request)).content.decode()

    assert f"Please pay £100.00 by bank transfer, quoting your request number {request.pk}" in page
    assert "by card" not in page


def test_with_stripe_the_status_page_and_the_api_carry_the_pay_link(
    rate_card, stripe_standin, django_capture_on_commit_callbacks
):
    partner = f.PartnerFactory(verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        request = approved_request(partner=partner)

    page = Client().get(status_path(request)).content.decode()
    api = Client(headers={"Authorization": f"Bearer {f.api_key_for(partner)}"})
    detail = api.get(f"/api/v1/requests/{request.pk}").json()

    assert detail["payment"]["method"] == "card"
    assert detail["payment"]["offline_only"] is False
    pay_url = detail["payment"]["pay_url"]
    assert pay_url.endswith("/") and "/billing/pay/" in pay_url
    assert f'href="{pay_url}"' in page
    assert "Pay £100.00 by card" in page
