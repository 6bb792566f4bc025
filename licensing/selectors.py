"""Reads shared by views, the API, the admin and services: the rate card in force as plain data,
the facts the quote engine needs, and partner-scoped querysets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from licensing.models import Licence, LicenceRequest, RateCard, RequestArticle, RequestStatus
from licensing.quoting import (
    ArticleFacts,
    BundleDiscount,
    FreeUse,
    PartnerFacts,
    RateCardData,
    ReachTier,
    TermOption,
    TerritoryOption,
)
from syndication.errors import DomainError
from syndication.models import Article, Media, Partner, SyndicationStatus

CARD_PREFETCH = ("base_fees", "factors", "reach_tiers", "territories", "terms", "bundle_discounts",
                 "free_uses")  # fmt: skip


def rate_card_in_force(*, on: date | None = None) -> RateCard:
    on = on or timezone.localdate()
    card = (
        RateCard.objects.filter(published=True, effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .prefetch_related(*CARD_PREFETCH)
        .first()
    )
    if card is None:
        raise DomainError("No rate card is in force; staff must publish one.", code="no_rate_card")
    return card


def rate_card_data(card: RateCard) -> RateCardData:
    """The card as the engine's plain data (expects CARD_PREFETCH to have been applied)."""
    factors = list(card.factors.all())
    return RateCardData(
        id=card.pk,
        version=card.version,
        name=card.name,
        currency=card.currency,
        base_fees={(f.use_type, f.portion): f.amount for f in card.base_fees.all()},
        excerpt_max_words=card.excerpt_max_words,
        requester_factors={f.key: f.factor for f in factors if f.dimension == "requester"},
        medium_factors={f.key: f.factor for f in factors if f.dimension == "medium"},
        reach_tiers=tuple(
            ReachTier(min_reach=t.min_reach, factor=t.factor)
            for t in sorted(card.reach_tiers.all(), key=lambda t: t.min_reach)
        ),
        territories=tuple(
            TerritoryOption(
                code=t.code, label=t.label, countries=tuple(t.countries), factor=t.factor
            )
            for t in card.territories.all()
        ),
        terms=tuple(
            TermOption(code=t.code, label=t.label, days=t.days, factor=t.factor)
            for t in card.terms.all()
        ),
        exclusivity_factor=card.exclusivity_factor,
        translation_factor=card.translation_factor,
        image_fee=card.image_fee,
        premium_surcharge_percent=card.premium_surcharge_percent,
        bundle_discounts=tuple(
            BundleDiscount(min_articles=b.min_articles, percent=b.percent)
            for b in card.bundle_discounts.all()
        ),
        minimum_fee=card.minimum_fee,
        rounding_increment=card.rounding_increment,
        free_uses=tuple(
            FreeUse(
                label=f.label, use_type=f.use_type or None, requester_type=f.requester_type or None
            )
            for f in card.free_uses.all()
        ),
        auto_approve_free=card.auto_approve_free,
        auto_approve_verified_max=card.auto_approve_verified_max,
        blocked_countries=tuple(code.upper() for code in card.blocked_countries),
        validity_days=card.validity_days,
    )


def licensable_articles() -> QuerySet[Article]:
    """The catalogue partners may browse: published, not withdrawn, with images counted."""
    return Article.objects.filter(withdrawn_at__isnull=True).exclude(
        syndication_status=SyndicationStatus.NOT_FOR_SYNDICATION
    )


def articles_for_quote(article_ids: Sequence[int]) -> list[Article]:
    """Articles in the order asked for, with media prefetched (one query each, not per article)."""
    found = Article.objects.filter(pk__in=article_ids, withdrawn_at__isnull=True).prefetch_related(
        Prefetch("media", queryset=Media.objects.order_by("position", "pk"))
    )
    by_id = {a.pk: a for a in found}
    missing = [i for i in article_ids if i not in by_id]
    if missing:
        raise DomainError(
            f"Unknown article id(s): {', '.join(map(str, missing))}.", field="articles"
        )
    return [by_id[i] for i in article_ids]


def article_facts(article: Article) -> ArticleFacts:
    media = list(article.media.all())
    return ArticleFacts(
        id=article.pk,
        slug=article.slug,
        headline=article.headline,
        word_count=article.word_count,
        premium=article.premium,
        syndication_status=article.syndication_status,
        embargo_until=article.embargo_until,
        distributable_images=sum(1 for m in media if m.distributable),
        excluded_images=tuple(m.exclusion_label for m in media if not m.distributable),
    )


# A request holds its contract-covered articles against the month it was quoted in, from the
# moment it is filed, until it is refused, cancelled, lapsed or refunded. Counting requests still
# waiting for staff is what stops two of them from both being priced at zero for the last
# article of an allowance.
ALLOWANCE_HOLDING_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.APPROVED,
    RequestStatus.AWAITING_PAYMENT,
    RequestStatus.PAID,
    RequestStatus.FULFILLED,
)


def contract_articles_used(partner: Partner, *, today: date) -> int:
    """Articles of this month's allowance already taken: the contract lines in the quotes of the
    partner's live requests filed this month. Each covered article is one "contract" line, and a
    licence is issued from exactly those lines, so issued licences are not counted again."""
    quotes = LicenceRequest.objects.filter(
        partner=partner,
        status__in=ALLOWANCE_HOLDING_STATUSES,
        created_at__year=today.year,
        created_at__month=today.month,
    ).values_list("quote", flat=True)
    return sum(
        1 for quote in quotes for line in quote.get("lines", []) if line.get("code") == "contract"
    )


def partner_facts(partner: Partner, *, today: date | None = None) -> PartnerFacts:
    remaining = None
    if partner.contract_monthly_allowance is not None:
        today = today or timezone.localdate()
        used = contract_articles_used(partner, today=today)
        remaining = max(partner.contract_monthly_allowance - used, 0)
    return PartnerFacts(
        partner_type=partner.partner_type,
        verified=partner.verified,
        country=partner.country,
        contract_articles_remaining=remaining,
    )


# ---------------------------------------------------------------------------------------------
# Requests and licences, scoped
# ---------------------------------------------------------------------------------------------


def requests_for_partner(partner: Partner) -> QuerySet[LicenceRequest]:
    return (
        LicenceRequest.objects.filter(partner=partner)
        .select_related("partner", "rate_card")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=RequestArticle.objects.select_related("article", "revision").order_by(
                    "position"
                ),
            ),
            Prefetch("licences", queryset=Licence.objects.only("pk", "number", "request_id")),
        )
    )


def licences_for_partner(partner: Partner) -> QuerySet[Licence]:
    return Licence.objects.filter(partner=partner).select_related("article", "revision", "partner")


def review_queue() -> QuerySet[LicenceRequest]:
    """What waits for staff, oldest first."""
    return (
        LicenceRequest.objects.filter(status__in=["submitted", "in_review"])
        .select_related("partner")
        .annotate(article_count=Count("items"))
        .order_by("created_at")
    )
