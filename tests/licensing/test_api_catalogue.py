"""The catalogue and the licences through the API, and the API's own description: the
licensable articles with their filters, a partner's licences, the OpenAPI schema and docs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from licensing import services
from licensing.models import Licence, LicenceStatus
from licensing.quoting import UseSpec
from syndication.models import PartnerType, SyndicationStatus
from tests import factories as f

ARTICLES = "/api/v1/articles"
LICENCES = "/api/v1/licences"
WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path


def when(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["slug"] for a in response.json()["results"]]


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(publication):
    now = timezone.now()
    tides = f.ArticleFactory(
        publication=publication,
        slug="tides",
        headline="Tide gauges record a new high",
        published_at=now - timedelta(days=30),
    )
    f.MediaFactory(article=tides, position=0)
    f.MediaFactory(article=tides, position=1)
    f.MediaFactory(article=tides, position=2, credit="Wire Agency", distributable=False)
    budget = f.ArticleFactory(
        publication=publication,
        slug="budget",
        headline="Le conseil vote",
        standfirst="Le budget de la ville est adopté.",
        section="politics",
        language="fr",
        premium=True,
        published_at=now - timedelta(days=10),
    )
    embargoed = f.ArticleFactory(
        publication=publication,
        slug="embargoed",
        headline="The harbour wall will close",
        published_at=now - timedelta(days=1),
        embargo_until=now + timedelta(days=1),
    )
    # Neither of these is on offer
    f.ArticleFactory(
        publication=publication,
        slug="not-for-syndication",
        syndication_status=SyndicationStatus.NOT_FOR_SYNDICATION,
    )
    f.ArticleFactory(publication=publication, slug="withdrawn", withdrawn_at=now)
    return {"tides": tides, "budget": budget, "embargoed": embargoed}


def test_the_catalogue_lists_what_may_be_licensed_newest_first(partner_client, catalogue):
    response = partner_client.get(ARTICLES)

    assert slugs(response) == ["embargoed", "budget", "tides"]
    tides = catalogue["tides"]
    assert response.json()["results"][2] == {
        "id": tides.pk,
        "slug": "tides",
        "headline": "Tide gauges record a new high",
        "standfirst": tides.standfirst,
        "authors": ["Mara Quinn"],
        "section": "environment",
        "language": "en",
        "published_at": when(tides.published_at),
        "updated_at": when(tides.updated_at),
        "word_count": tides.word_count,
        "premium": False,
        "syndication_status": "available",
        "embargoed": False,
        "canonical_url": tides.canonical_url,
        "images": {"distributable": 2, "excluded": 1},
        "revision": 1,
    }
    assert "body_html" not in response.content.decode()
    assert response.json()["results"][0]["embargoed"] is True


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"section": "politics"}, ["budget"]),
        ({"language": "fr"}, ["budget"]),
        ({"premium": "true"}, ["budget"]),
        ({"premium": "false"}, ["embargoed", "tides"]),
        ({"q": "BUDGET"}, ["budget"]),  # in the standfirst, any case
        ({"q": "tide gauges"}, ["tides"]),  # in the headline
        ({"section": "environment", "q": "harbour"}, ["embargoed", "tides"]),
    ],
)
def test_the_catalogue_filters(partner_client, catalogue, query, expected):
    assert slugs(partner_client.get(ARTICLES, query)) == expected


def test_the_catalogue_filters_by_publication_date(partner_client, catalogue):
    fortnight_ago = (timezone.now() - timedelta(days=15)).date().isoformat()
    ten_days_ago = catalogue["budget"].published_at.date().isoformat()

    assert slugs(partner_client.get(ARTICLES, {"published_after": fortnight_ago})) == [
        "embargoed",
        "budget",
    ]
    assert slugs(partner_client.get(ARTICLES, {"published_before": fortnight_ago})) == ["tides"]
    # Both ends are inclusive
    both = {"published_after": ten_days_ago, "published_before": ten_days_ago}
    assert slugs(partner_client.get(ARTICLES, both)) == ["budget"]


def test_a_malformed_date_is_named(partner_client, catalogue):
    response = partner_client.get(ARTICLES, {"published_after": "last tuesday"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["published_after"]


def test_the_catalogue_costs_the_same_queries_for_any_page_size(
    partner_client, publication, django_assert_num_queries
):
    for _ in range(20):
        article = f.ArticleFactory(publication=publication)
        f.MediaFactory(article=article)
        f.MediaFactory(article=article, distributable=False)
    partner_client.get(ARTICLES)  # records the key's last use, a write the next minute skips

    # key, count, page (image counts are in the page's own query)
    for size in (5, 20):
        with django_assert_num_queries(3):
            response = partner_client.get(ARTICLES, {"page_size": size})
        assert len(response.json()["results"]) == size
        assert response.json()["results"][0]["images"] == {"distributable": 1, "excluded": 1}


# ---------------------------------------------------------------------------------------------
# Licences
# ---------------------------------------------------------------------------------------------


def paid_licence(partner, article) -> Licence:
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=WEB_GB_30D,
        terms_accepted=True,
    )
    services.licence_request_mark_paid(request=request, actor_label="stripe")
    return Licence.objects.get(request=request)


def test_a_licence_reads_as_its_terms(rate_card, partner, partner_client, article):
    licence = paid_licence(partner, article)

    response = partner_client.get(f"{LICENCES}/{licence.number}")

    assert response.status_code == 200
    today = timezone.localdate()
    assert response.json() == {
        "number": licence.number,
        "status": "active",
        "request": licence.request_id,
        "article": {"id": article.pk, "slug": article.slug, "headline": article.headline},
        "revision": 1,
        "use_type": "web",
        "portion": "full",
        "territory": {"code": "gb", "label": "United Kingdom", "countries": ["GB"]},
        "term": "30d",
        "exclusive": False,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "fee": "100.00",
        "currency": "GBP",
        "issued_at": when(licence.issued_at),
    }
    assert licence.verification_token not in response.content.decode()


def test_licences_are_listed_and_filtered_by_status(
    rate_card, partner, partner_client, publication
):
    active = paid_licence(partner, f.ArticleFactory(publication=publication))
    revoked = paid_licence(partner, f.ArticleFactory(publication=publication))
    Licence.objects.filter(pk=revoked.pk).update(status=LicenceStatus.REVOKED)
    paid_licence(f.PartnerFactory(), f.ArticleFactory(publication=publication))

    everything = partner_client.get(LICENCES).json()
    only_revoked = partner_client.get(LICENCES, {"status": "revoked"}).json()

    assert [lic["number"] for lic in everything["results"]] == [revoked.number, active.number]
    assert [lic["number"] for lic in only_revoked["results"]] == [revoked.number]


def test_another_partners_licence_is_not_found(rate_card, partner_client, article):
    theirs = paid_licence(f.PartnerFactory(), article)

    response = partner_client.get(f"{LICENCES}/{theirs.number}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_licence_list_costs_the_same_queries_for_any_page_size(
    rate_card, publication, django_assert_num_queries
):
    # A school's free requests: 4 articles each, fulfilled at once
    school = f.PartnerFactory(partner_type=PartnerType.EDUCATION)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(school)}")
    articles = f.ArticleFactory.create_batch(4, publication=publication)
    for _ in range(6):
        services.licence_request_submit(
            partner=school,
            contact_name="Head of Humanities",
            contact_email="hums@school.example",
            article_ids=[a.pk for a in articles],
            use=UseSpec(use_type="education", territory="gb", term="30d"),
            terms_accepted=True,
        )
    client.get(LICENCES)

    for size in (5, 20):
        with django_assert_num_queries(3):
            response = client.get(LICENCES, {"page_size": size})
        assert len(response.json()["results"]) == size


# ---------------------------------------------------------------------------------------------
# The API's description
# ---------------------------------------------------------------------------------------------


def test_the_schema_describes_every_partner_endpoint(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    operations = {
        op["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/") and not path.startswith("/api/v1/staff")
        for op in methods.values()
    }
    assert operations == {
        "quotes_create",
        "requests_list",
        "requests_create",
        "requests_retrieve",
        "requests_cancel",
        "articles_list",
        "licences_list",
        "licences_retrieve",
        "licences_renew",
        "licences_renewal_preview",
        "licence_packages_list",
        "licence_packages_download",
        "corrections_list",
        "corrections_acknowledge",
        "webhooks_endpoint_retrieve",
        "webhooks_endpoint_update",
        "webhooks_endpoint_test",
        "webhooks_deliveries_list",
        "webhooks_deliveries_resend",
    }
    create = schema["paths"]["/api/v1/requests"]["post"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= create["parameters"][0].items()
    assert set(create["responses"]) == {"201", "400", "401", "409", "422"}
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_the_docs_page_is_served_from_our_own_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "swagger-ui" in html
    for outside in ("cdn", "unpkg", "jsdelivr"):
        assert outside not in html


# The partner endpoints issue 2 names, with the errors each can answer: every call may meet a
# wrong key (401); input is checked (400); one partner never sees another's objects (404).
DOCUMENTED_ERRORS = {
    ("post", "/api/v1/quotes"): {"400", "401"},
    ("post", "/api/v1/requests"): {"400", "401", "409"},
    ("get", "/api/v1/requests"): {"400", "401"},
    ("get", "/api/v1/requests/{id}"): {"401", "404"},
    ("post", "/api/v1/requests/{id}/cancel"): {"400", "401", "404", "409"},
    ("get", "/api/v1/articles"): {"400", "401"},
    ("get", "/api/v1/licences"): {"400", "401"},
    ("get", "/api/v1/licences/{number}"): {"401", "404"},
}


def test_the_schema_documents_the_errors_of_every_endpoint_in_the_issue(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    for (method, path), errors in DOCUMENTED_ERRORS.items():
        responses = schema["paths"][path][method]["responses"]
        assert errors <= set(responses), (method, path, sorted(responses))
        for status in errors:
            body = responses[status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)
