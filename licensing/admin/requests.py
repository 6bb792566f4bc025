"""The review queue: licence requests in the admin. Everything is read-only; staff act through
actions (on the change page and in bulk) that each call one service per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from licensing.admin.forms import (
    ApproveForm,
    AskInfoForm,
    MarkPaidForm,
    RefuseForm,
    RepriceForm,
    WithdrawForm,
)
from licensing.models import (
    OPEN_STATUSES,
    LicenceRequest,
    RequestEvent,
    RequestStatus,
)
from licensing.money import format_money
from licensing.services import (
    licence_request_approve,
    licence_request_ask_info,
    licence_request_mark_paid,
    licence_request_refuse,
    licence_request_reprice,
    licence_request_start_review,
    licence_request_withdraw,
)
from syndication.admin_base import ReadOnlyAdmin
from syndication.errors import DomainError

S = RequestStatus
BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
CHANGE_FORM_ACTION = f"{admin.ActionLocation.CHANGE_FORM.value}-action"
# Marks the second POST of an action with input: the staff member has filled in its form.
APPLY = "apply"

# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """Status, defaulting to what waits for staff, so the queue opens on work to do."""

    title = "queue"
    parameter_name = "queue"
    DEFAULT = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(self.DEFAULT, "Waiting for staff"), *S.choices, ("all", "All")]

    def current(self) -> str:
        return self.value() or self.DEFAULT

    def choices(self, changelist: Any) -> Any:
        for value, label in self.lookup_choices:
            yield {
                "selected": self.current() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.current()
        if value == self.DEFAULT:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value in S.values:
            return queryset.filter(status=value)
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("today", "Today"), ("2d", "Over 2 days"), ("7d", "Over a week")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "today":
            start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            return queryset.filter(created_at__gte=start)
        if self.value() == "2d":
            return queryset.filter(created_at__lt=now - timedelta(days=2))
        if self.value() == "7d":
            return queryset.filter(created_at__lt=now - timedelta(days=7))
        return queryset


class AmountFilter(admin.SimpleListFilter):
    """Bands of the total, in each request's own currency."""

    title = "amount"
    parameter_name = "amount"
    BANDS: dict[str, tuple[str, Q]] = {
        "free": ("Free", Q(total=0)),
        "under-100": ("Under 100", Q(total__gt=0, total__lt=100)),
        "100-500": ("100 to 500", Q(total__gte=100, total__lt=500)),
        "over-500": ("500 and over", Q(total__gte=500)),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        band = self.BANDS.get(self.value() or "")
        return queryset.filter(band[1]) if band else queryset


# ---------------------------------------------------------------------------------------------
# The audit trail
# ---------------------------------------------------------------------------------------------


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    verbose_name = "audit entry"
    verbose_name_plural = "audit trail"
    fields = ("created_at", "action", "transition", "who", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="From → to")
    def transition(self, obj: RequestEvent) -> str:
        if obj.from_status == obj.to_status:
            return obj.to_status or "—"
        return f"{obj.from_status or '—'} → {obj.to_status or '—'}"

    @admin.display(description="Actor")
    def who(self, obj: RequestEvent) -> str:
        if obj.actor is not None:
            return obj.actor.get_username()
        return obj.actor_label or "system"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---------------------------------------------------------------------------------------------
# Review actions: one service call per request
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAction:
    name: str
    label: str  # the button
    done: str  # "approved": "Approved 2 requests.", "Request #7 was not approved: ..."
    statuses: tuple[str, ...]  # where the change page offers it
    call: Callable[[LicenceRequest, Any, dict[str, Any]], Any]
    form: type[forms.Form] | None = None
    intro: str = ""


REVIEW_ACTIONS = {
    action.name: action
    for action in (
        ReviewAction(
            name="start_review",
            label="Start review",
            done="moved into review",
            statuses=(S.SUBMITTED,),
            call=lambda r, user, data: licence_request_start_review(request=r, actor=user),
        ),
        ReviewAction(
            name="approve",
            label="Approve",
            done="approved",
            statuses=OPEN_STATUSES,
            form=ApproveForm,
            intro="A free use is fulfilled at once; a paid one waits for payment.",
            call=lambda r, user, data: licence_request_approve(
                request=r, actor=user, note=data["note"]
            ),
        ),
        ReviewAction(
            name="refuse",
            label="Refuse",
            done="refused",
            statuses=OPEN_STATUSES,
            form=RefuseForm,
            intro="The partner is told the reason.",
            call=lambda r, user, data: licence_request_refuse(
                request=r, actor=user, reason=data["reason"]
            ),
        ),
        ReviewAction(
            name="reprice",
            label="Re-price",
            done="re-priced",
            statuses=OPEN_STATUSES,
            form=RepriceForm,
            intro="Only a request waiting for a decision can be re-priced.",
            call=lambda r, user, data: licence_request_reprice(
                request=r, actor=user, total=data["total"], reason=data["reason"]
            ),
        ),
        ReviewAction(
            name="ask_info",
            label="Ask the partner for information",
            done="queried",
            statuses=OPEN_STATUSES,
            form=AskInfoForm,
            intro="The request moves into review while it waits for the answer.",
            call=lambda r, user, data: licence_request_ask_info(
                request=r, actor=user, question=data["question"]
            ),
        ),
        ReviewAction(
            name="withdraw",
            label="Withdraw approval",
            done="withdrawn",
            statuses=(S.AWAITING_PAYMENT,),
            form=WithdrawForm,
            intro="Only an approval that has not been paid can be withdrawn.",
            call=lambda r, user, data: licence_request_withdraw(
                request=r, actor=user, reason=data["reason"]
            ),
        ),
        ReviewAction(
            name="mark_paid",
            label="Record payment received",
            done="marked paid",
            statuses=(S.AWAITING_PAYMENT,),
            form=MarkPaidForm,
            intro="For money that arrived outside Stripe. The licences are issued at once.",
            call=lambda r, user, data: licence_request_mark_paid(
                request=r, actor=user, note=data["note"]
            ),
        ),
    )
}


def _review_action(name: str) -> Callable[..., HttpResponse | None]:
    action = REVIEW_ACTIONS[name]

    def run(
        model_admin: LicenceRequestAdmin, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return model_admin.run_review_action(request, queryset, action)

    run.__name__ = name
    return admin.action(description=action.label, permissions=["review"], location=BOTH)(run)


def _plural(count: int) -> str:
    return f"{count} request" if count == 1 else f"{count} requests"


# ---------------------------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------------------------


@admin.register(LicenceRequest)
class LicenceRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "partner",
        "partner_type",
        "articles_count",
        "use",
        "territory",
        "term",
        "total_display",
        "status",
        "age",
        "info_requested",
    )
    list_select_related = ("partner",)
    list_filter = (
        QueueFilter,
        AgeFilter,
        AmountFilter,
        "partner__partner_type",
        "use_type",
        "channel",
    )
    search_fields = ("partner__name", "contact_email", "items__article__headline")
    ordering = ("created_at", "pk")
    list_per_page = 50
    inlines = [RequestEventInline]
    change_form_template = "admin/licensing/licencerequest/change_form.html"
    actions = list(REVIEW_ACTIONS)
    fieldsets = (
        (
            "Request",
            {
                "fields": (
                    "status",
                    "channel",
                    "created_at",
                    "age",
                    "status_changed_at",
                    "info_requested_at",
                    "decision_note",
                    "contact_name",
                    "contact_email",
                    "message",
                )
            },
        ),
        ("Partner", {"fields": ("partner", "partner_facts")}),
        (
            "Use",
            {
                "fields": (
                    "use_type",
                    "portion",
                    "excerpt_words",
                    "territory",
                    "term",
                    "exclusive",
                    "translation",
                    "translation_language",
                    "include_images",
                    "reach",
                    "intended_url",
                    "outlet",
                )
            },
        ),
        ("Articles", {"fields": ("article_list",)}),
        ("Quote", {"fields": ("rate_card", "quote_lines", "valid_until", "terms_accepted_at")}),
    )

    start_review = _review_action("start_review")
    approve = _review_action("approve")
    refuse = _review_action("refuse")
    reprice = _review_action("reprice")
    ask_info = _review_action("ask_info")
    withdraw = _review_action("withdraw")
    mark_paid = _review_action("mark_paid")

    def get_queryset(self, request: HttpRequest) -> QuerySet[LicenceRequest]:
        return super().get_queryset(request).annotate(article_count=Count("items", distinct=True))

    # -- requests change only through services -----------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            name
            for _, options in self.fieldsets
            for name in options["fields"]
            if isinstance(name, str)
        ]

    def has_review_permission(self, request: HttpRequest) -> bool:
        """Deciding requests is what the model's change permission grants."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    # -- list columns ------------------------------------------------------------------------

    @admin.display(description="Partner type", ordering="partner__partner_type")
    def partner_type(self, obj: LicenceRequest) -> str:
        return obj.partner.get_partner_type_display()

    @admin.display(description="Articles", ordering="article_count")
    def articles_count(self, obj: LicenceRequest) -> int:
        return obj.article_count  # type: ignore[attr-defined]

    @admin.display(description="Use", ordering="use_type")
    def use(self, obj: LicenceRequest) -> str:
        return f"{obj.get_use_type_display()}, {obj.get_portion_display().lower()}"

    @admin.display(description="Total", ordering="total")
    def total_display(self, obj: LicenceRequest) -> str:
        return format_money(obj.total, obj.currency)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: LicenceRequest) -> str:
        return timesince(obj.created_at, depth=1)

    @admin.display(description="Info requested", boolean=True, ordering="info_requested_at")
    def info_requested(self, obj: LicenceRequest) -> bool:
        return obj.info_requested_at is not None

    # -- the change page ---------------------------------------------------------------------

    @admin.display(description="Partner facts")
    def partner_facts(self, obj: LicenceRequest) -> SafeString:
        partner = obj.partner
        if partner.has_contract:
            price = (
                format_money(partner.contract_fixed_price, partner.contract_currency or "GBP")
                if partner.contract_fixed_price is not None
                else "no fixed price"
            )
            contract = f"{partner.contract_monthly_allowance} articles a month, {price}"
        else:
            contract = "none"
        facts = [
            ("Type", partner.get_partner_type_display()),
            ("Verified", "yes" if partner.verified else "no"),
            ("Reach", f"{partner.reach:,}"),
            ("Country", partner.country),
            ("Payment", partner.get_payment_method_display()),
            ("Contract", contract),
        ]
        return format_html(
            "<dl class='partner-facts'>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", facts),
        )

    @admin.display(description="Articles")
    def article_list(self, obj: LicenceRequest) -> SafeString:
        items = obj.items.select_related("article", "revision").order_by("position")
        rows = []
        for item in items:
            article = item.article
            try:
                url = reverse("admin:syndication_article_change", args=[article.pk])
            except NoReverseMatch:
                url = article.canonical_url
            rows.append(
                (
                    url,
                    article.headline,
                    item.revision.number,
                    article.word_count,
                    article.get_syndication_status_display(),
                )
            )
        return format_html(
            "<ol class='request-articles'>{}</ol>",
            format_html_join(
                "",
                "<li><a href='{}'>{}</a> (revision {}, {} words, {})</li>",
                rows,
            ),
        )

    @admin.display(description="Quote")
    def quote_lines(self, obj: LicenceRequest) -> SafeString:
        quote = obj.quote or {}
        currency = quote.get("currency") or obj.currency

        def money(value: Any) -> str:
            try:
                return format_money(Decimal(str(value)), currency)
            except (InvalidOperation, TypeError):
                return "—"

        # Lines come article by article, then request-wide ones: head each group.
        headlines = dict(obj.items.values_list("article_id", "article__headline"))
        rows, group = [], object()
        for line in quote.get("lines", []):
            article_id = line.get("article_id")
            if article_id != group:
                group = article_id
                title = headlines.get(article_id, "") if article_id else "Whole request"
                rows.append(format_html("<tr><th colspan='2'>{}</th></tr>", title))
            rows.append(
                format_html(
                    "<tr><td>{}</td><td class='amount'>{}</td></tr>",
                    line.get("rule", ""),
                    money(line.get("amount")),
                )
            )
        lines = format_html_join("", "{}", ((row,) for row in rows))
        totals = format_html_join(
            "",
            "<tr><th>{}</th><th class='amount'>{}</th></tr>",
            [
                ("Subtotal", money(quote.get("subtotal", "0"))),
                ("Discount", money(quote.get("discount", "0"))),
                ("Total", format_money(obj.total, obj.currency)),
            ],
        )
        notes = format_html_join(
            "",
            "<li>{}</li>",
            [(r.get("reason", ""),) for r in quote.get("refusals", [])]
            + [(f"Excluded: {label}",) for label in quote.get("exclusions", [])],
        )
        return format_html(
            "<table class='quote-lines'><thead><tr><th>Rule</th><th>Amount</th></tr></thead>"
            "<tbody>{}</tbody><tfoot>{}</tfoot></table><p>Card version {}.</p><ul>{}</ul>",
            lines,
            totals,
            quote.get("rate_card_version", obj.rate_card_id),
            notes,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        buttons = []
        if obj is not None and self.has_review_permission(request):
            buttons = [
                (action.name, action.label)
                for action in REVIEW_ACTIONS.values()
                if obj.status in action.statuses
            ]
        context = {
            **(extra_context or {}),
            "review_buttons": buttons,
            "review_action_field": CHANGE_FORM_ACTION,
        }
        return super().change_view(request, object_id, form_url, context)

    # -- running an action -------------------------------------------------------------------

    def run_review_action(
        self, request: HttpRequest, queryset: QuerySet[LicenceRequest], action: ReviewAction
    ) -> HttpResponse | None:
        """Show the action's form until it is valid, then call the service once per request.
        A domain error becomes a message naming the request; the others still run."""
        data: dict[str, Any] = {}
        if action.form is not None:
            form = action.form(request.POST if APPLY in request.POST else None)
            if not form.is_bound or not form.is_valid():
                return self._action_page(request, queryset, action, form)
            data = form.cleaned_data
        done = 0
        for obj in queryset.order_by("created_at", "pk"):
            try:
                action.call(obj, request.user, data)
            except DomainError as exc:
                self.message_user(
                    request,
                    f"Request #{obj.pk} was not {action.done}: {exc.message}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, f"{action.done.capitalize()}: {_plural(done)}.", messages.SUCCESS
            )
        return None

    def _action_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[LicenceRequest],
        action: ReviewAction,
        form: forms.Form,
    ) -> HttpResponse:
        objects = list(queryset.select_related("partner").order_by("created_at", "pk"))
        from_change_page = CHANGE_FORM_ACTION in request.POST
        if from_change_page and objects:
            cancel_url = reverse("admin:licensing_licencerequest_change", args=[objects[0].pk])
        else:
            cancel_url = request.get_full_path()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{action.label}: {_plural(len(objects))}",
            "action": action,
            "form": form,
            "objects": [
                (
                    obj,
                    reverse("admin:licensing_licencerequest_change", args=[obj.pk]),
                    format_money(obj.total, obj.currency),
                )
                for obj in objects
            ],
            "action_field": CHANGE_FORM_ACTION if from_change_page else "action",
            "checkbox_name": ACTION_CHECKBOX_NAME,
            "apply_name": APPLY,
            "cancel_url": cancel_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/licensing/action_form.html", context)
