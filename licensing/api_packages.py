"""Packages in the partner API: list a licence's packages (formats, sizes, checksums, links) and
download one. Partner keys only; another partner's licence is 404, a revoked one 410, except the
ninjs of a withdrawn article, which is its kill notice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from licensing.api.schema import ErrorSerializer, error_responses
from licensing.api.views import PartnerApi
from licensing.models import Licence
from licensing.package_models import Package, PackageFormat
from licensing.packages import (
    FORMATS,
    download_link,
    download_name,
    kill_notice_applies,
    latest_packages,
    package_refusal,
)
from licensing.selectors import licences_for_partner
from licensing.views_packages import kill_notice_response, package_file_response
from syndication.errors import NotFound

GONE = {
    410: OpenApiResponse(
        response=ErrorSerializer,
        description="The licence is revoked, expired or superseded, or the article was "
        "withdrawn (`error.code` says which).",
    )
}
REVISION = OpenApiParameter(
    "revision",
    int,
    description="An article revision; by default the newest one rendered for the licence.",
)


class PackageOutputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=PackageFormat.choices)
    revision = serializers.IntegerField(source="revision.number")
    filename = serializers.SerializerMethodField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()
    rendered_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(
        help_text="A signed link that works without a key until it expires "
        "(settings PACKAGE_LINK_TTL_DAYS)."
    )
    api_url = serializers.SerializerMethodField(help_text="This file through the API (key).")

    class Meta:
        ref_name = "Package"

    def get_filename(self, package: Package) -> str:
        return download_name(package)

    def get_download_url(self, package: Package) -> str:
        return download_link(package)

    def get_api_url(self, package: Package) -> str:
        request = self.context["request"]
        url = reverse(
            "api-licence-package",
            kwargs={"number": package.licence.number, "package_format": package.format},
        )
        return request.build_absolute_uri(f"{url}?revision={package.revision.number}")


class PackageListOutputSerializer(serializers.Serializer):
    licence = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    packages = PackageOutputSerializer(many=True)

    class Meta:
        ref_name = "LicencePackages"


class AnyAccept(BaseContentNegotiation):
    """A file answer is what it is: `Accept: application/pdf` must not make it a 406."""

    def select_parser(self, request: Request, parsers: Iterable[Any]) -> Any:
        parsers = list(parsers)
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Iterable[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        renderers = list(renderers)
        return renderers[0], renderers[0].media_type


def _licence(partner: Any, number: str) -> Licence:
    licence = get_object_or_404(licences_for_partner(partner), number=number)
    refusal = package_refusal(licence)
    if refusal is not None:
        raise refusal
    return licence


def _revision(request: Request) -> int | None:
    raw = request.query_params.get("revision")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise serializers.ValidationError({"revision": ["A whole number."]}) from None


class LicencePackagesApi(PartnerApi):
    @extend_schema(
        operation_id="licence_packages_list",
        tags=["licences"],
        summary="The packages of one of your licences",
        description="Every format rendered for the licence (HTML, snippet, PDF, ninjs, ODRL "
        "licence, signed bundle) with size, SHA-256 and download links. Empty while the "
        "packages are still being rendered.",
        parameters=[REVISION],
        responses={200: PackageListOutputSerializer, **error_responses(400, 401, 404), **GONE},
    )
    def get(self, request: Request, number: str) -> Response:
        licence = _licence(self.partner, number)
        packages = latest_packages(licence, revision_number=_revision(request))
        data = {
            "licence": licence.number,
            "revision": packages[0].revision.number if packages else None,
            "packages": packages,
        }
        return Response(PackageListOutputSerializer(data, context={"request": request}).data)


class LicencePackageFileApi(PartnerApi):
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="licence_packages_download",
        tags=["licences"],
        summary="Download one package of one of your licences",
        description="The stored file, byte for byte; its `ETag` is the SHA-256 from the list. "
        f"Formats: {', '.join(f'`{f}`' for f in FORMATS)}. Once the article has been taken "
        "down, `ninjs` answers its kill notice (ninjs with `pubStatus` `canceled`, file name "
        "`HC-2026-000123-canceled.ninjs.json`) and every other format 410.",
        parameters=[REVISION],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The file, with its own Content-Type (text/html, application/pdf, "
                "application/json, application/ld+json, application/zip) and a "
                "Content-Disposition file name such as `HC-2026-000123.pdf`.",
            ),
            **error_responses(400, 401, 404),
            **GONE,
        },
    )
    def get(self, request: Request, number: str, package_format: str) -> HttpResponseBase:
        if package_format not in FORMATS:
            raise NotFound(f"No package format {package_format!r}.", field="package_format")
        licence = get_object_or_404(licences_for_partner(self.partner), number=number)
        if package_format == PackageFormat.NINJS and kill_notice_applies(licence):
            # The article was taken down: its ninjs is the kill notice, whatever revision is asked.
            return kill_notice_response(request._request, licence)
        refusal = package_refusal(licence)
        if refusal is not None:
            raise refusal
        packages = latest_packages(licence, revision_number=_revision(request))
        package = next((p for p in packages if p.format == package_format), None)
        if package is None:
            raise NotFound("This package has not been rendered yet.", field="package_format")
        return package_file_response(request._request, package)


urlpatterns = [
    path(
        "licences/<str:number>/packages",
        LicencePackagesApi.as_view(),
        name="api-licence-packages",
    ),
    path(
        "licences/<str:number>/packages/<str:package_format>",
        LicencePackageFileApi.as_view(),
        name="api-licence-package",
    ),
]
