"""Background work for licensing. Tasks take ids (or nothing, for sweeps) and call services or
senders; each is safe to run twice, and transient failures are retried (jobs.retry)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs.retry import retrying_task

log = logging.getLogger(__name__)


@retrying_task
def send_request_notice(request_id: int, event_id: int) -> int:
    """Email the partner (and staff where relevant) about one audited event on a request."""
    from licensing import notifications

    return notifications.send_for_event(request_id=request_id, event_id=event_id)


@retrying_task
def lapse_stale_requests() -> int:
    """Periodic: stale quotes and unpaid approvals lapse."""
    from licensing import services

    lapsed = services.licence_requests_lapse_stale()
    log.info("sweep=lapse lapsed=%s", lapsed)
    return lapsed


@retrying_task
def expire_due_licences() -> int:
    """Periodic: active licences past their end date expire."""
    from licensing import services

    expired = services.licences_expire_due()
    log.info("sweep=expire expired=%s", expired)
    return expired


def reminder_key(licence_id: int, days_before: int) -> str:
    return f"licence-expiring:{licence_id}:{days_before}d"


@retrying_task
def send_expiry_reminders() -> int:
    """Periodic: tell each licensee N days before a licence ends (N in
    settings.LICENCE_EXPIRY_REMINDER_DAYS), once per licence per reminder: the email's key is
    unique, so a second sweep or a second scheduler queues nothing."""
    from licensing.links import status_url
    from licensing.models import Licence, LicenceStatus
    from syndication.emails import send_templated_email
    from syndication.models import Publication

    today = timezone.localdate()
    reminders = sorted(set(settings.LICENCE_EXPIRY_REMINDER_DAYS))
    if not reminders:
        return 0
    licences = Licence.objects.filter(
        status=LicenceStatus.ACTIVE,
        ends_on__gte=today,
        ends_on__lte=today + timedelta(days=reminders[-1]),
    ).select_related("request", "partner", "article")
    queued = 0
    for licence in licences:
        assert licence.ends_on is not None  # filtered on it above
        days_left = (licence.ends_on - today).days
        # The most urgent reminder due: a licence found late is not told twice on one day.
        days_before = min(n for n in reminders if n >= days_left)
        context = {
            "request": licence.request,
            "status_url": status_url(licence.request),
            "licence": licence,
            "days_left": days_left,
            "days_before": days_before,
            "publication": Publication.current(),
            "site_url": settings.SITE_URL,
        }
        queued += send_templated_email(
            template="licence_expiring",
            to=[licence.request.contact_email, licence.partner.billing_email],
            context=context,
            key=reminder_key(licence.pk, days_before),
            reply_to=[settings.DEFAULT_FROM_EMAIL],
        )
    log.info("sweep=reminders queued=%s", queued)
    return queued
