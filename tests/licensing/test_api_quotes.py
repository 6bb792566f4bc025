"""POST /api/v1/quotes: a partner prices a use and gets every amount explained; nothing is saved.
Amounts come from the standard card in tests/factories.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from licensing.models import LicenceRequest, RequestEvent
from syndication.models import IdempotencyRecord, PartnerType
from syndication.services import api_key_create, api_key_revoke
from tests import factories as f

QUOTES = "/api/v1/quotes"
WEB_GB_30D = {"use_type": "web", "portion": "full", "territory": "gb", "term": "30d"}


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path


def lines(body: dict) -> list[tuple[str, str, int | None]]:
    return [(line["code"], line["amount"], line["article_id"]) for line in body["lines"]]


def test_a_web_use_in_the_uk_for_30_days_costs_the_base_fee(rate_card, partner_client, article):
    # Given a verified commercial partner with 50,000 monthly readers and the standard card
    # When it asks for a price for one article on its website in the UK for 30 days
    response = partner_client.post(QUOTES, {"articles": [article.pk], **WEB_GB_30D}, format="json")

    # Then every factor of the use is a line, and only the base fee costs anything
    assert response.status_code == 200
    body = response.json()
    assert lines(body) == [
        ("base", "100.00", article.pk),
        ("requester", "0.00", article.pk),
        ("reach", "0.00", article.pk),
        ("territory", "0.00", article.pk),
        ("term", "0.00", article.pk),
    ]
    assert body["lines"][0]["rule"] == "Base fee: web, full article"
    assert "United Kingdom" in body["lines"][3]["rule"]
    assert (body["subtotal"], body["discount"], body["total"]) == ("100.00", "0.00", "100.00")
    assert body["currency"] == "GBP"
    assert body["valid_until"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    assert body["free"] is False
    assert body["auto_approve"] is True  # verified, and within the card's £250 limit
    assert body["needs_review"] is False
    assert body["refusals"] == []
    assert body["exclusions"] == []
    assert body["rate_card"] == {"id": rate_card.pk, "version": 1}


def test_every_factor_of_a_rich_use_shows_its_own_amount(rate_card, partner_client, publication):
    # Given a premium article with two of our pictures and one agency picture
    article = f.ArticleFactory(publication=publication, premium=True)
    f.MediaFactory(article=article, position=0)
    f.MediaFactory(article=article, position=1)
    f.MediaFactory(
        article=article,
        position=2,
        caption="Storm over the pier",
        credit="Photo: Wire Agency",
        rights_holder="Wire Agency",
        distributable=False,
    )

    # When the partner prices an exclusive EU use for a year, to 150,000 readers
    response = partner_client.post(
        QUOTES,
        {
            "articles": [article.slug],  # a slug works as well as an id
            "use_type": "web",
            "portion": "full",
            "territory": "eu",
            "term": "1y",
            "exclusive": True,
            "reach": 150_000,
        },
        format="json",
    )

    # Then each multiplier adds the change it makes to the running figure:
    # 100 -> x1.5 reach 150 -> x1.3 EU 195 -> x1.5 year 292.50 -> x2 exclusive 585
    # -> +50% premium 877.50, plus 2 pictures at £25; the agency picture is excluded
    assert response.status_code == 200
    body = response.json()
    assert lines(body) == [
        ("base", "100.00", article.pk),
        ("requester", "0.00", article.pk),
        ("reach", "50.00", article.pk),
        ("territory", "45.00", article.pk),
        ("term", "97.50", article.pk),
        ("exclusivity", "292.50", article.pk),
        ("premium", "292.50", article.pk),
        ("images", "50.00", article.pk),
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == ("927.50", "0.00", "927.50")
    assert body["exclusions"] == ["Storm over the pier (Wire Agency)"]
    assert body["auto_approve"] is False  # over the £250 automatic limit


def test_a_bundle_of_three_summaries_gets_ten_percent_off(rate_card, partner_client, publication):
    # Given three articles
    articles = f.ArticleFactory.create_batch(3, publication=publication)

    # When the partner prices their headlines and summaries together
    response = partner_client.post(
        QUOTES,
        {"articles": [a.pk for a in articles], **WEB_GB_30D, "portion": "summary"},
        format="json",
    )

    # Then each costs £20 and the bundle line takes 10% off the £60
    body = response.json()
    assert [line["amount"] for line in body["lines"] if line["code"] == "base"] == ["20.00"] * 3
    assert body["lines"][-1] == {
        "code": "bundle_discount",
        "rule": body["lines"][-1]["rule"],
        "amount": "-6.00",
        "article_id": None,
    }
    assert (body["subtotal"], body["discount"], body["total"]) == ("60.00", "6.00", "54.00")


def test_a_single_summary_is_raised_to_the_minimum_fee(rate_card, partner_client, article):
    response = partner_client.post(
        QUOTES, {"articles": [article.pk], **WEB_GB_30D, "portion": "summary"}, format="json"
    )

    body = response.json()
    assert lines(body)[0] == ("base", "20.00", article.pk)
    assert lines(body)[-1] == ("minimum_fee", "10.00", None)
    assert body["total"] == "30.00"


def test_education_use_by_an_educator_is_free(rate_card, article):
    # Given a school with its own key
    school = f.PartnerFactory(partner_type=PartnerType.EDUCATION)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(school)}")

    response = client.post(
        QUOTES, {"articles": [article.pk], **WEB_GB_30D, "use_type": "education"}, format="json"
    )

    body = response.json()
    assert lines(body) == [("free_use", "0.00", None)]
    assert body["lines"][0]["rule"] == "Free use: Non-profit education"
    assert (body["total"], body["free"], body["auto_approve"]) == ("0.00", True, True)


def test_a_quote_saves_nothing(rate_card, partner_client, article):
    counts = (LicenceRequest.objects.count(), RequestEvent.objects.count())

    # Sent with an Idempotency-Key too: quotes are not stored, so the key is ignored
    response = partner_client.post(
        QUOTES,
        {"articles": [article.pk], **WEB_GB_30D},
        format="json",
        HTTP_IDEMPOTENCY_KEY="quote-1",
    )

    assert response.status_code == 200
    assert (LicenceRequest.objects.count(), RequestEvent.objects.count()) == counts
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"use_type": "hologram"}, "use_type"),
        ({"portion": "most"}, "portion"),
        ({"territory": "mars"}, "territory"),
        ({"term": "forever"}, "term"),
        ({"articles": []}, "articles"),
        ({"articles": [True]}, "articles"),
        ({"articles": ["no-such-article"]}, "articles"),
        ({"reach": -1}, "reach"),
    ],
)
def test_malformed_input_names_the_field(rate_card, partner_client, article, change, field):
    response = partner_client.post(
        QUOTES, {"articles": [article.pk], **WEB_GB_30D, **change}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_the_engine_names_the_field_it_cannot_price(rate_card, partner_client, article):
    # An excerpt needs its length: only the quote engine knows, and it names the field
    response = partner_client.post(
        QUOTES, {"articles": [article.pk], **WEB_GB_30D, "portion": "excerpt"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["excerpt_words"]


def test_an_unknown_article_id_is_named(rate_card, partner_client, article):
    response = partner_client.post(
        QUOTES, {"articles": [article.pk, 999_999], **WEB_GB_30D}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"articles": ["Unknown article id(s): 999999."]}


def test_a_wrong_key_is_401(rate_card, article):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rpk_nothing_here")

    response = client.post(QUOTES, {"articles": [article.pk], **WEB_GB_30D}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_key_is_401(rate_card, partner, article):
    issued = api_key_create(partner=partner, name="Old CMS")
    api_key_revoke(api_key=issued.api_key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")

    response = client.post(QUOTES, {"articles": [article.pk], **WEB_GB_30D}, format="json")

    assert response.status_code == 401


def test_no_key_or_a_staff_login_is_401(rate_card, article, staff):
    client = APIClient()
    assert client.post(QUOTES, {}, format="json").status_code == 401

    # The API is for partner keys only: a staff session does not open it
    client.force_login(staff)
    assert client.post(QUOTES, {}, format="json").status_code == 401
