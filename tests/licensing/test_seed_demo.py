"""`manage.py seed_demo`: a new machine gets a browsable demo, and running it again changes
nothing and prints the same credentials."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from licensing.demo_pictures import demo_picture
from licensing.models import Licence, LicenceRequest, RateCard, RequestStatus
from syndication.api_auth import PartnerKeyAuthentication, PartnerPrincipal
from syndication.models import Article, Media, Partner, PartnerType, SyndicationStatus

pytestmark = pytest.mark.django_db
S = RequestStatus
APPS = ("syndication", "licensing", "auth")


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }


def printed(output: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}\s+(.+)$", output, re.MULTILINE)
    assert match, f"{label!r} is not in the output"
    return match.group(1).strip()


def test_seeding_twice_changes_nothing_and_prints_the_same_credentials():
    first = seed()
    counts = row_counts()

    second = seed()

    assert row_counts() == counts
    assert second == first
    assert counts["syndication.Article"] == 12
    assert counts["syndication.Partner"] == 7
    assert counts["licensing.RateCard"] == 1
    assert counts["licensing.LicenceRequest"] == 5


def test_the_printed_logins_and_api_key_work(client):
    output = seed()

    # The staff login opens the admin
    username, password = printed(output, "Staff (admin):").split(" / ")
    assert client.login(username=username, password=password)
    assert client.get(reverse("admin:index")).status_code == 200

    # The partner login belongs to the demo commercial partner
    partner_user, partner_password = printed(output, "Partner login:").split("  ")[0].split(" / ")
    assert client.login(username=partner_user, password=partner_password)

    # And the API key authenticates as that partner
    key = printed(output, "Partner API key:")
    request = RequestFactory().get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Bearer {key}")
    principal, _ = PartnerKeyAuthentication().authenticate(request)
    assert isinstance(principal, PartnerPrincipal)
    assert principal.partner.name == "Northgate Daily"
    assert principal.partner.partner_type == PartnerType.COMMERCIAL
    assert f"Authorization: Bearer {key}" in output
    assert f"POST http://127.0.0.1:8000{reverse('api-quotes')} " in output


def test_the_printed_api_key_reads_the_article_catalogue(client):
    key = printed(seed(), "Partner API key:")
    url = reverse("api-articles")

    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION="Bearer rpk_wrong_key").status_code == 401


def test_the_catalogue_has_the_cases_the_demo_is_for():
    seed()

    arabic = Article.objects.get(language="ar")
    assert arabic.is_rtl
    assert "الموسيقى" in arabic.body_html
    assert arabic.revisions.count() == 1

    agency = Media.objects.get(credit="Photo: Reuters")
    assert (agency.rights_holder, agency.distributable) == ("Reuters", False)
    own = agency.article.media.exclude(pk=agency.pk).get()
    assert own.distributable is True

    statuses = set(Article.objects.values_list("syndication_status", flat=True))
    assert statuses == set(SyndicationStatus.values)
    assert Article.objects.filter(premium=True).count() == 1
    assert [a.is_embargoed() for a in Article.objects.filter(embargo_until__isnull=False)] == [True]
    assert all(150 <= a.word_count <= 600 for a in Article.objects.all())
    assert all(
        a.canonical_url.startswith("https://courier.example/") for a in Article.objects.all()
    )


def test_partners_card_and_requests_cover_every_kind():
    seed()

    assert set(Partner.objects.values_list("partner_type", flat=True)) == set(PartnerType.values)
    assert Partner.objects.filter(payment_method="invoice").exists()
    assert Partner.objects.filter(contract_monthly_allowance__isnull=False).count() == 1
    assert all(p.contacts.exists() for p in Partner.objects.all())

    card = RateCard.objects.get()
    assert (card.currency, card.published, card.blocked_countries) == ("GBP", True, ["KP"])
    assert card.base_fees.count() == 24
    assert set(card.terms.values_list("code", flat=True)) == {"30d", "1y", "perpetual"}
    assert card.free_uses.get().requester_type == "education"

    by_status = sorted(LicenceRequest.objects.values_list("status", flat=True))
    assert by_status == sorted(
        [S.SUBMITTED, S.IN_REVIEW, S.AWAITING_PAYMENT, S.FULFILLED, S.FULFILLED]
    )
    assert Licence.objects.count() == 2


def test_demo_pictures_are_stored_once_as_jpegs_through_the_storage():
    # Given a seeded catalogue
    seed()
    pictures = list(Media.objects.order_by("pk"))
    assert len(pictures) == 3
    names = [m.file.name for m in pictures]
    assert names == [f"media/demo/{Path(m.source_url).name}" for m in pictures]
    contents = []
    for media in pictures:
        with media.file.open("rb") as handle:
            contents.append(handle.read())
        assert Image.open(io.BytesIO(contents[-1])).format == "JPEG"
        assert len(contents[-1]) < 100_000
    _, stored = default_storage.listdir("media/demo")

    # When it is seeded again
    seed()

    # Then every picture keeps its file, with the same bytes, and no file was added
    assert [m.file.name for m in Media.objects.order_by("pk")] == names
    assert sorted(default_storage.listdir("media/demo")[1]) == sorted(stored)
    assert [
        demo_picture(key=m.source_url, caption=m.caption, credit=m.credit) for m in pictures
    ] == (contents)
