"""Background work for aftercare: correction, revocation and issue notices, and the periodic
expiry sweep. Tasks take ids and call licensing.aftercare; each is safe to run twice."""

from __future__ import annotations

import logging

from jobs.retry import retrying_task

log = logging.getLogger(__name__)


@retrying_task
def notify_correction(article_id: int, revision_id: int) -> int:
    """Tell every active licensee of an article about its new revision."""
    from licensing import aftercare

    notices = aftercare.licence_article_corrected(article_id=article_id, revision_id=revision_id)
    return len(notices)


@retrying_task
def notify_revoked(licence_ids: list[int]) -> int:
    """`licence.revoked` webhooks for licences revoked outside a takedown (refunds)."""
    from licensing import aftercare

    return aftercare.licences_revoked_notify(licence_ids=licence_ids)


@retrying_task
def notify_issued(request_id: int) -> int:
    """`licence.issued` webhooks for a fulfilled request."""
    from licensing import aftercare

    return aftercare.licences_issued_notify(request_id=request_id)


@retrying_task
def aftercare_sweep() -> dict[str, int]:
    """Periodic: expire due licences with notice, and send `licence.expiring` webhooks."""
    from licensing import aftercare

    expired = aftercare.licences_expire_and_notify()
    expiring = aftercare.licences_expiring_notify()
    log.info("sweep=aftercare expired_told=%s expiring_told=%s", expired, expiring)
    return {"expired": expired, "expiring": expiring}
