"""The tracking pixel's work: count a republished view once per visitor per day without storing
who the visitor is, leave known bots out, and raise a compliance alert when a licence that has
expired or been revoked (or a page outside the licensee's domains) is still showing the article.

The hot path (an active licence) is two queries: the licence by its token, and one
INSERT … ON CONFLICT DO NOTHING of the day's visitor row, which both counts and deduplicates."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from licensing.aftercare_models import AlertKind, ComplianceAlert, LicenceView
from licensing.models import Licence, LicenceStatus

log = logging.getLogger(__name__)

# Lower-case substrings of user agents that are not readers: crawlers, link previews, monitors
# and HTTP libraries. An empty user agent is not a browser either.
BOT_MARKERS = (
    "bot",
    "crawler",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "slackbot",
    "whatsapp",
    "embedly",
    "curl",
    "wget",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "httpx",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww",
    "scrapy",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "feedfetcher",
    "mediapartners",
)
# Verification tokens are secrets.token_urlsafe(24): 32 URL-safe characters.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SALT_PURPOSE = "licensing.tracking.daily-salt"


def is_bot(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return not agent.strip() or any(marker in agent for marker in BOT_MARKERS)


def daily_salt(day: date) -> str:
    """Derived from SECRET_KEY and the date: the same visitor hashes differently every day, so
    the rows cannot follow a reader from one day to the next."""
    return salted_hmac(SALT_PURPOSE, day.isoformat(), algorithm="sha256").hexdigest()


def visitor_hash(*, ip: str, user_agent: str, day: date) -> str:
    return hashlib.sha256(f"{daily_salt(day)}|{ip}|{user_agent}".encode()).hexdigest()


def split_referrer(referrer: str) -> tuple[str, str]:
    """Host and path of the referring page, without the query string or fragment (which can
    carry a reader's tokens or address), truncated to the columns' sizes."""
    try:
        parts = urlsplit((referrer or "").strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", ""
    if parts.scheme not in ("http", "https") or not host:
        return "", ""
    return host[:255], (parts.path or "/")[:300]


def _bare(host: str) -> str:
    return host.lower().removeprefix("www.")


def host_in_domains(host: str, domains: list[str]) -> bool:
    host = _bare(host)
    for domain in domains:
        domain = _bare(str(domain).strip().strip("."))
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def _alert_kind(
    *,
    status: str,
    ends_on: date | None,
    today: date,
    host: str,
    domains: list[str],
) -> str | None:
    if status == LicenceStatus.REVOKED:
        return AlertKind.VIEW_AFTER_REVOCATION
    if status == LicenceStatus.EXPIRED or (
        status == LicenceStatus.ACTIVE and ends_on is not None and ends_on < today
    ):
        return AlertKind.VIEW_AFTER_EXPIRY
    own_host = urlsplit(settings.SITE_URL).hostname or ""
    if (
        status == LicenceStatus.ACTIVE
        and host
        and domains
        and _bare(host) != _bare(own_host)
        and not host_in_domains(host, domains)
    ):
        return AlertKind.VIEW_OUTSIDE_DOMAIN
    return None


def licence_view_record(
    *,
    token: str,
    ip: str,
    user_agent: str,
    referrer: str = "",
    now: datetime | None = None,
) -> bool:
    """Record one pixel hit. True when the hit belongs to a licence and is not a bot's (whether
    or not it was this visitor's first today). Unknown tokens and bots cost no query."""
    if is_bot(user_agent) or not TOKEN_RE.match(token or ""):
        return False
    row = (
        Licence.objects.filter(verification_token=token)
        .values_list("pk", "status", "ends_on", "partner__domains", "request__intended_url")
        .first()
    )
    if row is None:
        return False
    licence_id, status, ends_on, domains, intended_url = row
    now = now or timezone.now()
    today = timezone.localdate(now)
    host, path = split_referrer(referrer)
    LicenceView.objects.bulk_create(
        [
            LicenceView(
                licence_id=licence_id,
                day=today,
                visitor_hash=visitor_hash(ip=ip, user_agent=user_agent, day=today),
                referrer_host=host,
                referrer_path=path,
            )
        ],
        ignore_conflicts=True,
    )
    allowed = list(domains or [])
    intended_host = urlsplit(intended_url or "").hostname
    if intended_host:
        allowed.append(intended_host)
    kind = _alert_kind(status=status, ends_on=ends_on, today=today, host=host, domains=allowed)
    if kind:
        compliance_alert_raise(
            licence_id=licence_id, kind=kind, referrer=f"{host}{path}"[:560], now=now
        )
    return True


def compliance_alert_raise(*, licence_id: int, kind: str, referrer: str, now: datetime) -> None:
    """Open an alert, or add this sighting to the one already open for the licence and kind."""
    seen = {"count": F("count") + 1, "last_seen": now}
    if referrer:
        seen["referrer"] = referrer
    open_alerts = ComplianceAlert.objects.filter(licence_id=licence_id, kind=kind, resolved=False)
    if open_alerts.update(**seen):
        return
    try:
        with transaction.atomic():
            ComplianceAlert.objects.create(
                licence_id=licence_id, kind=kind, last_seen=now, referrer=referrer
            )
        log.warning("compliance alert licence=%s kind=%s", licence_id, kind)
    except IntegrityError:
        # Another view opened it a moment ago.
        open_alerts.update(**seen)


@transaction.atomic
def compliance_alert_resolve(
    *, alert: ComplianceAlert, actor_label: str, note: str = ""
) -> ComplianceAlert:
    """Staff have dealt with it (the partner took the page down, a new licence covers it). A
    later sighting opens a new alert."""
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if not alert.resolved:
        alert.resolved = True
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor_label[:200]
        alert.note = note or alert.note
        alert.save(update_fields=["resolved", "resolved_at", "resolved_by", "note"])
    return alert


def views_by_referrer(licence: Licence) -> QuerySet:
    """Daily unique views per referring host and path, newest day first."""
    return (
        LicenceView.objects.filter(licence=licence)
        .values("day", "referrer_host", "referrer_path")
        .annotate(views=Count("pk"))
        .order_by("-day", "-views", "referrer_host")
    )
