"""The rights: rate cards (versioned pricing rules as data), licence requests and their state
machine with its audit trail, and the licences issued for them."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from syndication.models import Article, ArticleRevision, Partner, PartnerType


class UseType(models.TextChoices):
    WEB = "web", _("Website")
    PRINT = "print", _("Print")
    NEWSLETTER = "newsletter", _("Newsletter")
    BROADCAST = "broadcast", _("Broadcast script")
    TRANSLATION = "translation", _("Translation")
    EDUCATION = "education", _("Educational / course pack")
    INTRANET = "intranet", _("Intranet")
    BOOK = "book", _("Book / anthology")


class Portion(models.TextChoices):
    FULL = "full", _("Full article")
    EXCERPT = "excerpt", _("Excerpt")
    SUMMARY = "summary", _("Headline and summary")


# ---------------------------------------------------------------------------------------------
# Rate cards
# ---------------------------------------------------------------------------------------------


def factor_field(**kwargs: Any) -> models.DecimalField:
    """A multiplier such as ×1.25: four decimals, never negative."""
    return models.DecimalField(
        max_digits=8, decimal_places=4, validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


def money_field(**kwargs: Any) -> models.DecimalField:
    """An amount in the currency of its row (rate card or request), in major units."""
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class RateCard(models.Model):
    """One version of the pricing rules. A card that has priced a request is frozen: staff copy
    it to a new version to change prices, so every past quote can be reproduced."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True)
    currency = models.CharField(max_length=3, default="GBP")
    effective_from = models.DateField(db_index=True)
    published = models.BooleanField(
        default=False, help_text=_("Only published cards price requests.")
    )
    excerpt_max_words = models.PositiveIntegerField(default=300)
    exclusivity_factor = factor_field(default=Decimal("2"))
    translation_factor = factor_field(default=Decimal("1.25"))
    image_fee = money_field(default=Decimal("0"))
    premium_surcharge_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    minimum_fee = money_field(default=Decimal("0"))
    rounding_increment = money_field(
        default=Decimal("0"),
        help_text=_("Round each article's fee to this step, e.g. 0.50 or 5. Zero: to the penny."),
    )
    auto_approve_free = models.BooleanField(default=True)
    auto_approve_verified_max = money_field(
        null=True,
        blank=True,
        help_text=_("Verified partners are approved automatically up to this total."),
    )
    blocked_countries = models.JSONField(
        default=list, blank=True, help_text=_('ISO codes never licensed, e.g. ["KP"].')
    )
    validity_days = models.PositiveIntegerField(default=30)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.currency}, from {self.effective_from})"


class BaseFee(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="base_fees")
    use_type = models.CharField(max_length=16, choices=UseType.choices)
    portion = models.CharField(max_length=8, choices=Portion.choices)
    amount = money_field(validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "use_type", "portion"], name="uniq_base_fee")
        ]

    def __str__(self) -> str:
        return f"{self.use_type}/{self.portion}: {self.amount}"


class FactorDimension(models.TextChoices):
    REQUESTER = "requester", _("Requester type")
    MEDIUM = "medium", _("Medium (use type)")


class Factor(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="factors")
    dimension = models.CharField(max_length=12, choices=FactorDimension.choices)
    key = models.CharField(max_length=16, help_text=_("A requester type or a use type."))
    factor = factor_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "dimension", "key"], name="uniq_factor")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} ×{self.factor}"


class ReachTier(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="reach_tiers")
    min_reach = models.PositiveBigIntegerField()
    factor = factor_field()

    class Meta:
        ordering = ["min_reach"]
        constraints = [
            models.UniqueConstraint(fields=["card", "min_reach"], name="uniq_reach_tier")
        ]

    def __str__(self) -> str:
        return f"reach {self.min_reach}+ ×{self.factor}"


class Territory(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="territories")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=100)
    countries = models.JSONField(
        default=list, blank=True, help_text=_("ISO codes; empty means worldwide.")
    )
    factor = factor_field()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "territories"
        constraints = [models.UniqueConstraint(fields=["card", "code"], name="uniq_territory")]

    def __str__(self) -> str:
        return self.label


class Term(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="terms")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=100)
    days = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: perpetual."))
    factor = factor_field()

    class Meta:
        ordering = [models.F("days").asc(nulls_last=True)]
        constraints = [models.UniqueConstraint(fields=["card", "code"], name="uniq_term")]

    def __str__(self) -> str:
        return self.label


class BundleDiscount(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="bundle_discounts")
    min_articles = models.PositiveIntegerField(validators=[MinValueValidator(2)])
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["min_articles"]
        constraints = [
            models.UniqueConstraint(fields=["card", "min_articles"], name="uniq_bundle_discount")
        ]

    def __str__(self) -> str:
        return f"{self.min_articles}+ articles: -{self.percent}%"


class FreeUse(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="free_uses")
    label = models.CharField(max_length=200)
    use_type = models.CharField(max_length=16, choices=UseType.choices, blank=True)
    requester_type = models.CharField(max_length=16, choices=PartnerType.choices, blank=True)

    def __str__(self) -> str:
        return self.label


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FULFILLED = "fulfilled", _("Fulfilled")
    LAPSED = "lapsed", _("Lapsed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


S = RequestStatus
# The one transition table. The design brief's machine, plus: a partner may cancel a request
# staff have not picked up yet, and a quote nobody acted on lapses (see docs/decisions.md).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.APPROVED, S.REFUSED, S.CANCELLED, S.LAPSED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.REFUSED, S.CANCELLED, S.LAPSED}),
    S.APPROVED: frozenset({S.AWAITING_PAYMENT, S.FULFILLED}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.LAPSED, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED}),
    S.FULFILLED: frozenset({S.REFUNDED}),
    S.REFUSED: frozenset(),
    S.LAPSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
