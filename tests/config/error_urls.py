"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls as site


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def forbid(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


def malformed(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a tampered request")


handler404 = site.handler404
handler500 = site.handler500

urlpatterns = [
    path("boom/crash", crash),
    path("boom/forbid", forbid),
    path("boom/malformed", malformed),
    path("api/v1/boom/crash", crash),
    *site.urlpatterns,
]
