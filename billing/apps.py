"""Billing's app config: teaches the task layer Stripe's transient errors and registers the
daily reconciliation."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from jobs import retry, schedule

        retry.register_transient(_is_stripe_transient)
        schedule.register(
            schedule.Schedule(
                name="stripe-reconcile",
                task="billing.tasks.reconcile_recent",
                every_seconds=24 * 60 * 60,
            )
        )


def _is_stripe_transient(exc: BaseException) -> bool:
    from billing.stripe_gateway import StripeTransientError

    return isinstance(exc, StripeTransientError)
