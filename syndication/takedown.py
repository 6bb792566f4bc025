"""Withdrawing an article from syndication (a takedown for legal or ethical reasons). What happens
to the licences for it is licensing's business (licensing.aftercare.article_take_down)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from syndication.errors import DomainError
from syndication.models import Article
from syndication.services import User

log = logging.getLogger(__name__)


@transaction.atomic
def article_withdraw(*, article: Article, reason: str, actor: User = None) -> tuple[Article, bool]:
    """Mark the article withdrawn. Returns the article and whether it was withdrawn now (False
    when it already was: the first reason and time stand)."""
    if not reason.strip():
        raise DomainError("Say why the article is taken down.", field="reason")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.withdrawn_at is not None:
        return article, False
    article.withdrawn_at = timezone.now()
    article.withdrawn_reason = reason.strip()
    article.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    log.info("article=%s withdrawn by=%s", article.pk, getattr(actor, "pk", None) or "system")
    return article, True
