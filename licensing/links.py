"""Signed links partners follow without an account: the request status page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from licensing.models import LicenceRequest

STATUS_SALT = "licensing.request-status"


def status_token(request: LicenceRequest) -> str:
    return signing.dumps(request.pk, salt=STATUS_SALT, compress=True)


def request_id_from_status_token(token: str) -> int | None:
    """The request id, or None when the token is forged or older than the configured age."""
    try:
        return int(
            signing.loads(
                token,
                salt=STATUS_SALT,
                max_age=timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS),
            )
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None


def status_path(request: LicenceRequest) -> str:
    return reverse("licensing:request-status", kwargs={"token": status_token(request)})


def status_url(request: LicenceRequest) -> str:
    return settings.SITE_URL + status_path(request)
