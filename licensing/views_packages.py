"""Package downloads by signed, expiring link (no login: the link is the permission), the kill
notice that a withdrawn article's ninjs becomes, and the public key anyone can check a bundle's
signature with."""

from __future__ import annotations

import hashlib

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from licensing.models import Licence
from licensing.package_models import Package, PackageFormat
from licensing.packages import (
    FORMATS,
    PackageGone,
    PackageLinkInvalid,
    download_name,
    kill_notice_applies,
    kill_notice_bytes,
    kill_notice_name,
    licence_from_kill_notice_token,
    package_from_token,
    package_refusal,
)
from syndication.errors import DomainError
from syndication.packages.signing import ALGORITHM, key_id, public_key_b64, public_key_bytes


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]


def _private_file_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    # The link is a credential: keep the file out of shared caches.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def package_file_response(request: HttpRequest, package: Package) -> HttpResponseBase:
    """The stored file, streamed from storage, with its checksum as the ETag (the bytes of a
    package never change, so a client holding them need not fetch them again)."""
    etag = f'"{package.sha256}"'
    if _not_modified(request, etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = FileResponse(
            package.file.open("rb"),
            as_attachment=True,
            filename=download_name(package),
            content_type=package.content_type,
        )
        response["Content-Length"] = str(package.size)
    return _private_file_headers(response, etag)


def kill_notice_response(request: HttpRequest, licence: Licence) -> HttpResponseBase:
    """A withdrawn article's ninjs: its kill notice (pubStatus `canceled`), where the licence's
    other formats answer 410. Rendered on request; the same takedown gives the same bytes."""
    content = kill_notice_bytes(licence)
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    if _not_modified(request, etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type=FORMATS[PackageFormat.NINJS].content_type)
        response["Content-Disposition"] = content_disposition_header(
            True, kill_notice_name(licence)
        )
    return _private_file_headers(response, etag)


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(
        request,
        "licensing/package_unavailable.html",
        {"message": error.message, "gone": isinstance(error, PackageGone)},
        status=error.status_code,
    )


@require_safe
def package_download(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        package = package_from_token(token)
    except (PackageLinkInvalid, PackageGone) as error:
        return _refused(request, error)
    refusal = package_refusal(package.licence)
    if refusal is not None:
        if package.format == PackageFormat.NINJS and kill_notice_applies(package.licence):
            return kill_notice_response(request, package.licence)
        return _refused(request, refusal)
    return package_file_response(request, package)


@require_safe
def kill_notice_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The takedown email's link: the licence's kill notice while the link lasts, whatever the
    licence's state (the licence is revoked by the takedown that sent the link)."""
    try:
        licence = licence_from_kill_notice_token(token)
    except (PackageLinkInvalid, PackageGone) as error:
        return _refused(request, error)
    if not kill_notice_applies(licence):
        # Only a takedown makes these links; an article that stands has no kill notice.
        return _refused(
            request, PackageGone("This article has not been withdrawn.", code="not_withdrawn")
        )
    return kill_notice_response(request, licence)


@require_safe
def signing_key(request: HttpRequest) -> JsonResponse:
    """The Ed25519 key that signs every bundle's manifest (docs/packages.md)."""
    response = JsonResponse(
        {"alg": ALGORITHM, "kid": key_id(public_key_bytes()), "public_key": public_key_b64()}
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
