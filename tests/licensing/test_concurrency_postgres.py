"""Races on PostgreSQL: real connections in threads hitting one request at the same moment.
Row locks must leave exactly one legal outcome and one audit trail for the winner."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from licensing import services
from licensing.models import Licence, LicenceNumberSequence, RequestEvent, RequestStatus
from licensing.quoting import UseSpec
from syndication.errors import Conflict
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = RequestStatus


@pytest.fixture(autouse=True)
def _needs_postgres():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://..."


def race(*calls: Callable[[], object]) -> list[object]:
    """Start every call at the same instant, each on its own connection; return results/errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def new_request():
    partner = f.PartnerFactory(verified=False)
    article = f.ArticleFactory()
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=UseSpec(use_type="web", territory="gb", term="30d"),
        terms_accepted=True,
    )


@pytest.mark.parametrize("attempt", range(8))
def test_approve_and_cancel_racing_end_in_one_legal_state(attempt):
    f.standard_rate_card()
    staff = f.StaffFactory()
    request = new_request()

    results = race(
        lambda: services.licence_request_approve(request=request, actor=staff),
        lambda: services.licence_request_cancel(request=request, actor_label="partner:test"),
    )

    request.refresh_from_db()
    trail = list(
        RequestEvent.objects.filter(request=request).order_by("pk").values_list("action", flat=True)
    )
    if request.status == S.CANCELLED:
        assert trail == ["submitted", "cancelled"]
        assert isinstance(results[0], Conflict)
    else:
        assert request.status == S.AWAITING_PAYMENT
        assert trail == ["submitted", "approved", "awaiting_payment"]
        assert isinstance(results[1], Conflict)


def test_ten_concurrent_payments_issue_one_set_of_licences():
    f.standard_rate_card()
    staff = f.StaffFactory()
    request = new_request()
    services.licence_request_approve(request=request, actor=staff)

    results = race(*[lambda: services.licence_request_mark_paid(request=request, actor=staff)] * 10)

    assert not [r for r in results if isinstance(r, Exception)]
    request.refresh_from_db()
    assert request.status == S.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    actions = list(RequestEvent.objects.filter(request=request).values_list("action", flat=True))
    assert actions.count("paid") == 1
    assert actions.count("fulfilled") == 1


def test_concurrent_issuance_never_reuses_a_licence_number():
    f.standard_rate_card()
    staff = f.StaffFactory()
    requests = [new_request() for _ in range(6)]
    for r in requests:
        services.licence_request_approve(request=r, actor=staff)

    race(
        *[
            (lambda r=r: services.licence_request_mark_paid(request=r, actor=staff))
            for r in requests
        ]
    )

    numbers = list(Licence.objects.values_list("number", flat=True))
    assert len(numbers) == 6
    assert len(set(numbers)) == 6
    assert LicenceNumberSequence.objects.get().last == 6
