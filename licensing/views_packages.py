"""Package downloads by signed, expiring link (no login: the link is the permission), and the
public key anyone can check a bundle's signature with."""

from __future__ import annotations

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_safe

from licensing.package_models import Package
from licensing.packages import (
    PackageGone,
    PackageLinkInvalid,
    download_name,
    package_from_token,
    package_refusal,
)
from syndication.errors import DomainError
from syndication.packages.signing import ALGORITHM, key_id, public_key_b64, public_key_bytes


def package_file_response(request: HttpRequest, package: Package) -> HttpResponse:
    """The stored file, streamed from storage, with its checksum as the ETag (the bytes of a
    package never change, so a client holding them need not fetch them again)."""
    etag = f'"{package.sha256}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = FileResponse(
            package.file.open("rb"),
            as_attachment=True,
            filename=download_name(package),
            content_type=package.content_type,
        )
        response["Content-Length"] = str(package.size)
    response["ETag"] = etag
    # The link is a credential: keep the file out of shared caches.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(
        request,
        "licensing/package_unavailable.html",
        {"message": error.message, "gone": isinstance(error, PackageGone)},
        status=error.status_code,
    )


@require_safe
def package_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        package = package_from_token(token)
    except (PackageLinkInvalid, PackageGone) as error:
        return _refused(request, error)
    refusal = package_refusal(package.licence)
    if refusal is not None:
        return _refused(request, refusal)
    return package_file_response(request, package)


@require_safe
def signing_key(request: HttpRequest) -> JsonResponse:
    """The Ed25519 key that signs every bundle's manifest (docs/packages.md)."""
    response = JsonResponse(
        {"alg": ALGORITHM, "kid": key_id(public_key_bytes()), "public_key": public_key_b64()}
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
