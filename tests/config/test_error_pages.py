"""With DEBUG off, visitors get the site's own 400, 403, 404 and 500 pages with a way onwards,
while the API keeps answering in JSON."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.config.error_urls"),
]

CATALOGUE = "/republish/"
LOOKUP = "/licences/verify"


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def crash_client() -> Client:
    # Answer like production does instead of re-raising the view's exception into the test.
    return Client(raise_request_exception=False)


def assert_way_onwards(html: str) -> None:
    assert f'href="{CATALOGUE}"' in html
    assert f'href="{LOOKUP}"' in html


def test_the_links_on_the_error_pages_are_the_real_routes():
    assert reverse("licensing:republish-index") == CATALOGUE
    assert reverse("licensing:licence-lookup") == LOOKUP


def test_an_unknown_address_gets_the_sites_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "<title>Page not found · Syndication</title>" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert_way_onwards(html)
    assert f'<form class="search verify-lookup" action="{LOOKUP}" method="get">' in html


def test_a_view_that_raises_404_gets_the_same_page(client):
    response = client.get("/republish/no-such-story/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_an_unknown_api_route_still_answers_in_json(client):
    response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_a_drf_view_keeps_its_own_json_errors(client):
    response = client.get("/api/v1/requests/1")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_view_that_crashes_gets_the_500_page_without_touching_the_database(
    crash_client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = crash_client.get("/boom/crash")

    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Something went wrong · Syndication</title>" in html
    assert "Something went wrong on our side" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert_way_onwards(html)


def test_an_api_view_that_crashes_answers_in_json(crash_client):
    response = crash_client.get("/api/v1/boom/crash")

    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "A server error occurred.", "fields": {}}
    }


def test_a_forbidden_page_gets_the_403_page(client):
    response = client.get("/boom/forbid")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot open this page" in html
    assert "not for you" not in html
    assert_way_onwards(html)


def test_a_malformed_request_gets_the_400_page(client):
    response = client.get("/boom/malformed")

    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not understand that request" in html
    assert "tampered" not in html
    assert_way_onwards(html)


def test_the_lookup_sends_a_licence_number_to_its_verification_page(client):
    response = client.get(LOOKUP, {"number": " HC-2026-000123 "})

    assert response.status_code == 302
    assert response["Location"] == "/licences/HC-2026-000123/verify"


def test_the_lookup_explains_a_number_that_cannot_be_one(client):
    response = client.get(LOOKUP, {"number": "../admin/"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the licence number as printed, e.g. HC-2026-000123." in html
    assert 'aria-describedby="licence-number-error"' in html
    assert 'value="../admin/"' in html
