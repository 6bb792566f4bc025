"""Rendering HTML + text email from templates `emails/<name>.{subject.txt,txt,html}` and queueing
it: every message is recorded (recipients, template, status) and sent by a task after commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from jobs.models import EmailLog
from jobs.tasks import deliver_email

log = logging.getLogger(__name__)


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def send_templated_email(
    *,
    template: str,
    to: Sequence[str],
    context: dict[str, Any],
    reply_to: Sequence[str] = (),
    key: str | None = None,
) -> int:
    """Render now (the data as it is at this moment), record, and send after commit.

    `key` makes the message once-only: a second call with the same key queues nothing and
    returns 0. Returns how many messages were queued (0 or 1)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    subject, text, html = render_email(template, context)
    try:
        with transaction.atomic():
            email = EmailLog.objects.create(
                key=key,
                template=template,
                to=recipients,
                reply_to=list(reply_to),
                subject=subject[:300],
                text=text,
                html=html,
            )
    except IntegrityError:
        log.info("email key=%s template=%s already queued; not again", key, template)
        return 0
    transaction.on_commit(lambda: deliver_email.enqueue(email_id=email.pk))
    log.info("email=%s queued template=%s to=%s", email.pk, template, ",".join(recipients))
    return 1
