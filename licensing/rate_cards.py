"""Writes to rate cards beyond plain editing: copying a card to a new, unpublished version, which
is how staff change prices once a card has priced a request."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from licensing.models import RateCard

log = logging.getLogger(__name__)

# The rows that belong to a card, by related name; each is copied whole.
CARD_ROWS = ("base_fees", "factors", "reach_tiers", "territories", "terms", "bundle_discounts",
             "free_uses")  # fmt: skip
NOT_COPIED = {"id", "version", "published", "effective_from", "created_at", "notes"}


def _copy_values(obj: Model, *, skip: set[str]) -> dict[str, Any]:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in skip and field.attname not in skip
    }


@transaction.atomic
def rate_card_copy(*, card: RateCard, actor: Any) -> RateCard:
    """Duplicate the card and all its rows as the next version: unpublished, effective from
    tomorrow, so nothing is priced by it until staff have edited and published it."""
    source = RateCard.objects.get(pk=card.pk)
    # The unique version constraint turns a concurrent copy into an error, never a duplicate.
    version = (RateCard.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    today = timezone.localdate()
    who = actor.get_username() if hasattr(actor, "get_username") else "system"
    note = f"Copied from version {source.version} by {who} on {today:%d %B %Y}."
    copy = RateCard.objects.create(
        **_copy_values(source, skip=NOT_COPIED),
        version=version,
        published=False,
        effective_from=today + timedelta(days=1),
        notes=f"{note}\n\n{source.notes}".strip() if source.notes else note,
    )
    for related in CARD_ROWS:
        manager = getattr(source, related)
        rows = [
            manager.model(**_copy_values(row, skip={"id", "card"}), card=copy)
            for row in manager.all()
        ]
        manager.model.objects.bulk_create(rows)
    log.info("rate card v%s copied to v%s by %s", source.version, copy.version, who)
    return copy
