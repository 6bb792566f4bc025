"""`Authorization: Bearer <key>` for partners. A wrong or revoked key is 401."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from syndication.models import ApiKey, Partner
from syndication.services import api_key_digest

# Recording last use on every request would make every read a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class PartnerPrincipal:
    """request.user for API calls made with a partner key."""

    partner: Partner
    api_key: ApiKey
    is_authenticated: bool = True
    is_staff: bool = False
    pk: None = None

    @property
    def actor_label(self) -> str:
        return f"api:{self.api_key.prefix}"

    def __str__(self) -> str:
        return f"{self.partner.name} ({self.api_key.prefix})"


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed("Empty API key.")
        key = (
            ApiKey.objects.select_related("partner").filter(digest=api_key_digest(raw_key)).first()
        )
        if key is None or key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return PartnerPrincipal(partner=key.partner, api_key=key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class IsPartner(permissions.BasePermission):
    message = "A partner API key is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, PartnerPrincipal)


class IsStaffUser(permissions.BasePermission):
    message = "Staff only."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and getattr(user, "is_authenticated", False) and user.is_staff)


class PartnerRateThrottle(throttling.SimpleRateThrottle):
    """Requests per partner (all its keys together); anonymous callers are counted per IP by
    AnonRateThrottle. The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner"]."""

    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.user, PartnerPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.partner.pk}
