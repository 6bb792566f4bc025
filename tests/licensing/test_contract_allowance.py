"""A contract partner's monthly allowance, against the database: each request filed this month
holds the articles its quote put on the contract until it is refused, cancelled or lapsed, so
two requests waiting for staff cannot both take the last of it; a new month starts afresh."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from licensing import services
from licensing.models import LicenceRequest, RequestStatus
from licensing.quoting import UseSpec
from licensing.selectors import contract_articles_used, partner_facts
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


@pytest.fixture
def contract_partner(db):
    # Unverified, so nothing paid is approved automatically and requests wait for staff.
    return f.PartnerFactory(name="Estuary Times", verified=False, contract_monthly_allowance=2)


@pytest.fixture
def articles(publication):
    return [f.ArticleFactory(publication=publication) for _ in range(4)]


def file_request(partner, articles) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Rhys Editor",
        contact_email="rhys@estuary.example",
        article_ids=[a.pk for a in articles],
        use=WEB_GB_30D,
        terms_accepted=True,
    )


def covered(request: LicenceRequest) -> int:
    return sum(1 for line in request.quote["lines"] if line["code"] == "contract")


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_requests_waiting_for_staff_hold_the_allowance(rate_card, contract_partner, articles):
    # Given a request waiting for staff that took the whole allowance of two articles
    first = file_request(contract_partner, articles[:2])
    assert (first.status, first.total, covered(first)) == (RequestStatus.SUBMITTED, D("0"), 2)

    # When a second request is filed the same month, before anyone has decided the first
    second = file_request(contract_partner, articles[2:3])

    # Then it is priced normally: the allowance is not given twice
    assert (second.total, covered(second)) == (D("100.00"), 0)
    assert contract_articles_used(contract_partner, today=timezone.localdate()) == 2
    assert partner_facts(contract_partner).contract_articles_remaining == 0


def test_a_request_straddling_the_end_of_the_allowance_is_covered_in_part(
    rate_card, contract_partner, articles, staff
):
    # Given one article of the allowance used by a request staff have approved and licensed
    first = services.licence_request_approve(
        request=file_request(contract_partner, articles[:1]), actor=staff
    )
    assert first.status == RequestStatus.FULFILLED
    assert first.licences.get().covered_by_contract is True

    # When the partner asks for two more articles
    second = file_request(contract_partner, articles[1:3])

    # Then the issued licence counts once, not again as a licence: one covered, one paid
    assert covered(second) == 1
    assert second.total > 0
    assert contract_articles_used(contract_partner, today=timezone.localdate()) == 2


def test_a_refused_or_cancelled_request_gives_its_articles_back(
    rate_card, contract_partner, articles, staff
):
    # Given the allowance taken by two waiting requests
    refused = file_request(contract_partner, articles[:1])
    cancelled = file_request(contract_partner, articles[1:2])
    assert partner_facts(contract_partner).contract_articles_remaining == 0

    # When staff refuse one and the partner cancels the other
    services.licence_request_refuse(request=refused, actor=staff, reason="Wrong outlet.")
    services.licence_request_cancel(request=cancelled, actor_label="partner:test")

    # Then the allowance is whole again and the next request is covered
    assert partner_facts(contract_partner).contract_articles_remaining == 2
    assert file_request(contract_partner, articles[2:3]).total == D("0")


def test_the_allowance_used_up_this_month_is_whole_again_next_month(
    rate_card, contract_partner, articles
):
    # Given the month's allowance used up
    file_request(contract_partner, articles[:2])
    today = timezone.localdate()
    assert partner_facts(contract_partner, today=today).contract_articles_remaining == 0
    paid, _card = services.quote_for(
        partner=contract_partner, article_ids=[articles[2].pk], use=WEB_GB_30D, today=today
    )
    assert paid.total == D("100.00")

    # Then on the first of next month the same use is covered again
    next_month = first_of_next_month(today)
    assert partner_facts(contract_partner, today=next_month).contract_articles_remaining == 2
    free, _card = services.quote_for(
        partner=contract_partner, article_ids=[articles[2].pk], use=WEB_GB_30D, today=next_month
    )
    assert free.total == D("0")
    assert [line.code for line in free.lines].count("contract") == 1


def test_last_months_requests_do_not_count_against_this_month(
    rate_card, contract_partner, articles
):
    # Given requests that took the whole allowance, filed last month
    old = file_request(contract_partner, articles[:2])
    LicenceRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now().replace(day=1) - timedelta(days=1)
    )

    # When the partner files a request this month
    request = file_request(contract_partner, articles[2:4])

    # Then this month's allowance covers it
    assert (request.total, covered(request)) == (D("0"), 2)
