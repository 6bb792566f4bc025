"""Background work for the catalogue: delivering partner webhooks. Tasks take ids, call a
service, and are safe to run twice; transient failures are retried with backoff (jobs.retry)."""

from __future__ import annotations

from jobs.retry import retrying_task


@retrying_task
def deliver_webhook(delivery_id: int) -> str:
    """POST one signed webhook delivery to its partner's endpoint."""
    from syndication.webhooks import webhook_delivery_send

    return webhook_delivery_send(delivery_id)
