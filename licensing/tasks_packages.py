"""Background work for packages: render a licence's packages (one task per licence), then send
the request's "your licences are ready" email once all of them are stored. Safe to run twice."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from jobs.retry import retrying_task

log = logging.getLogger(__name__)


@retrying_task
def render_packages(licence_id: int, revision_id: int | None = None) -> int:
    """Render and store the licence's missing packages (for `revision_id`, or the licence's own
    revision), then deliver the request's links if this was the last licence to finish."""
    from licensing import packages
    from licensing.models import Licence

    created = packages.packages_render(licence_id=licence_id, revision_id=revision_id)
    request_id = Licence.objects.filter(pk=licence_id).values_list("request_id", flat=True)[0]
    packages.packages_deliver(request_id=request_id)
    return len(created)


@retrying_task
def rerender_packages(licence_id: int, revision_id: int | None = None) -> int:
    """Render the licence's packages for a newer revision (`revision_id`, or its article's
    latest), keeping the old ones, and send the corrected files' links."""
    from licensing import packages

    return len(packages.packages_rerender_for_licences([licence_id], revision_id=revision_id))


def on_fulfilled(*, request_id: int) -> None:
    """Licences were issued (settings.LICENSING_HOOKS["fulfilled"], run after the commit): one
    render task per licence, so a slow PDF for one article does not hold up the others' retries."""
    from licensing.models import Licence, LicenceStatus

    licence_ids = Licence.objects.filter(
        request_id=request_id, status=LicenceStatus.ACTIVE
    ).values_list("pk", flat=True)
    for licence_id in licence_ids.order_by("pk"):
        render_packages.enqueue(licence_id=licence_id)


def enqueue_rerender(*, licence_ids: Iterable[int], revision_id: int | None = None) -> None:
    """After a correction, or from the admin: render the new revision's packages (`revision_id`,
    or each article's latest) in the background, once the caller's transaction commits."""
    ids = sorted(set(licence_ids))

    def enqueue() -> None:
        for licence_id in ids:
            rerender_packages.enqueue(licence_id=licence_id, revision_id=revision_id)

    transaction.on_commit(enqueue)
