"""Every write to the catalogue and the partner records: one function per business operation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from syndication.errors import DomainError
from syndication.models import (
    ApiKey,
    Article,
    ArticleRevision,
    Partner,
    PartnerType,
    Publication,
)
from syndication.sanitize import clean_html, count_words

# Whoever acts: a staff user, or None for the system. Only real, saved users are recorded.
User = Any

# ---------------------------------------------------------------------------------------------
# Articles and revisions
# ---------------------------------------------------------------------------------------------

REVISED_FIELDS = ("headline", "standfirst", "body_html")


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    root = slugify(base, allow_unicode=False)[:180] or "article"
    slug, n = root, 2
    taken = Article.objects.filter(slug=slug)
    while (taken.exclude(pk=exclude_pk) if exclude_pk else taken).exists():
        slug, n = f"{root}-{n}", n + 1
        taken = Article.objects.filter(slug=slug)
    return slug


def _record_revision(*, article: Article, note: str, actor: User) -> ArticleRevision:
    from syndication import hooks

    article.current_revision += 1
    article.save(update_fields=["current_revision"])
    revision = ArticleRevision.objects.create(
        article=article,
        number=article.current_revision,
        headline=article.headline,
        standfirst=article.standfirst,
        body_html=article.body_html,
        word_count=article.word_count,
        correction_note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # Licensing (corrections to licensees) listens through settings.SYNDICATION_HOOKS.
    hooks.fire_on_commit(hooks.ARTICLE_REVISED, article_id=article.pk, revision_id=revision.pk)
    return revision


@transaction.atomic
def article_create(*, actor: User = None, **fields: Any) -> Article:
    """Create an article and its first revision. Body HTML is sanitised here."""
    fields.setdefault("publication", Publication.current())
    fields["body_html"] = clean_html(fields.get("body_html", ""))
    fields["word_count"] = count_words(fields["body_html"])
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(fields.get("headline", ""))
    fields.setdefault("uri", fields.get("canonical_url") or f"urn:article:{fields['slug']}")
    fields.setdefault("published_at", timezone.now())
    article = Article.objects.create(**fields)
    _record_revision(article=article, note="", actor=actor)
    return article


@transaction.atomic
def article_update(
    *, article: Article, actor: User = None, correction_note: str = "", **fields: Any
) -> tuple[Article, ArticleRevision | None]:
    """Change an article; a change to its headline, standfirst or body makes a new revision.

    Returns the article and the new revision (None when nothing published changed)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if "body_html" in fields:
        fields["body_html"] = clean_html(fields["body_html"])
        fields["word_count"] = count_words(fields["body_html"])
    changed_published = any(
        name in fields and fields[name] != getattr(article, name) for name in REVISED_FIELDS
    )
    for name, value in fields.items():
        setattr(article, name, value)
    if changed_published and "updated_at" not in fields:
        article.updated_at = timezone.now()
    article.save()
    revision = None
    if changed_published:
        revision = _record_revision(article=article, note=correction_note, actor=actor)
    return article, revision


# ---------------------------------------------------------------------------------------------
# Partners and API keys
# ---------------------------------------------------------------------------------------------

API_KEY_PREFIX = "rpk"


def api_key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


@transaction.atomic
def api_key_create(*, partner: Partner, name: str, actor: User = None) -> IssuedKey:
    """A new key: `rpk_<prefix>_<secret>`. Only its digest is kept; the caller shows it once."""
    if not name.strip():
        raise DomainError("Give the key a name.", field="name")
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        partner=partner,
        name=name.strip(),
        prefix=f"{API_KEY_PREFIX}_{prefix}",
        digest=api_key_digest(raw_key),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return IssuedKey(api_key=key, raw_key=raw_key)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User = None) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def partner_find_or_create_for_contact(
    *,
    email: str,
    name: str,
    outlet: str,
    partner_type: str,
    country: str,
    website: str = "",
    reach: int = 0,
) -> tuple[Partner, bool]:
    """The partner a public-form requester speaks for, and whether it was created now.

    An existing contact or billing email matches; otherwise a new, unverified partner that staff
    will check. Nobody proved they own the address, so callers must not let a matched partner's
    standing (verified, contract) decide anything on its own."""
    from syndication.models import PartnerContact

    email = email.strip().lower()
    contact = PartnerContact.objects.select_related("partner").filter(email__iexact=email).first()
    if contact is not None:
        return contact.partner, False
    partner = Partner.objects.filter(billing_email__iexact=email).first()
    if partner is not None:
        return partner, False
    if partner_type not in PartnerType.values:
        raise DomainError("Choose a known requester type.", field="requester_type")
    partner = Partner.objects.create(
        name=outlet.strip() or name.strip(),
        partner_type=partner_type,
        country=country.upper(),
        website=website,
        domains=[_domain(website)] if website else [],
        monthly_uniques=reach,
        billing_email=email,
        verified=False,
    )
    PartnerContact.objects.create(partner=partner, name=name.strip(), email=email)
    return partner, True


def _domain(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").removeprefix("www.")
