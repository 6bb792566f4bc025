"""The staff dashboard: what waits and what failed, revenue charts, top lists, CSV exports, and
a query count that does not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Payment, PaymentStatus
from jobs.models import JobRun, RunStatus
from licensing import services
from licensing.aftercare_models import AlertKind, ComplianceAlert, CorrectionNotice
from licensing.models import Licence, LicenceRequest
from licensing.quoting import UseSpec
from syndication.webhook_models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests import factories as f

pytestmark = pytest.mark.django_db
WEB = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def file_request(partner, article) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=WEB,
        terms_accepted=True,
    )


def paid(partner, article) -> Licence:
    request = file_request(partner, article)
    services.licence_request_mark_paid(request=request, actor_label="billing")
    return Licence.objects.get(request=request)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_the_dashboard_is_for_staff_only(db):
    member = f.PartnerMembershipFactory()
    partner_client = Client()
    partner_client.force_login(member.user)

    anonymous = Client().get("/staff/dashboard/")
    partner = partner_client.get("/staff/dashboard/")
    export = partner_client.get("/staff/dashboard/export/requests.csv")

    for response in (anonymous, partner, export):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_dashboard_counts_a_seeded_situation(staff_client, rate_card, article):
    # Given two requests waiting for review, the older three days old
    unverified = f.PartnerFactory(verified=False, name="Hill Herald")
    old = file_request(unverified, article)
    file_request(unverified, f.ArticleFactory())
    LicenceRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    # two awaiting payment, one of them past its validity
    gazette = f.PartnerFactory(name="Valley Gazette")
    due = file_request(gazette, f.ArticleFactory())
    overdue = file_request(gazette, f.ArticleFactory())
    LicenceRequest.objects.filter(pk=overdue.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    # a paid licence with an unacknowledged correction and an open compliance alert
    licence = paid(gazette, article)
    CorrectionNotice.objects.create(licence=licence, revision=licence.revision)
    ComplianceAlert.objects.create(
        licence=licence, kind=AlertKind.VIEW_AFTER_EXPIRY, last_seen=timezone.now(), count=4
    )
    ComplianceAlert.objects.create(
        licence=licence, kind=AlertKind.VIEW_OUTSIDE_DOMAIN, last_seen=timezone.now(), resolved=True
    )
    # one failed job (and one that succeeded), one failed webhook delivery
    for n, status in enumerate((RunStatus.FAILED, RunStatus.SUCCEEDED)):
        JobRun.objects.create(
            task_path="licensing.tasks.x", backend="db", status=status,
            first_result_id=f"r{n}", result_id=f"r{n}",
        )  # fmt: skip
    endpoint = WebhookEndpoint.objects.create(partner=gazette, url="https://gazette.example/hook")
    WebhookDelivery.objects.create(endpoint=endpoint, event_type="webhook.test", status="failed")
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="webhook.test", status=DeliveryStatus.DELIVERED
    )

    response = staff_client.get("/staff/dashboard/")

    c = response.context
    assert response.status_code == 200
    assert (c["queue"]["count"], c["queue"]["age"].days) == (2, 3)
    assert (c["payments"]["due"], c["payments"]["overdue"]) == (2, 1)
    assert (c["jobs"]["count"], c["deliveries"]["count"]) == (1, 1)
    assert (c["alerts"]["count"], c["alerts"]["sightings"]) == (1, 4)
    assert c["corrections"]["count"] == 1
    assert [(row["name"], row["count"]) for row in c["top_partners"]] == [("Valley Gazette", 1)]
    assert [(row["id"], row["name"], row["count"]) for row in c["top_articles"]] == [
        (article.pk, article.headline, 1)
    ]
    assert c["top_articles"][0]["revenue_display"] == "£100.00"
    assert c["top_partners"][0]["revenue_display"] == "£100.00"
    [month_chart] = c["month_charts"]
    assert month_chart["currency"] == "GBP" and month_chart["total"] == "£100.00"
    assert len(month_chart["bars"]) == 12 and month_chart["bars"][-1].display == "£100.00"
    [use_chart] = c["use_charts"]
    assert [(bar.label, bar.display) for bar in use_chart["bars"]] == [("Website", "£100.00")]
    page = response.content.decode()
    assert page.count('<svg viewBox="0 0 720 240" role="img"') == 2
    assert "Figures as a table" in page
    assert "/admin/licensing/licencerequest/" in page
    assert due.pk != overdue.pk


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _on(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T12:00:00"))


def test_the_csv_exports_return_the_rows_of_the_date_range(staff_client, rate_card, article):
    partner = f.PartnerFactory(name="=HYPERLINK(evil)")
    before, inside, late = (file_request(partner, f.ArticleFactory()) for _ in range(3))
    for request, day in ((before, "2026-03-31"), (inside, "2026-04-10"), (late, "2026-05-01")):
        LicenceRequest.objects.filter(pk=request.pk).update(created_at=_on(day))
        Payment.objects.filter(request=request).delete()
        payment = Payment.objects.create(
            request=request, method="offline", amount=Decimal("100.00"), currency="GBP",
            status=PaymentStatus.PAID, offline_reference=f"BACS-{request.pk}",
        )  # fmt: skip
        Payment.objects.filter(pk=payment.pk).update(created_at=_on(day))
    # and three licences, issued before, inside and after April
    issued = [paid(partner, f.ArticleFactory(headline=f"Story {n}")) for n in range(3)]
    for licence, day in zip(issued, ("2026-03-31", "2026-04-20", "2026-05-01"), strict=True):
        Licence.objects.filter(pk=licence.pk).update(issued_at=_on(day))
    licence = issued[1]
    query = "?from=2026-04-01&to=2026-04-30"

    requests = staff_client.get("/staff/dashboard/export/requests.csv" + query)
    payments = staff_client.get("/staff/dashboard/export/payments.csv" + query)
    licences = staff_client.get("/staff/dashboard/export/licences.csv" + query)

    assert requests["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="requests-2026-04-01-2026-04-30.csv"' in requests["Content-Disposition"]
    rows = _csv(requests)
    assert rows[0][:4] == ["id", "created_at", "status", "partner"]
    assert [(r[0], r[2], r[3], r[8], r[9]) for r in rows[1:]] == [
        (str(inside.pk), "awaiting_payment", "'=HYPERLINK(evil)", "100.00", "GBP")
    ]
    payment_rows = _csv(payments)
    assert payment_rows[0][:3] == ["id", "request_id", "partner"]
    assert [(r[1], r[9]) for r in payment_rows[1:]] == [(str(inside.pk), f"BACS-{inside.pk}")]
    assert _csv(licences) == [
        ["number", "issued_at", "status", "partner", "article", "request_id", "use_type",
         "territory", "starts_on", "ends_on", "fee", "currency"],
        [licence.number, timezone.localtime(_on("2026-04-20")).isoformat(), "active",
         "'=HYPERLINK(evil)", "Story 1", str(licence.request_id), "web", "gb",
         str(licence.starts_on), str(licence.ends_on), "100.00", "GBP"],
    ]  # fmt: skip


DASHBOARD_LINK = '<a href="/staff/dashboard/" class="staff-dashboard-link">Staff dashboard</a>'


def test_every_admin_page_links_to_the_staff_dashboard(staff_client):
    for path in ("/admin/", "/admin/licensing/licencerequest/"):
        page = staff_client.get(path).content.decode()
        assert DASHBOARD_LINK in page
    # and the dashboard the link opens is the staff one
    assert staff_client.get("/staff/dashboard/").status_code == 200


def test_a_bad_date_range_is_a_400(staff_client):
    assert staff_client.get("/staff/dashboard/export/requests.csv?from=April").status_code == 400
    response = staff_client.get(
        "/staff/dashboard/export/requests.csv?from=2026-05-01&to=2026-04-01"
    )
    assert response.status_code == 400
    assert staff_client.get("/staff/dashboard/export/secrets.csv").status_code == 404


def _seed(count: int, rate_card) -> None:
    gazette = f.PartnerFactory()
    unverified = f.PartnerFactory(verified=False)
    for n in range(count):
        article = f.ArticleFactory()
        if n % 3 == 0:
            file_request(unverified, article)
        elif n % 3 == 1:
            file_request(gazette, article)
        else:
            licence = paid(gazette, article)
            CorrectionNotice.objects.create(licence=licence, revision=licence.revision)


# Session, user, publication, six counters, two revenue queries, two top lists.
DASHBOARD_QUERIES = 13


@pytest.mark.parametrize("count", [3, 15])
def test_the_dashboard_query_count_does_not_grow_with_the_data(
    staff_client, rate_card, count, django_assert_num_queries
):
    _seed(count, rate_card)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = staff_client.get("/staff/dashboard/")

    assert response.status_code == 200
    assert response.context["queue"]["count"] == len(range(0, count, 3))


def test_three_and_fifteen_requests_cost_the_same_queries(staff_client, rate_card):
    _seed(3, rate_card)
    with CaptureQueriesContext(connection) as few:
        staff_client.get("/staff/dashboard/")
    _seed(12, rate_card)
    with CaptureQueriesContext(connection) as many:
        staff_client.get("/staff/dashboard/")

    assert LicenceRequest.objects.count() == 15
    assert len(many) == len(few)
