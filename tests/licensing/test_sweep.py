"""`manage.py licensing_sweep`: the daily sweep lapses stale quotes and unpaid approvals, expires
licences past their end, and does nothing more on a second run."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from licensing import services
from licensing.models import Licence, LicenceRequest, LicenceStatus, RequestStatus
from licensing.quoting import UseSpec
from tests import factories as f

S = RequestStatus
WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def sweep(today) -> str:
    out = io.StringIO()
    call_command("licensing_sweep", "--today", today.isoformat(), stdout=out)
    return out.getvalue().strip()


def submit(partner, article) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=WEB_GB_30D,
        terms_accepted=True,
    )


def test_the_sweep_lapses_stale_requests_expires_licences_and_is_idempotent(
    rate_card, article, staff
):
    # Given a quote nobody acted on, an approval nobody paid, a quote still valid, and a
    # 30-day licence, all made today (quotes are valid for 30 days)
    partner = f.PartnerFactory(verified=False)
    stale = submit(partner, article)
    unpaid = submit(partner, article)
    services.licence_request_approve(request=unpaid, actor=staff)
    valid = submit(partner, article)
    today = timezone.localdate()
    LicenceRequest.objects.filter(pk=valid.pk).update(valid_until=today + timedelta(days=60))
    paid = submit(partner, article)
    services.licence_request_approve(request=paid, actor=staff)
    services.licence_request_mark_paid(request=paid, actor=staff, note="Bank transfer")
    licence = Licence.objects.get(request=paid)
    assert licence.ends_on == today + timedelta(days=30)

    # When the sweep runs 31 days later
    later = today + timedelta(days=31)
    output = sweep(later)

    # Then the stale quote and the unpaid approval lapse, the valid quote waits on, and the
    # licence has expired
    assert output == f"{later.isoformat()}: lapsed 2 requests, expired 1 licence"
    statuses = dict(LicenceRequest.objects.values_list("pk", "status"))
    assert statuses == {
        stale.pk: S.LAPSED,
        unpaid.pk: S.LAPSED,
        valid.pk: S.SUBMITTED,
        paid.pk: S.FULFILLED,
    }
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED

    # And a second run finds nothing more to do
    assert sweep(later) == f"{later.isoformat()}: lapsed 0 requests, expired 0 licences"
    assert stale.events.filter(action="lapsed").count() == 1


def test_the_sweep_on_the_last_valid_day_lapses_nothing(rate_card, article):
    request = submit(f.PartnerFactory(verified=False), article)

    assert sweep(request.valid_until).endswith("lapsed 0 requests, expired 0 licences")
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_a_malformed_date_is_refused(db):
    with pytest.raises(CommandError, match="--today must be a date like 2026-01-31"):
        call_command("licensing_sweep", "--today", "31/01/2026")
