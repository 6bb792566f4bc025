"""Importing the newsroom's ninjs into the catalogue: upsert keyed on the ninjs uri, media
replacement that keeps staff rights decisions, and the staff decision itself.

Articles are written only through syndication.services.article_create / article_update, so the
body is sanitised and a changed headline, standfirst or body makes a new ArticleRevision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from syndication.errors import DomainError
from syndication.models import Article, Media, Publication
from syndication.ninjs import ArticleInput, MediaInput, NinjsInvalid, parse_ninjs
from syndication.sanitize import clean_html
from syndication.services import User, article_create, article_update

ImportStatus = Literal["created", "updated", "unchanged", "rejected"]


@dataclass(frozen=True)
class ImportResult:
    status: ImportStatus
    article: Article | None = None
    # (field path, message) pairs; empty unless rejected.
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> dict[str, list[str]]:
        """The reasons grouped by field, as the API reports them."""
        grouped: dict[str, list[str]] = {}
        for path, message in self.reasons:
            grouped.setdefault(path, []).append(message)
        return grouped


def own_rights_holders(publication: Publication) -> list[str]:
    return [name for name in (publication.copyright_holder, publication.name) if name]


def article_import_ninjs(*, document: Any, actor: User = None) -> ImportResult:
    """Create or update the article a ninjs document describes.

    One transaction per document: a document that fails validation, or whose write fails, saves
    nothing. Re-importing the same document is "unchanged" and makes no revision."""
    publication = Publication.current()
    try:
        data = parse_ninjs(document, own_rights_holders=own_rights_holders(publication))
    except NinjsInvalid as exc:
        return ImportResult(status="rejected", reasons=exc.errors)
    try:
        with transaction.atomic():
            return _upsert(data=data, publication=publication, actor=actor)
    except DomainError as exc:
        return ImportResult(status="rejected", reasons=[(exc.field or "document", exc.message)])


def _upsert(*, data: ArticleInput, publication: Publication, actor: User) -> ImportResult:
    article = Article.objects.select_for_update().filter(uri=data.uri).first()
    if article is None:
        try:
            # A savepoint, so that losing a race on the unique uri leaves the transaction usable.
            with transaction.atomic():
                article = article_create(
                    actor=actor,
                    publication=publication,
                    **data.article_fields(),
                    **_slug_hint(data),
                )
        except IntegrityError:
            article = Article.objects.select_for_update().filter(uri=data.uri).first()
            if article is None:
                raise
        else:
            article_media_replace(article=article, media=data.media)
            return ImportResult(status="created", article=article)

    changes = _changed_fields(article, data)
    media_changed = _media_rows(article) != _planned_media_rows(article, data.media)
    if not changes and not media_changed:
        return ImportResult(status="unchanged", article=article)
    if changes:
        article, _revision = article_update(
            article=article, actor=actor, correction_note=data.correction_note, **changes
        )
        if data.updated_at is not None and article.updated_at != data.updated_at:
            # article_update stamps "now" on a published change; the newsroom's versionCreated
            # is the truth, and keeping it is what lets an identical re-import be "unchanged".
            article, _ = article_update(article=article, actor=actor, updated_at=data.updated_at)
    if media_changed:
        article_media_replace(article=article, media=data.media)
    return ImportResult(status="updated", article=article)


def _slug_hint(data: ArticleInput) -> dict[str, str]:
    """A headline in Arabic (or any non-Latin script) slugifies to nothing, and the service
    would fall back to "article-N"; the last segment of the canonical URL is the newsroom's own
    slug for the page, so use it when it is free."""
    if slugify(data.headline):
        return {}
    segment = urlsplit(data.canonical_url).path.rstrip("/").rsplit("/", 1)[-1]
    candidate = slugify(segment)[:180]
    if not candidate or Article.objects.filter(slug=candidate).exists():
        return {}
    return {"slug": candidate}


def _changed_fields(article: Article, data: ArticleInput) -> dict[str, Any]:
    wanted = data.article_fields()
    wanted.pop("uri")
    changes = {}
    for name, value in wanted.items():
        current = getattr(article, name)
        # The stored body is sanitised; compare like with like.
        comparable = clean_html(value) if name == "body_html" else value
        if comparable != current:
            changes[name] = value
    return changes


# ---------------------------------------------------------------------------------------------
# Media rights
# ---------------------------------------------------------------------------------------------

_MEDIA_COLUMNS = (
    "source_url",
    "caption",
    "credit",
    "rights_holder",
    "distributable",
    "distributable_set_by_staff",
)


def _media_rows(article: Article) -> list[tuple[Any, ...]]:
    return list(article.media.order_by("position", "pk").values_list(*_MEDIA_COLUMNS))


def _staff_decisions(article: Article) -> dict[str, bool]:
    return dict(
        article.media.filter(distributable_set_by_staff=True)
        .exclude(source_url="")
        .values_list("source_url", "distributable")
    )


def _planned_media_rows(article: Article, media: list[MediaInput]) -> list[tuple[Any, ...]]:
    decisions = _staff_decisions(article)
    rows = []
    for item in media:
        by_staff = item.source_url in decisions
        distributable = decisions[item.source_url] if by_staff else item.distributable
        rows.append(
            (
                item.source_url,
                item.caption,
                item.credit,
                item.rights_holder,
                distributable,
                by_staff,
            )
        )
    return rows


@transaction.atomic
def article_media_replace(*, article: Article, media: list[MediaInput]) -> list[Media]:
    """Replace the article's media with the newsroom's list, in order.

    A staff decision on whether a picture may be passed on outlives re-imports: it is kept for
    the picture with the same source URL."""
    rows = _planned_media_rows(article, media)
    article.media.all().delete()
    return Media.objects.bulk_create(
        Media(article=article, position=position, **dict(zip(_MEDIA_COLUMNS, row, strict=True)))
        for position, row in enumerate(rows)
    )


@transaction.atomic
def media_set_distributable(*, media: Media, distributable: bool, actor: User = None) -> Media:
    """Staff decide whether a picture may be passed on (e.g. an agency picture the publication
    holds syndication rights for). The decision is marked so imports keep it."""
    locked = Media.objects.select_for_update().get(pk=media.pk)
    locked.distributable = distributable
    locked.distributable_set_by_staff = True
    locked.save(update_fields=["distributable", "distributable_set_by_staff"])
    return locked
