"""How licensing starts work in the layers above it without importing them: the composition root
(config/settings) names, per event, the callables to run after the commit, and the one provider
that describes how a request is being paid. Licensing only knows the names of its own events."""

from __future__ import annotations

import logging
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Events licensing announces, with the keyword arguments each receives.
AWAITING_PAYMENT = "awaiting_payment"  # request_id
FULFILLED = "fulfilled"  # request_id
LICENCES_REVOKED = "licences_revoked"  # request_id, licence_ids


@cache
def _callables(path: str) -> Any:
    return import_string(path)


def fire_on_commit(event: str, **ids: Any) -> None:
    """Call every hook registered for `event` once the current transaction commits. Hooks should
    only enqueue tasks: they take ids and must not fail the caller's work."""
    for path in getattr(settings, "LICENSING_HOOKS", {}).get(event, ()):
        transaction.on_commit(partial(_callables(path), **ids))


def payment_info(request: Any) -> dict[str, Any] | None:
    """How this request is paid (method, status, pay link...) from the billing layer, if any."""
    path = getattr(settings, "LICENSING_PAYMENT_INFO", "")
    if not path:
        return None
    return _callables(path)(request)


def payment_infos(requests: list[Any]) -> dict[int, dict[str, Any] | None]:
    """payment_info for a page of requests, by request id, read by the billing layer at once."""
    path = getattr(settings, "LICENSING_PAYMENT_INFOS", "")
    if not path:
        return {r.pk: payment_info(r) for r in requests}
    return _callables(path)(requests)


def payments_for_partner(partner: Any) -> list[dict[str, Any]]:
    """The partner's payments (receipts and invoices) as plain dicts, from the billing layer."""
    path = getattr(settings, "LICENSING_PAYMENTS_LIST", "")
    if not path:
        return []
    return list(_callables(path)(partner))


def payments_between(start: Any, end: Any) -> Any:
    """Every payment created between two dates (inclusive), as plain dicts, for staff exports."""
    path = getattr(settings, "LICENSING_PAYMENTS_EXPORT", "")
    if not path:
        return iter(())
    return _callables(path)(start, end)
