"""What billing does when licensing announces something (wired in settings.LICENSING_HOOKS)."""

from __future__ import annotations


def on_awaiting_payment(*, request_id: int) -> None:
    """An approved request waits for its fee: set the Stripe side up in the background."""
    from billing import tasks

    tasks.set_up_payment.enqueue(request_id=request_id)
