"""Rendering and sending HTML + text email from templates `emails/<name>.{subject.txt,txt,html}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{template}.subject.txt", context)
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def send_templated_email(
    *, template: str, to: Sequence[str], context: dict[str, Any], reply_to: Sequence[str] = ()
) -> int:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    subject, text, html = render_email(template, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=list(reply_to) or None,
        headers={"X-Template": template},
    )
    message.attach_alternative(html, "text/html")
    sent = message.send()
    log.info("email sent template=%s to=%s", template, ",".join(recipients))
    return sent
