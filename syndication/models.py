"""What we publish and to whom: the publication, its articles and their revisions, media rights,
partner outlets, their people and their API keys."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "yi"}


class Publication(models.Model):
    name = models.CharField(max_length=200)
    site_url = models.URLField()
    # The wording of the credit line printed on every package ("Originally published by ...").
    credit_line = models.CharField(
        max_length=300,
        default="This article was originally published by {publication} on {date}.",
        help_text=_("Placeholders: {publication}, {date}, {url}, {licence}."),
    )
    logo = models.FileField(upload_to="publication/", blank=True)
    default_currency = models.CharField(max_length=3, default="GBP")
    licence_prefix = models.CharField(
        max_length=12,
        default="LIC",
        help_text=_("Licence numbers read PREFIX-YEAR-000123."),
    )
    copyright_holder = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Publication:
        """The service runs for one publication; the first row is it."""
        pub = cls.objects.order_by("pk").first()
        if pub is None:
            pub = cls.objects.create(name="Publication", site_url="https://example.org/")
        return pub


class SyndicationStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESTRICTED = "restricted", _("Restricted: staff review always")
    NOT_FOR_SYNDICATION = "not_for_syndication", _("Not for syndication")


class Article(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="articles")
    # The ninjs/guid identity of the article in the newsroom's systems; imports upsert on it.
    uri = models.CharField(max_length=500, unique=True)
    canonical_url = models.URLField(max_length=500)
    slug = models.SlugField(max_length=200, unique=True)
    headline = models.CharField(max_length=500)
    standfirst = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, help_text=_("List of author names."))
    dateline = models.CharField(max_length=200, blank=True)
    section = models.CharField(max_length=100, blank=True, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=16, default="en", db_index=True)
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Sanitised on the way in (syndication.sanitize); never store raw newsroom HTML.
    body_html = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    syndication_status = models.CharField(
        max_length=24, choices=SyndicationStatus.choices, default=SyndicationStatus.AVAILABLE
    )
    embargo_until = models.DateTimeField(null=True, blank=True)
    premium = models.BooleanField(default=False)
    # Set by a takedown: the article is withdrawn and every licence for it is revoked.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    current_revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["syndication_status", "-published_at"])]

    def __str__(self) -> str:
        return self.headline

    @property
    def is_rtl(self) -> bool:
        return self.language.split("-")[0].lower() in RTL_LANGUAGES

    def is_embargoed(self, now: datetime | None = None) -> bool:
        return self.embargo_until is not None and self.embargo_until > (now or timezone.now())


class ArticleRevision(models.Model):
    """Every published version of an article; a licence names the revision it licensed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    headline = models.CharField(max_length=500)
    standfirst = models.TextField(blank=True)
    body_html = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    correction_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="uniq_article_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} r{self.number}"


class Media(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="media/", blank=True)
    # Where the newsroom serves the picture (ninjs rendition href); used when no file is stored.
    source_url = models.URLField(max_length=500, blank=True)
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=300, blank=True)
    rights_holder = models.CharField(max_length=300, blank=True)
    # Agency pictures belong to someone else: never priced, never packaged, listed as exclusions.
    distributable = models.BooleanField(default=True)
    # Staff may clear an agency picture that the publication has syndication rights for.
    distributable_set_by_staff = models.BooleanField(default=False)

    class Meta:
        ordering = ["article", "position", "pk"]
        verbose_name_plural = "media"

    def __str__(self) -> str:
        return self.caption[:60] or self.credit or f"Media {self.pk}"

    @property
    def exclusion_label(self) -> str:
        holder = self.rights_holder or self.credit or "third party"
        return f"{self.caption or 'Image'} ({holder})"


class PartnerType(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    NONPROFIT = "nonprofit", _("Non-profit")
    EDUCATION = "education", _("Education")
    BROADCASTER = "broadcaster", _("Broadcaster")
    GOVERNMENT = "government", _("Government")
    INDIVIDUAL = "individual", _("Individual")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (Stripe Checkout)")
    INVOICE = "invoice", _("Invoice (account terms)")


class Partner(models.Model):
    name = models.CharField(max_length=200)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2 code."))
    website = models.URLField(blank=True)
    domains = models.JSONField(default=list, blank=True, help_text=_("Domains it publishes on."))
    monthly_uniques = models.PositiveBigIntegerField(default=0)
    print_circulation = models.PositiveBigIntegerField(default=0)
    billing_email = models.EmailField(blank=True)
    verified = models.BooleanField(default=False)
    payment_method = models.CharField(
        max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CARD
    )
    payment_terms_days = models.PositiveIntegerField(default=30)
    # Trusted invoice partners receive licences when the invoice is finalised, not when paid.
    trusted = models.BooleanField(default=False)
    contract_monthly_allowance = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Articles per month covered by the contract.")
    )
    contract_fixed_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    contract_currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def reach(self) -> int:
        return max(self.monthly_uniques, self.print_circulation)

    @property
    def has_contract(self) -> bool:
        return self.contract_monthly_allowance is not None


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(db_index=True)
    role = models.CharField(max_length=100, blank=True)
    receives_notices = models.BooleanField(
        default=True, help_text=_("Gets corrections, takedowns and licence notices.")
    )

    class Meta:
        ordering = ["partner", "name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class PartnerMembership(models.Model):
    """Links a login to the partner it acts for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"


class ApiKey(models.Model):
    """A partner's API key. Only a SHA-256 digest is stored: keys carry 256 bits of randomness,
    so a fast hash is as safe as a slow one and keeps each request's lookup to one indexed query."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text=_("Shown to identify the key."))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for repeats."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    # SHA-256 of the request body: the same key with a different body is a client error.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null while in flight
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="uniq_idempotency_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key}"


from syndication.webhook_models import WebhookDelivery, WebhookEndpoint  # noqa: E402,F401
