"""Rate cards in the admin: a card with its rows as inlines, checked as a whole by the quote
engine's validator; frozen once it has priced a request, and copied to change prices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from licensing.admin.forms import RateCardForm
from licensing.models import (
    BaseFee,
    BundleDiscount,
    Factor,
    FreeUse,
    RateCard,
    ReachTier,
    Term,
    Territory,
)
from licensing.rate_cards import rate_card_copy
from licensing.selectors import rate_card_in_force
from syndication.errors import DomainError

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
CHANGE_FORM_ACTION = f"{admin.ActionLocation.CHANGE_FORM.value}-action"


def requests_priced(card: RateCard | None) -> int:
    """How many requests the card priced; the changelist and change page annotate it."""
    if card is None or card.pk is None:
        return 0
    annotated = getattr(card, "requests_count", None)
    return annotated if annotated is not None else card.requests.count()


class CardRowInline(admin.TabularInline):
    """A group of a card's rows; read-only once the card has priced a request."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not requests_priced(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not requests_priced(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not requests_priced(obj) and super().has_delete_permission(request, obj)


class BaseFeeInline(CardRowInline):
    model = BaseFee
    fields = ("use_type", "portion", "amount")


class FactorInline(CardRowInline):
    model = Factor
    fields = ("dimension", "key", "factor")


class ReachTierInline(CardRowInline):
    model = ReachTier
    fields = ("min_reach", "factor")


class TerritoryInline(CardRowInline):
    model = Territory
    fields = ("position", "code", "label", "countries", "factor")


class TermInline(CardRowInline):
    model = Term
    fields = ("code", "label", "days", "factor")


class BundleDiscountInline(CardRowInline):
    model = BundleDiscount
    fields = ("min_articles", "percent")


class FreeUseInline(CardRowInline):
    model = FreeUse
    fields = ("label", "use_type", "requester_type")


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    form = RateCardForm
    inlines = [
        BaseFeeInline,
        FactorInline,
        ReachTierInline,
        TerritoryInline,
        TermInline,
        BundleDiscountInline,
        FreeUseInline,
    ]
    list_display = (
        "version",
        "name",
        "currency",
        "effective_from",
        "published",
        "requests_count",
    )  # plus "In force" after "published": see get_list_display
    list_display_links = ("version", "name")
    list_filter = ("published", "currency")
    ordering = ("-effective_from", "-version")
    actions = ["copy_as_new_version"]
    change_form_template = "admin/licensing/ratecard/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "version", "currency", "effective_from", "published")}),
        (
            "Pricing",
            {
                "fields": (
                    "excerpt_max_words",
                    "exclusivity_factor",
                    "translation_factor",
                    "image_fee",
                    "premium_surcharge_percent",
                    "minimum_fee",
                    "rounding_increment",
                )
            },
        ),
        (
            "Decisions",
            {
                "fields": (
                    "auto_approve_free",
                    "auto_approve_verified_max",
                    "blocked_countries",
                    "validity_days",
                )
            },
        ),
        (None, {"fields": ("notes",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[RateCard]:
        return super().get_queryset(request).annotate(requests_count=Count("requests"))

    # -- list columns ------------------------------------------------------------------------

    def get_list_display(self, request: HttpRequest) -> Any:
        # Columns only see their row, so the card in force is looked up once, here.
        try:
            in_force_id = rate_card_in_force().pk
        except DomainError:
            in_force_id = None

        @admin.display(boolean=True, description="In force")
        def in_force(obj: RateCard) -> bool:
            return obj.pk == in_force_id

        columns: list[Any] = list(self.list_display)
        columns.insert(columns.index("published") + 1, in_force)
        return columns

    @admin.display(description="Requests", ordering="requests_count")
    def requests_count(self, obj: RateCard) -> int:
        return obj.requests_count  # type: ignore[attr-defined]

    # -- freezing ----------------------------------------------------------------------------

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not requests_priced(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not requests_priced(obj) and super().has_delete_permission(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        card = self.get_object(request, object_id)
        priced = requests_priced(card)
        context = {
            **(extra_context or {}),
            "copy_action": CHANGE_FORM_ACTION,
            "can_copy": self.has_add_permission(request),
        }
        if priced:
            noun = "request" if priced == 1 else "requests"
            context["frozen_notice"] = (
                f"This card priced {priced} {noun}; copy it to change prices."
            )
        return super().change_view(request, object_id, form_url, context)

    # -- checking the card and its rows together ---------------------------------------------

    def _create_formsets(self, request: HttpRequest, obj: Any, change: bool) -> Any:
        # The card form is validated after the formsets are built; keep them where its clean()
        # (through get_form below) can reach them, so card and rows are checked as one.
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        request._rate_card_formsets = formsets  # type: ignore[attr-defined]
        return formsets, inline_instances

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)

        class BoundRateCardForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any] | None:
                self.inline_formsets = getattr(request, "_rate_card_formsets", None)
                return super().clean()

        return BoundRateCardForm

    # -- copying -----------------------------------------------------------------------------

    @admin.action(description="Copy as a new version", permissions=["add"], location=BOTH)
    def copy_as_new_version(
        self, request: HttpRequest, queryset: QuerySet[RateCard]
    ) -> HttpResponse | None:
        copies = []
        for card in queryset.order_by("version"):
            copy = rate_card_copy(card=card, actor=request.user)
            copies.append(copy)
            self.message_user(
                request,
                f"Copied version {card.version} as version {copy.version}: unpublished, "
                f"effective from {copy.effective_from:%d %B %Y}. Edit it, then publish it.",
                messages.SUCCESS,
            )
        if CHANGE_FORM_ACTION in request.POST and len(copies) == 1:
            return HttpResponseRedirect(
                reverse("admin:licensing_ratecard_change", args=[copies[0].pk])
            )
        return None
