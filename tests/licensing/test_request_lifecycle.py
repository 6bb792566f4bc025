"""The licence request state machine, told as stories: each transition is one service call that
locks, re-checks, audits once, and does nothing when the request is already there."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from licensing import services
from licensing.models import Licence, LicenceRequest, RequestEvent, RequestStatus
from licensing.quoting import UseSpec
from syndication.errors import Conflict, DomainError
from syndication.models import PartnerType, SyndicationStatus
from syndication.services import article_update
from tests import factories as f

S = RequestStatus
D = Decimal
WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def submit(partner, articles, use=WEB_GB_30D, **kwargs) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[a.pk for a in articles],
        use=use,
        terms_accepted=True,
        **kwargs,
    )


def actions(request: LicenceRequest) -> list[tuple[str, str, str]]:
    return list(
        RequestEvent.objects.filter(request=request)
        .order_by("pk")
        .values_list("action", "from_status", "to_status")
    )


@pytest.fixture
def unverified_partner(db):
    # Unverified partners are never approved automatically, so requests wait for staff.
    return f.PartnerFactory(verified=False)


def test_a_paid_request_waits_for_staff_then_for_payment(
    rate_card, article, unverified_partner, staff
):
    # Given a commercial partner asking for a web use of one article
    request = submit(unverified_partner, [article])
    assert request.status == S.SUBMITTED
    assert request.total == D("100.00")
    assert request.quote["lines"][0]["code"] == "base"

    # When staff approve it
    services.licence_request_approve(request=request, actor=staff, note="Fine by the desk.")

    # Then it waits for payment, with one audit row per transition
    request.refresh_from_db()
    assert request.status == S.AWAITING_PAYMENT
    assert actions(request) == [
        ("submitted", "", "submitted"),
        ("approved", "submitted", "approved"),
        ("awaiting_payment", "approved", "awaiting_payment"),
    ]
    assert RequestEvent.objects.get(request=request, action="approved").actor == staff
    assert not Licence.objects.exists()


def test_payment_issues_one_numbered_licence_per_article(
    rate_card, publication, unverified_partner, staff
):
    first, second = (
        f.ArticleFactory(publication=publication),
        f.ArticleFactory(publication=publication),
    )
    request = submit(unverified_partner, [first, second])
    services.licence_request_approve(request=request, actor=staff)

    services.licence_request_mark_paid(request=request, actor=staff, note="Bank transfer 991")

    request.refresh_from_db()
    assert request.status == S.FULFILLED
    year = timezone.localdate().year
    licences = list(request.licences.order_by("number"))
    assert [lic.number for lic in licences] == [f"HC-{year}-000001", f"HC-{year}-000002"]
    assert {lic.article_id for lic in licences} == {first.pk, second.pk}
    assert sum(lic.fee for lic in licences) == request.total
    assert licences[0].ends_on == timezone.localdate() + timedelta(days=30)
    assert licences[0].territory_label == "United Kingdom"
    assert licences[0].territory_countries == ["GB"]


def test_marking_paid_twice_issues_licences_once(rate_card, article, unverified_partner, staff):
    request = submit(unverified_partner, [article])
    services.licence_request_approve(request=request, actor=staff)

    services.licence_request_mark_paid(request=request, actor=staff)
    services.licence_request_mark_paid(request=request, actor=staff)

    assert Licence.objects.filter(request=request).count() == 1
    assert [a for a, _, _ in actions(request)].count("paid") == 1
    assert [a for a, _, _ in actions(request)].count("fulfilled") == 1


def test_a_free_education_use_is_approved_and_fulfilled_at_once(rate_card, article):
    school = f.PartnerFactory(partner_type=PartnerType.EDUCATION, verified=False)
    use = UseSpec(use_type="education", territory="gb", term="1y")

    request = submit(school, [article], use=use)

    assert request.status == S.FULFILLED
    assert request.total == D("0")
    assert [a for a, _, _ in actions(request)] == ["submitted", "approved", "fulfilled"]
    assert RequestEvent.objects.get(request=request, action="approved").actor_label == "system"
    licence = Licence.objects.get(request=request)
    assert licence.fee == D("0")
    assert licence.revision.number == 1


def test_a_verified_partner_under_the_threshold_is_approved_automatically(
    rate_card, article, partner
):
    request = submit(partner, [article])  # £100, verified, card threshold £250

    assert request.status == S.AWAITING_PAYMENT
    assert [a for a, _, _ in actions(request)] == ["submitted", "approved", "awaiting_payment"]


def test_an_article_not_for_syndication_is_refused_with_its_reason(rate_card, publication, partner):
    closed = f.ArticleFactory(
        publication=publication, syndication_status=SyndicationStatus.NOT_FOR_SYNDICATION
    )

    request = submit(partner, [closed])

    assert request.status == S.REFUSED
    assert request.decision_note
    assert actions(request)[-1] == ("auto_refused", "submitted", "refused")


def test_refusing_needs_a_reason_and_happens_once(rate_card, article, unverified_partner, staff):
    request = submit(unverified_partner, [article])
    with pytest.raises(DomainError) as excinfo:
        services.licence_request_refuse(request=request, actor=staff, reason="  ")
    assert excinfo.value.field == "reason"

    services.licence_request_refuse(request=request, actor=staff, reason="Outlet not in scope.")
    services.licence_request_refuse(request=request, actor=staff, reason="Outlet not in scope.")

    request.refresh_from_db()
    assert request.status == S.REFUSED
    assert request.decision_note == "Outlet not in scope."
    assert [a for a, _, _ in actions(request)].count("refused") == 1


def test_an_illegal_move_is_a_conflict_and_changes_nothing(
    rate_card, article, unverified_partner, staff
):
    request = submit(unverified_partner, [article])
    services.licence_request_refuse(request=request, actor=staff, reason="No.")

    with pytest.raises(Conflict):
        services.licence_request_approve(request=request, actor=staff)
    with pytest.raises(Conflict):
        services.licence_request_cancel(request=request, actor_label="partner")

    request.refresh_from_db()
    assert request.status == S.REFUSED
    assert len(actions(request)) == 2


def test_repricing_keeps_the_explanation_adding_up(rate_card, article, unverified_partner, staff):
    request = submit(unverified_partner, [article])

    services.licence_request_reprice(
        request=request, actor=staff, total=D("80"), reason="Long-standing partner"
    )

    request.refresh_from_db()
    assert request.total == D("80.00")
    assert request.quote["lines"][-1]["code"] == "staff_adjustment"
    assert request.quote["lines"][-1]["amount"] == "-20.00"
    assert sum(D(line["amount"]) for line in request.quote["lines"]) == D("80.00")
    event = RequestEvent.objects.get(request=request, action="repriced")
    assert event.data == {"from": "100.00", "to": "80.00", "currency": "GBP"}


def test_asking_for_information_moves_the_request_into_review(
    rate_card, article, unverified_partner, staff
):
    request = submit(unverified_partner, [article])

    services.licence_request_ask_info(request=request, actor=staff, question="Which edition?")

    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
    assert request.info_requested_at is not None
    assert [a for a, _, _ in actions(request)] == ["submitted", "in_review", "info_requested"]


def test_the_quote_is_frozen_when_the_rate_card_changes(rate_card, article, unverified_partner):
    request = submit(unverified_partner, [article])
    before = dict(request.quote)

    rate_card.base_fees.filter(use_type="web", portion="full").update(amount=D("999"))
    f.standard_rate_card(version=2, effective_from=timezone.localdate())

    request.refresh_from_db()
    assert request.quote == before
    assert request.total == D("100.00")


def test_stale_quotes_and_unpaid_approvals_lapse_once(
    rate_card, publication, unverified_partner, staff
):
    stale = submit(unverified_partner, [f.ArticleFactory(publication=publication)])
    unpaid = submit(unverified_partner, [f.ArticleFactory(publication=publication)])
    services.licence_request_approve(request=unpaid, actor=staff)
    fresh = submit(unverified_partner, [f.ArticleFactory(publication=publication)])
    later = timezone.localdate() + timedelta(days=31)
    LicenceRequest.objects.filter(pk=fresh.pk).update(valid_until=later + timedelta(days=1))
    LicenceRequest.objects.filter(pk=unpaid.pk).update(valid_until=later - timedelta(days=1))

    assert services.licence_requests_lapse_stale(today=later) == 2
    assert services.licence_requests_lapse_stale(today=later) == 0

    statuses = dict(LicenceRequest.objects.values_list("pk", "status"))
    assert statuses == {stale.pk: S.LAPSED, unpaid.pk: S.LAPSED, fresh.pk: S.SUBMITTED}


def test_a_licence_names_the_revision_current_when_issued(
    rate_card, article, unverified_partner, staff
):
    request = submit(unverified_partner, [article])
    article_update(article=article, body_html="<p>Corrected figure.</p>", correction_note="Fix")
    services.licence_request_approve(request=request, actor=staff)

    services.licence_request_mark_paid(request=request, actor=staff)

    assert Licence.objects.get(request=request).revision.number == 2
    assert request.items.get().revision.number == 1


def test_each_decision_emails_the_partner_and_the_desk_once(
    rate_card, article, unverified_partner, staff, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    request = submit(unverified_partner, [article])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.licence_request_refuse(request=request, actor=staff, reason="Out of scope.")

    assert [m.to for m in mail.outbox] == [["ada@gazette.example"], ["desk@courier.example"]]
    assert all("Out of scope." in m.body for m in mail.outbox)
    # A second run of the same notice sends nothing.
    event = RequestEvent.objects.get(request=request, action="refused")
    from licensing.notifications import send_for_event

    assert send_for_event(request_id=request.pk, event_id=event.pk) == 0


def test_a_worldwide_licence_names_the_countries_carved_out(
    rate_card, article, unverified_partner, staff
):
    # The standard card blocks KP; worldwide is licensed without it.
    use = UseSpec(use_type="web", territory="worldwide", term="30d", reach=50_000)
    request = submit(unverified_partner, [article], use=use)
    services.licence_request_approve(request=request, actor=staff)

    services.licence_request_mark_paid(request=request, actor=staff)

    licence = Licence.objects.get(request=request)
    assert licence.territory_label == "Worldwide except KP"
    assert licence.territory_countries == []
