"""Public aftercare pages: licence verification (HTML and JSON), the look-up by number that leads
to it, and the tracking pixel."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from licensing.aftercare import licence_verify_url
from licensing.models import Licence, LicenceStatus
from licensing.tracking import licence_view_record
from syndication.models import Publication

log = logging.getLogger(__name__)

# What a licence number may contain (HC-2026-000123): anything else cannot be in a URL path.
LICENCE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")

# The smallest transparent 1x1 GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def verification_data(licence: Licence) -> dict[str, Any]:
    """What anyone may know about a licence. Never the fee, the partner's contacts or the
    reason for a revocation; a withdrawn article's headline is not repeated either."""
    article = licence.article
    today = timezone.localdate()
    withdrawn = article.withdrawn_at is not None
    return {
        "number": licence.number,
        "status": licence.status,
        "status_label": str(licence.get_status_display()),
        "valid": licence.status == LicenceStatus.ACTIVE
        and (licence.ends_on is None or licence.ends_on >= today),
        "article": {
            "headline": "" if withdrawn else article.headline,
            "canonical_url": "" if withdrawn else article.canonical_url,
            "withdrawn": withdrawn,
            "revision": licence.revision.number,
        },
        "licensee": {"name": licence.partner.name},
        "territory": {
            "code": licence.territory,
            "label": licence.territory_label,
            "countries": list(licence.territory_countries),
        },
        "medium": {"code": licence.use_type, "label": str(licence.get_use_type_display())},
        "portion": {"code": licence.portion, "label": str(licence.get_portion_display())},
        "exclusive": licence.exclusive,
        "starts_on": licence.starts_on.isoformat(),
        "ends_on": licence.ends_on.isoformat() if licence.ends_on else None,
        "revoked_on": licence.revoked_at.date().isoformat() if licence.revoked_at else None,
    }


def _wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json":
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Public facts: a partner's site may check its own licence from the browser.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def licence_verify(request: HttpRequest, number: str, as_json: bool = False) -> HttpResponse:
    licence = (
        Licence.objects.select_related("article", "partner", "revision")
        .filter(number=number.strip())
        .first()
    )
    as_json = as_json or _wants_json(request)
    if licence is None:
        message = f"No licence has the number {number}. Check it against the licence document."
        if as_json:
            return _json(
                {"error": {"code": "not_found", "message": message, "fields": {}}}, status=404
            )
        context = {"publication": Publication.current(), "number": number, "message": message}
        return render(request, "licensing/verify_not_found.html", context, status=404)
    data = verification_data(licence)
    if as_json:
        return _json(data)
    context = {
        "publication": Publication.current(),
        "licence": licence,
        "v": data,
        "json_url": request.path.removesuffix("/") + ".json",
        "verify_url": licence_verify_url(licence),
    }
    response = render(request, "licensing/verify.html", context)
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def licence_lookup(request: HttpRequest) -> HttpResponse:
    """The way in for someone holding only a licence number (the error pages link here)."""
    number = request.GET.get("number", "").strip()
    if number and LICENCE_NUMBER_RE.match(number):
        return redirect("licensing:licence-verify", number=number)
    error = _("Enter the licence number as printed, e.g. HC-2026-000123.") if number else ""
    context = {"publication": Publication.current(), "number": number, "error": error}
    return render(request, "licensing/verify_lookup.html", context)


def _client_ip(request: HttpRequest) -> str:
    if getattr(settings, "TRACKING_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


@require_safe
def tracking_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Always the same transparent GIF, never cached, whatever the token: the answer says
    nothing about whether a licence exists."""
    try:
        licence_view_record(
            token=token,
            ip=_client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:1000],
            referrer=request.headers.get("Referer", "")[:2000],
        )
    except Exception:
        # A counting failure must never break the partner's page.
        log.exception("tracking pixel failed for a view")
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, max-age=0"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
