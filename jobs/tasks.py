"""The task layer's own tasks: delivering a recorded email. Each takes ids and is safe to run
twice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from jobs.models import EmailLog, EmailStatus
from jobs.retry import is_transient, reason, retrying_task

log = logging.getLogger("jobs")


@retrying_task
def deliver_email(email_id: int) -> str:
    """Send one recorded email. A message already sent is not sent again."""
    email = EmailLog.objects.get(pk=email_id)
    if email.status == EmailStatus.SENT:
        return "already sent"
    EmailLog.objects.filter(pk=email_id).update(attempts=F("attempts") + 1)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
        headers={"X-Template": email.template},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    try:
        message.send()
    except Exception as exc:
        # A transient failure stays queued (the retry may send it); any other is final.
        status = EmailStatus.QUEUED if is_transient(exc) else EmailStatus.FAILED
        EmailLog.objects.filter(pk=email_id).update(status=status, error=reason(exc))
        raise
    with transaction.atomic():
        EmailLog.objects.filter(pk=email_id).update(
            status=EmailStatus.SENT, sent_at=timezone.now(), error=""
        )
    log.info("email=%s template=%s sent to=%s", email_id, email.template, ",".join(email.to))
    return "sent"


@task()
def ping() -> None:
    """A task that does nothing: health checks and the throughput benchmark (bench/)."""


@retrying_task
def ping_tracked() -> None:
    """The same, through the retry helper and its JobRun, to measure what tracking costs."""
