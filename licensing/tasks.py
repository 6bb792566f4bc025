"""Background work for licensing. Tasks take ids and call services or senders; safe to run twice."""

from __future__ import annotations

from django.tasks import task

from licensing import notifications


@task()
def send_request_notice(request_id: int, event_id: int) -> None:
    """Email the partner (and staff where relevant) about one audited event on a request."""
    notifications.send_for_event(request_id=request_id, event_id=event_id)
