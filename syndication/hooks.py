"""How the catalogue starts work in the layers above it without importing them: the composition
root (settings.SYNDICATION_HOOKS) names, per event, the callables to run after the commit."""

from __future__ import annotations

import logging
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Events the catalogue announces, with the keyword arguments each receives.
ARTICLE_REVISED = "article_revised"  # article_id, revision_id


@cache
def _callables(path: str) -> Any:
    return import_string(path)


def fire_on_commit(event: str, **ids: Any) -> None:
    """Call every hook registered for `event` once the current transaction commits. Hooks should
    only enqueue tasks: they take ids, and a hook that fails is logged, never the caller's
    failure (the catalogue change has committed by then)."""
    for path in getattr(settings, "SYNDICATION_HOOKS", {}).get(event, ()):
        transaction.on_commit(partial(_call, path, ids), robust=True)


def _call(path: str, ids: dict[str, Any]) -> None:
    _callables(path)(**ids)
