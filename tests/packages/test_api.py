"""The partner API lists a licence's packages and streams them, to the owning partner only."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from rest_framework.test import APIClient

from licensing import services
from licensing.package_models import Package
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(partner) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    return client


def test_the_owner_lists_every_format_with_size_checksum_and_links(licence, north):
    response = client_for(north).get(f"/api/v1/licences/{licence.number}/packages")

    assert response.status_code == 200
    body = response.json()
    assert (body["licence"], body["revision"]) == (licence.number, 1)
    stored = {p.format: p for p in Package.objects.filter(licence=licence)}
    listed = {p["format"]: p for p in body["packages"]}
    assert list(listed) == ["html", "snippet", "pdf", "ninjs", "licence_json", "bundle"]
    for fmt, entry in listed.items():
        assert (entry["size"], entry["sha256"]) == (stored[fmt].size, stored[fmt].sha256)
        assert entry["download_url"].startswith("http://127.0.0.1:8000/downloads/")
        assert entry["api_url"] == (
            f"http://testserver/api/v1/licences/{licence.number}/packages/{fmt}?revision=1"
        )
    assert listed["bundle"]["filename"] == f"{licence.number}.zip"


def test_the_owner_downloads_a_package_byte_for_byte(licence, north):
    pdf = Package.objects.get(licence=licence, format="pdf")

    response = client_for(north).get(
        f"/api/v1/licences/{licence.number}/packages/pdf", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{licence.number}.pdf"'
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == pdf.sha256


def test_another_partner_gets_404_for_the_list_and_the_file(licence):
    stranger = client_for(f.PartnerFactory(name="Other Outlet"))

    listing = stranger.get(f"/api/v1/licences/{licence.number}/packages")
    download = stranger.get(f"/api/v1/licences/{licence.number}/packages/pdf")

    assert (listing.status_code, download.status_code) == (404, 404)
    assert listing.json()["error"]["code"] == "not_found"


def test_an_unknown_format_is_404(licence, north):
    response = client_for(north).get(f"/api/v1/licences/{licence.number}/packages/docx")

    assert response.status_code == 404
    assert response.json()["error"]["fields"] == {"package_format": ["No package format 'docx'."]}


def test_a_revoked_licence_is_410(licence, north, on_commit):
    with on_commit():
        services.licence_request_refund(request=licence.request, reason="Paid twice")
    mail.outbox.clear()

    listing = client_for(north).get(f"/api/v1/licences/{licence.number}/packages")
    download = client_for(north).get(f"/api/v1/licences/{licence.number}/packages/pdf")

    assert (listing.status_code, download.status_code) == (410, 410)
    assert listing.json()["error"]["code"] == "licence_revoked"


def test_the_package_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    listing = schema["paths"]["/api/v1/licences/{number}/packages"]["get"]
    download = schema["paths"]["/api/v1/licences/{number}/packages/{package_format}"]["get"]
    assert listing["operationId"] == "licence_packages_list"
    assert {"200", "404", "410"} <= set(listing["responses"])
    assert download["operationId"] == "licence_packages_download"
    assert "application/octet-stream" in download["responses"]["200"]["content"]