OPEN_STATUSES = (S.SUBMITTED, S.IN_REVIEW)
TERMINAL_STATUSES = tuple(s for s, targets in TRANSITIONS.items() if not targets)


class Channel(models.TextChoices):
    WEB = "web", _("Republish page")
    API = "api", _("API")
    STAFF = "staff", _("Staff")


class LicenceRequest(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="requests")
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    articles = models.ManyToManyField(Article, through="RequestArticle", related_name="requests")

    # The use being licensed.
    use_type = models.CharField(max_length=16, choices=UseType.choices)
    portion = models.CharField(max_length=8, choices=Portion.choices, default=Portion.FULL)
    excerpt_words = models.PositiveIntegerField(null=True, blank=True)
    territory = models.CharField(max_length=32)
    term = models.CharField(max_length=32)
    exclusive = models.BooleanField(default=False)
    translation = models.BooleanField(default=False)
    translation_language = models.CharField(max_length=16, blank=True)
    include_images = models.BooleanField(default=True)
    reach = models.PositiveBigIntegerField(default=0)
    intended_url = models.URLField(max_length=500, blank=True)
    outlet = models.CharField(max_length=200, blank=True, help_text=_("Where it will appear."))
    message = models.TextField(blank=True)

    # The price, frozen: the card it came from and licensing.quoting.Quote.to_dict().
    rate_card = models.ForeignKey(RateCard, on_delete=models.PROTECT, related_name="requests")
    quote = models.JSONField()
    total = money_field()
    currency = models.CharField(max_length=3)
    valid_until = models.DateField()
    terms_accepted_at = models.DateTimeField()

    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    status_changed_at = models.DateTimeField(auto_now_add=True)
    decision_note = models.TextField(blank=True)
    # Staff asked the partner a question; cleared when the partner answers or staff decide.
    info_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["partner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} ({self.get_status_display()})"

    @property
    def is_free(self) -> bool:
        return bool(self.quote.get("free")) or self.total == 0

    def validity_over(self, today: date | None = None) -> bool:
        """Whether the quote's (or the approval's) last valid day, `valid_until`, is behind us
        in the site's time zone: the one rule the lapse sweep and the payment pages follow."""
        return self.valid_until < (today or timezone.localdate())


class RequestArticle(models.Model):
    request = models.ForeignKey(LicenceRequest, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, on_delete=models.PROTECT)
    # The version the partner saw when asking; the licence names the revision at issue time.
    revision = models.ForeignKey(ArticleRevision, on_delete=models.PROTECT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "article"], name="uniq_request_article")
        ]

    def __str__(self) -> str:
        return f"#{self.request_id}: {self.article_id} r{self.revision_id}"


class RequestEvent(models.Model):
    """The audit trail: one row per change to a request, written by the service that made it."""

    request = models.ForeignKey(LicenceRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Who acted when it was not a staff login: "partner:<name>", "api:<key prefix>", "system".
    actor_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the emails for this event have gone out, so a re-run task sends nothing twice.
    notified_at = models.DateTimeField(null=True, blank=True)
    # For entries written on someone else's say-so (a Stripe event): what happened, such as
    # "invoice-in_123-attempt-2", so the same news delivered twice is recorded once.
    key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["request", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "key"],
                condition=~models.Q(key=""),
                name="request_event_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.action} {self.from_status}->{self.to_status}"


# ---------------------------------------------------------------------------------------------
# Licences
# ---------------------------------------------------------------------------------------------


class LicenceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class LicenceNumberSequence(models.Model):
    """The last number handed out per prefix and year; locked while a number is taken."""

    prefix = models.CharField(max_length=12)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="uniq_licence_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Licence(models.Model):
    number = models.CharField(max_length=40, unique=True)
    request = models.ForeignKey(LicenceRequest, on_delete=models.PROTECT, related_name="licences")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="licences")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="licences")
    revision = models.ForeignKey(ArticleRevision, on_delete=models.PROTECT)
    use_type = models.CharField(max_length=16, choices=UseType.choices)
    portion = models.CharField(max_length=8, choices=Portion.choices)
    territory = models.CharField(max_length=32)
    territory_label = models.CharField(max_length=100)
    territory_countries = models.JSONField(default=list, blank=True)
    term = models.CharField(max_length=32)
    exclusive = models.BooleanField(default=False)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text=_("Empty: perpetual."))
    fee = money_field()
    currency = models.CharField(max_length=3)
    # Counted against the partner's monthly contract allowance.
    covered_by_contract = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.ACTIVE
    )
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # One licence per article per request: re-running issuance cannot double it.
            models.UniqueConstraint(fields=["request", "article"], name="uniq_licence_per_article")
        ]
        indexes = [
            models.Index(fields=["partner", "-issued_at"]),
            models.Index(fields=["status", "ends_on"]),
        ]

    def __str__(self) -> str:
        return self.number


from licensing import aftercare_models  # noqa: E402,F401
from licensing.package_models import Package  # noqa: E402,F401
