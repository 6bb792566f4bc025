"""Anyone can verify a licence by its number (HTML or JSON, never the fee or contacts); the
tracking pixel counts readers once a day without storing who they are, ignores bots, and raises a
compliance alert when a revoked or expired licence is still being read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing import services
from licensing.aftercare import article_take_down, licence_pixel_url
from licensing.aftercare_models import AlertKind, ComplianceAlert, LicenceView
from licensing.models import Licence
from licensing.quoting import UseSpec
from licensing.tracking import views_by_referrer
from tests import factories as f
from tests.aftercare.conftest import license_article

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
READER_IP = "203.0.113.77"


@pytest.fixture
def paid_licence(rate_card, article):
    """A commercial web licence, paid: it has a fee that must never be shown."""
    partner = f.PartnerFactory(name="Valley Gazette", domains=["gazette.example"])
    f.PartnerContactFactory(partner=partner, email="desk@gazette.example")
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=UseSpec(use_type="web", territory="gb", term="1y", reach=50_000),
        terms_accepted=True,
        allow_auto_approval=False,
    )
    services.licence_request_approve(request=request, actor=f.StaffFactory())
    services.licence_request_mark_paid(request=request, actor_label="billing")
    licence = Licence.objects.get(request=request)
    assert licence.fee > 0
    return licence


def pixel(client, licence_or_token, *, ua=FIREFOX, ip=READER_IP, referer=None):
    token = getattr(licence_or_token, "verification_token", licence_or_token)
    extra = {"HTTP_USER_AGENT": ua, "REMOTE_ADDR": ip}
    if referer:
        extra["HTTP_REFERER"] = referer
    return client.get(reverse("licensing:tracking-pixel", kwargs={"token": token}), **extra)


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


def test_the_verification_page_shows_the_terms_but_never_the_fee_or_contacts(
    client, paid_licence, article
):
    url = f"/licences/{paid_licence.number}/verify"

    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        paid_licence.number,
        "Active",
        article.headline,
        article.canonical_url,
        "Valley Gazette",
        "United Kingdom",
        "Website",
        "Full article",
    ):
        assert shown in html, shown
    for hidden in (
        str(paid_licence.fee),
        "£",
        "GBP",
        "desk@gazette.example",
        "ada@gazette.example",
        paid_licence.partner.billing_email,
    ):
        assert hidden not in html, hidden


def test_the_verification_json_has_the_same_facts_and_no_fee(client, paid_licence, article):
    by_suffix = client.get(f"/licences/{paid_licence.number}/verify.json")
    by_accept = client.get(
        f"/licences/{paid_licence.number}/verify", HTTP_ACCEPT="application/json"
    )

    assert by_suffix.status_code == by_accept.status_code == 200
    assert by_suffix["Content-Type"] == "application/json"
    data = by_suffix.json()
    assert data == by_accept.json()
    assert data == {
        "number": paid_licence.number,
        "status": "active",
        "status_label": "Active",
        "valid": True,
        "article": {
            "headline": article.headline,
            "canonical_url": article.canonical_url,
            "withdrawn": False,
            "revision": 1,
        },
        "licensee": {"name": "Valley Gazette"},
        "territory": {"code": "gb", "label": "United Kingdom", "countries": ["GB"]},
        "medium": {"code": "web", "label": "Website"},
        "portion": {"code": "full", "label": "Full article"},
        "exclusive": False,
        "starts_on": paid_licence.starts_on.isoformat(),
        "ends_on": paid_licence.ends_on.isoformat(),
        "revoked_on": None,
    }
    body = by_suffix.content.decode()
    assert str(paid_licence.fee) not in body
    assert "fee" not in body and "@" not in body


def test_a_revoked_licence_verifies_as_revoked_without_the_withdrawn_headline(
    client, paid_licence, article, staff
):
    article_take_down(article=article, actor=staff, reason="Legal complaint")

    data = client.get(f"/licences/{paid_licence.number}/verify.json").json()
    html = client.get(f"/licences/{paid_licence.number}/verify").content.decode()

    assert (data["status"], data["valid"]) == ("revoked", False)
    assert data["revoked_on"] == timezone.localdate().isoformat()
    assert data["article"] == {
        "headline": "",
        "canonical_url": "",
        "withdrawn": True,
        "revision": 1,
    }
    assert "Legal complaint" not in html and article.headline not in html
    assert "Withdrawn by the publisher" in html


def test_an_unknown_number_is_a_clear_404(client, paid_licence):
    page = client.get("/licences/HC-2026-999999/verify")
    data = client.get("/licences/HC-2026-999999/verify.json")

    assert page.status_code == data.status_code == 404
    assert "No licence has the number HC-2026-999999" in page.content.decode()
    assert data.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------------------------------------
# Tracking pixel
# ---------------------------------------------------------------------------------------------


def test_the_pixel_is_a_transparent_gif_never_cached_even_for_unknown_tokens(client, paid_licence):
    for token in (paid_licence.verification_token, "not-a-licence-token-at-all-xyz", "x"):
        response = pixel(client, token)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response["Cache-Control"] == "no-store, max-age=0"
        assert response.content.startswith(b"GIF89a") and len(response.content) == 43
        assert not response.cookies
    assert licence_pixel_url(paid_licence).endswith(f"/p/{paid_licence.verification_token}.gif")


def test_the_pixel_counts_each_reader_once_a_day_and_ignores_bots(client, paid_licence):
    page = "https://www.gazette.example/news/tide?utm_source=x&email=ada@reader.example"

    # A crawler, a link preview and curl are not readers
    bots = (
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "Mozilla/5.0 HeadlessChrome/120",
        "",
    )
    for bot in bots:
        pixel(client, paid_licence, ua=bot, referer=page)
    assert LicenceView.objects.count() == 0

    # The same reader twice in a day counts once; the same address with another browser counts
    pixel(client, paid_licence, referer=page)
    pixel(client, paid_licence, referer=page)
    pixel(client, paid_licence, ua=SAFARI, referer=page)

    assert list(views_by_referrer(paid_licence)) == [
        {
            "day": timezone.localdate(),
            "referrer_host": "www.gazette.example",
            "referrer_path": "/news/tide",
            "views": 2,
        }
    ]
    # No address, and no query string with a reader's details, is stored anywhere
    for row in LicenceView.objects.values():
        stored = " ".join(str(v) for v in row.values())
        assert READER_IP not in stored
        assert "ada@reader.example" not in stored and "utm_source" not in stored
        assert len(row["visitor_hash"]) == 64
    # And a page on the licensee's own domain raises no alert
    assert ComplianceAlert.objects.count() == 0


def test_the_pixel_costs_two_queries_for_a_live_licence(
    client, paid_licence, django_assert_num_queries
):
    pixel(client, paid_licence)  # warm up: URL resolver, content types
    with django_assert_num_queries(2):
        pixel(client, paid_licence, ua=SAFARI, referer="https://gazette.example/a")
    with django_assert_num_queries(2):
        pixel(client, paid_licence, ua=SAFARI, referer="https://gazette.example/a")  # repeat
    with django_assert_num_queries(0):
        pixel(client, paid_licence, ua="Googlebot/2.1")
    assert LicenceView.objects.count() == 2


def test_views_after_revocation_raise_one_growing_compliance_alert(client, paid_licence, staff):
    article_take_down(article=paid_licence.article, actor=staff, reason="Legal complaint")

    pixel(client, paid_licence, referer="https://gazette.example/news/tide")
    pixel(client, paid_licence, ua=SAFARI, referer="https://gazette.example/news/tide-2")

    [alert] = ComplianceAlert.objects.all()
    assert (alert.licence, alert.kind, alert.count, alert.resolved) == (
        paid_licence,
        AlertKind.VIEW_AFTER_REVOCATION,
        2,
        False,
    )
    assert alert.referrer == "gazette.example/news/tide-2"
    assert alert.last_seen >= alert.first_seen
    assert READER_IP not in str(ComplianceAlert.objects.values().get())


def test_views_after_expiry_and_outside_the_licensees_domains_raise_alerts(
    client, rate_card, article, staff
):
    from tests.aftercare.conftest import school

    partner = school("West School")
    expired = license_article(partner, article)
    Licence.objects.filter(pk=expired.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    other_article = f.ArticleFactory(publication=article.publication)
    live = license_article(partner, other_article)

    pixel(client, expired, referer="https://westschool.example/lessons/tides")
    pixel(client, live, referer="https://westschool.example/lessons/tides")
    pixel(client, live, referer="https://copycat.example/stolen")

    alerts = {(a.licence_id, a.kind, a.referrer) for a in ComplianceAlert.objects.all()}
    assert alerts == {
        (expired.pk, AlertKind.VIEW_AFTER_EXPIRY, "westschool.example/lessons/tides"),
        (live.pk, AlertKind.VIEW_OUTSIDE_DOMAIN, "copycat.example/stolen"),
    }


def test_staff_see_and_resolve_alerts_in_the_admin(client, paid_licence, staff):
    article_take_down(article=paid_licence.article, actor=staff, reason="Legal complaint")
    pixel(client, paid_licence, referer="https://gazette.example/news/tide")
    client.force_login(staff)
    changelist = reverse("admin:licensing_compliancealert_changelist")

    listed = client.get(changelist, {"resolved__exact": "0"}).content.decode()
    assert paid_licence.number in listed and "Viewed after revocation" in listed

    alert = ComplianceAlert.objects.get()
    client.post(changelist, {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert (alert.resolved, alert.resolved_by) == (True, staff.get_username())

    # A later sighting opens a new alert
    pixel(client, paid_licence, ua=SAFARI)
    assert ComplianceAlert.objects.filter(resolved=False).count() == 1
