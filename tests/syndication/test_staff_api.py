"""POST /api/v1/staff/articles: staff send ninjs, the catalogue answers item by item."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from syndication.models import Article, ArticleRevision, Media
from tests import factories as f
from tests.syndication.ninjs_samples import ARABIC, NO_HEADLINE, TIDE_GAUGES, load, minimal_31

pytestmark = pytest.mark.django_db

URL = "/api/v1/staff/articles"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


def basic_client(user) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def test_the_route_is_named():
    assert reverse("staff-articles-import") == URL


def test_staff_basic_auth_imports_a_list_item_by_item(publication, staff):
    # Given a staff user sending two good documents and one without a headline
    client = basic_client(staff)
    body = [load(TIDE_GAUGES), load(NO_HEADLINE), load(ARABIC)]

    # When they post them
    response = client.post(URL, body, format="json")

    # Then each item has its own result, in order
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "index": 0,
                "status": "created",
                "uri": "urn:newsml:courier.example:2026:article:tide-gauges-record-high",
                "slug": "harbour-tide-gauges-record-highest-water-in-a-century",
                "revision": 1,
            },
            {
                "index": 1,
                "status": "rejected",
                "errors": {"headline": ["A headline is required (headlines[].value or headline)."]},
            },
            {
                "index": 2,
                "status": "created",
                "uri": "urn:newsml:courier.example:2026:article:ar-desalination-plant",
                "slug": "desalination-plant",
                "revision": 1,
            },
        ]
    }
    # And nothing was saved for the rejected item; the importer is the revision's author
    assert not Article.objects.filter(uri=load(NO_HEADLINE)["uri"]).exists()
    assert set(ArticleRevision.objects.values_list("created_by", flat=True)) == {staff.pk}


def test_a_corrected_document_comes_back_as_revision_2(publication, staff):
    client = basic_client(staff)
    client.post(URL, minimal_31(), format="json")
    corrected = minimal_31(edNote="Corrects the boat's name.")
    corrected["bodies"][0]["value"] = "<p>The crew took the Spirit of Islay out.</p>"

    response = client.post(URL, corrected, format="json")

    assert response.status_code == 200
    assert response.json()["results"][0] | {"slug": None} == {
        "index": 0,
        "status": "updated",
        "uri": "urn:newsml:courier.example:2026:article:lifeboat-launch",
        "slug": None,
        "revision": 2,
    }
    assert Article.objects.get().revisions.first().correction_note == "Corrects the boat's name."


def test_a_staff_session_may_post_too(publication, staff):
    client = APIClient()
    client.force_login(staff)

    response = client.post(URL, minimal_31(), format="json")

    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "created"


def test_a_partner_key_is_forbidden(publication, partner_client):
    response = partner_client.post(URL, minimal_31(), format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": "Staff only.", "fields": {}}
    }
    assert Article.objects.count() == 0


def test_a_logged_in_non_staff_user_is_forbidden(publication):
    client = basic_client(f.UserFactory())
    response = client.post(URL, minimal_31(), format="json")
    assert response.status_code == 403


def test_no_credentials_is_401(publication, api_client):
    response = api_client.post(URL, minimal_31(), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_wrong_basic_credentials_are_401(publication, staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"nobody:wrong").decode())
    assert client.post(URL, minimal_31(), format="json").status_code == 401


def test_one_invalid_document_is_400_with_its_field_names(publication, staff):
    response = basic_client(staff).post(URL, load(NO_HEADLINE), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "The request has invalid fields.",
            "fields": {"headline": ["A headline is required (headlines[].value or headline)."]},
        }
    }
    assert (Article.objects.count(), Media.objects.count()) == (0, 0)


def test_a_list_where_every_document_is_invalid_is_400_naming_item_and_field(publication, staff):
    bad_picture = minimal_31(
        associations=[
            {
                "name": "featureimage",
                "uri": "urn:picture:1",
                "type": "picture",
                "renditions": [{"name": "original", "href": "file:///etc/passwd"}],
            }
        ]
    )

    response = basic_client(staff).post(URL, [load(NO_HEADLINE), bad_picture], format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "[0].headline": ["A headline is required (headlines[].value or headline)."],
        "[1].media[0].source_url": ["A picture's href must be an http(s) URL."],
    }
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "Send at least one ninjs document."),
        ([minimal_31()] * 101, "Send at most 100 documents per request."),
    ],
)
def test_an_empty_or_oversized_list_is_400(publication, staff, body, message):
    response = basic_client(staff).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"non_field_errors": [message]}
    assert Article.objects.count() == 0


def test_the_openapi_schema_documents_the_endpoint(staff):
    client = APIClient()
    client.force_login(staff)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/staff/articles"]["post"]
    assert operation["operationId"] == "staff_articles_import"
    assert set(operation["responses"]) == {"200", "400", "401", "403"}
    assert operation["security"] == [{"basicAuth": []}, {"cookieAuth": []}]
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert [option["type"] for option in request_schema["oneOf"]] == ["object", "array"]
    error_schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
    assert error_schema["required"] == ["error"]
