"""Serializers the API views share: the use of articles a partner asks to price or license, and
the representations of a quote and of a licence request."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from licensing import hooks
from licensing.links import status_url
from licensing.models import LicenceRequest, Portion, RateCard, RequestEvent, RequestStatus, UseType
from licensing.quoting import UseSpec
from licensing.selectors import rate_card_in_force
from syndication.models import Article, Partner

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": SLUG_RE.pattern},
        ],
        "description": "An article id (preferred) or slug.",
    }
)
class ArticleRefField(serializers.Field):
    """An article id or slug: ids become int, slugs stay str until the serializer resolves them."""

    default_error_messages = {"invalid": "Give an article id or slug."}

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if data < 1:
                self.fail("invalid")
            return data
        if isinstance(data, str):
            value = data.strip()
            if value.isdigit() and int(value) > 0:
                return int(value)
            if SLUG_RE.match(value):
                return value
        self.fail("invalid")
        raise AssertionError("unreachable")  # fail() raises

    def to_representation(self, value: Any) -> Any:
        return value


class ArticleRefListField(serializers.ListField):
    child = ArticleRefField()

    def run_child_validation(self, data: list[Any]) -> list[int | str]:
        # DRF reports list items as {index: [...]}; the API's errors are {field: [messages]}.
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise serializers.ValidationError(
                [f"Item {int(i) + 1}: {m}" for i, messages in detail.items() for m in messages]
            ) from exc


class QuoteInputSerializer(serializers.Serializer):
    """The use to price. Territory and term are codes of the rate card in force."""

    articles = ArticleRefListField(allow_empty=False, max_length=100)
    use_type = serializers.ChoiceField(choices=UseType.choices)
    portion = serializers.ChoiceField(choices=Portion.choices, default=Portion.FULL)
    excerpt_words = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Needed for an excerpt."
    )
    territory = serializers.CharField(max_length=32, help_text="A territory code of the card.")
    term = serializers.CharField(max_length=32, help_text="A term code of the card.")
    exclusive = serializers.BooleanField(default=False)
    translation = serializers.BooleanField(default=False)
    include_images = serializers.BooleanField(default=True)
    reach = serializers.IntegerField(
        min_value=0, required=False, help_text="Monthly audience; defaults to the partner's."
    )

    class Meta:
        ref_name = "QuoteInput"

    @property
    def partner(self) -> Partner:
        return self.context["partner"]

    @cached_property
    def card(self) -> RateCard:
        # Checked here as well as by the quote engine so one answer names every bad field.
        return rate_card_in_force()

    def validate_articles(self, refs: list[int | str]) -> list[int]:
        slugs = [ref for ref in refs if isinstance(ref, str)]
        ids_by_slug = (
            dict(
                Article.objects.filter(slug__in=slugs, withdrawn_at__isnull=True).values_list(
                    "slug", "pk"
                )
            )
            if slugs
            else {}
        )
        unknown = [slug for slug in slugs if slug not in ids_by_slug]
        if unknown:
            raise serializers.ValidationError(f"Unknown article slug(s): {', '.join(unknown)}.")
        return [ids_by_slug[ref] if isinstance(ref, str) else ref for ref in refs]

    def validate_territory(self, code: str) -> str:
        codes = [t.code for t in self.card.territories.all()]
        if code not in codes:
            raise serializers.ValidationError(
                f"Unknown territory “{code}”; choose one of {', '.join(codes)}."
            )
        return code

    def validate_term(self, code: str) -> str:
        codes = [t.code for t in self.card.terms.all()]
        if code not in codes:
            raise serializers.ValidationError(
                f"Unknown term “{code}”; choose one of {', '.join(codes)}."
            )
        return code

    def use_spec(self) -> UseSpec:
        data = self.validated_data
        return UseSpec(
            use_type=data["use_type"],
            portion=data["portion"],
            excerpt_words=data.get("excerpt_words"),
            territory=data["territory"],
            term=data["term"],
            exclusive=data["exclusive"],
            translation=data["translation"],
            include_images=data["include_images"],
            reach=data.get("reach", self.partner.reach),
        )


class RequestInputSerializer(QuoteInputSerializer):
    """The use to license, who to tell, and where it will appear; the terms must be accepted."""

    contact_name = serializers.CharField(
        max_length=200, required=False, help_text="Defaults to the partner's first contact."
    )
    contact_email = serializers.EmailField(
        required=False,
        help_text="Where status emails go; defaults to the first contact, else billing email.",
    )
    intended_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True)
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    translation_language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    accept_terms = serializers.BooleanField(help_text="Must be true: the licence terms apply.")

    class Meta:
        ref_name = "LicenceRequestInput"

    def validate_accept_terms(self, accepted: bool) -> bool:
        if not accepted:
            raise serializers.ValidationError("Accept the licence terms to send the request.")
        return accepted

    def contact(self) -> tuple[str, str]:
        """Name and email for the request, defaulting to the partner's own."""
        data = self.validated_data
        name, email = data.get("contact_name", ""), data.get("contact_email", "")
        if not (name and email):
            first = self.partner.contacts.order_by("pk").first()
            name = name or (first.name if first else self.partner.name)
            email = email or (first.email if first else self.partner.billing_email)
        return name, email


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


class QuoteLineSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="base, requester, reach, territory, term, images, …")
    rule = serializers.CharField(help_text="The rule that gave this amount, in words.")
    amount = serializers.CharField(help_text="Decimal string, e.g. `50.00`.")
    article_id = serializers.IntegerField(allow_null=True, help_text="Null for request-wide lines.")

    class Meta:
        ref_name = "QuoteLine"


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()
    article_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "QuoteRefusal"


class RateCardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="rate_card_id")
    version = serializers.IntegerField(source="rate_card_version")

    class Meta:
        ref_name = "RateCardRef"


class QuoteOutputSerializer(serializers.Serializer):
    """A quote as licensing.quoting.Quote.to_dict() stores it; amounts are decimal strings."""

    lines = QuoteLineSerializer(many=True)
    subtotal = serializers.CharField(help_text="Before contract cover, bundle discount, minimum.")
    discount = serializers.CharField(help_text="Contract cover plus bundle discount (positive).")
    total = serializers.CharField(help_text="Exactly the sum of the lines.")
    currency = serializers.CharField()
    valid_until = serializers.DateField()
    free = serializers.BooleanField()
    auto_approve = serializers.BooleanField()
    auto_approve_reason = serializers.CharField(allow_blank=True)
    needs_review = serializers.BooleanField()
    refusals = RefusalSerializer(many=True)
    exclusions = serializers.ListField(
        child=serializers.CharField(), help_text="Images that are not ours to license."
    )
    rate_card = RateCardRefSerializer(source="*")

    class Meta:
        ref_name = "Quote"


class RequestArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article_id")
    slug = serializers.CharField(source="article.slug")
    headline = serializers.CharField(source="article.headline")
    revision = serializers.IntegerField(
        source="revision.number", help_text="The revision the request was made for."
    )

    class Meta:
        ref_name = "LicenceRequestArticle"


class RequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # A plain string, not an enum: two components sharing a "status" enum beside other "status"
    # enums make drf-spectacular warn until SPECTACULAR_SETTINGS names them (ENUM_NAME_OVERRIDES).
    status = serializers.CharField(help_text=", ".join(RequestStatus.values))
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    channel = serializers.CharField()
    contact_name = serializers.CharField()
    contact_email = serializers.EmailField()
    use_type = serializers.ChoiceField(choices=UseType.choices)
    portion = serializers.ChoiceField(choices=Portion.choices)
    excerpt_words = serializers.IntegerField(allow_null=True)
    territory = serializers.CharField()
    term = serializers.CharField()
    exclusive = serializers.BooleanField()
    translation = serializers.BooleanField()
    translation_language = serializers.CharField()
    include_images = serializers.BooleanField()
    reach = serializers.IntegerField()
    intended_url = serializers.CharField()
    outlet = serializers.CharField()
    message = serializers.CharField()
    articles = RequestArticleSerializer(source="items", many=True)
    quote = QuoteOutputSerializer()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    valid_until = serializers.DateField()
    decision_note = serializers.CharField()
    licences = serializers.SerializerMethodField(help_text="Numbers of the licences issued.")
    status_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "LicenceRequest"

    def get_licences(self, request: LicenceRequest) -> list[str]:
        return [licence.number for licence in request.licences.all()]

    def get_status_url(self, request: LicenceRequest) -> str:
        return status_url(request)


# Staff are people with names; partners see only who acted, never which member of staff.
ACTOR_YOU, ACTOR_STAFF, ACTOR_SYSTEM = "you", "staff", "system"


class RequestEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        ref_name = "LicenceRequestEvent"

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword, so these two are added here rather than declared.
        return {
            "action": fields["action"],
            "from": serializers.CharField(source="from_status"),
            "to": serializers.CharField(source="to_status"),
            "actor": fields["actor"],
            "note": fields["note"],
            "at": fields["at"],
        }

    @extend_schema_field(serializers.ChoiceField(choices=[ACTOR_YOU, ACTOR_STAFF, ACTOR_SYSTEM]))
    def get_actor(self, event: RequestEvent) -> str:
        if event.actor_id is not None:
            return ACTOR_STAFF
        label = event.actor_label
        if label == "system" or not label:
            return ACTOR_SYSTEM
        if label.startswith(("api:", "partner:")):
            return ACTOR_YOU
        return ACTOR_STAFF


class PaymentInfoSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="card, invoice or offline")
    status = serializers.CharField()
    pay_url = serializers.URLField(allow_null=True, help_text="Where to pay by card, if offered.")
    invoice_url = serializers.URLField(allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    offline_only = serializers.BooleanField()


class RequestDetailOutputSerializer(RequestOutputSerializer):
    events = RequestEventSerializer(many=True, help_text="The audit trail, oldest first.")
    # Only on the detail: it is read from the billing layer, one request at a time.
    payment = serializers.SerializerMethodField()

    class Meta:
        ref_name = "LicenceRequestDetail"

    @extend_schema_field(PaymentInfoSerializer(allow_null=True))
    def get_payment(self, request: LicenceRequest) -> dict[str, Any] | None:
        return hooks.payment_info(request)
