"""Staff's view of the money: payments with refunds, offline transfers to record for requests
awaiting payment, and Stripe events with a "Reprocess" action. Every change goes through
billing.services (or billing.webhooks for reprocessing)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from billing import selectors, services, webhooks
from billing import stripe_gateway as gateway
from billing.forms import OfflinePaymentForm, RefundForm
from billing.models import BillingCustomer, Payment, PaymentStatus, Refund, StripeEvent
from licensing.models import LicenceRequest
from licensing.money import format_money
from syndication.errors import DomainError

REFUND_FIELDS = (
    "created_at",
    "amount",
    "currency",
    "status",
    "stripe_refund_id",
    "reason",
    "created_by",
    "error",
)


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = readonly_fields = REFUND_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "request_link",
        "method",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "created_at",
        "setup_problem",
    ]
    list_filter = ["status", "method", "created_at"]
    search_fields = [
        "=request__pk",
        "stripe_checkout_session_id",
        "stripe_invoice_id",
        "stripe_payment_intent_id",
        "offline_reference",
        "request__partner__name",
    ]
    inlines = [RefundInline]
    readonly_fields = (
        *(f.name for f in Payment._meta.get_fields() if getattr(f, "concrete", False)),
        "refund_link",
    )
    change_list_template = "billing/admin/payment_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Request")
    def request_link(self, obj: Payment) -> str:
        url = reverse("admin:licensing_licencerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">#{}</a>', url, obj.request_id)

    @admin.display(description="Set-up problem")
    def setup_problem(self, obj: Payment) -> str:
        return obj.setup_error[:120]

    @admin.display(description="Refund")
    def refund_link(self, obj: Payment) -> str:
        if obj.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
            return "-"
        url = reverse("admin:billing_payment_refund", args=[obj.pk])
        return format_html('<a class="button" href="{}">Refund (full or partial)</a>', url)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="billing_payment_refund",
            ),
            path(
                "offline/",
                self.admin_site.admin_view(self.offline_view),
                name="billing_payment_offline",
            ),
        ]
        return own + super().get_urls()

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        payment = get_object_or_404(Payment, pk=pk)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund = services.payment_refund(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            except gateway.StripeGatewayError as exc:
                form.add_error(None, f"Stripe: {exc}")
            else:
                self.message_user(
                    request,
                    f"Refunded {format_money(refund.amount, refund.currency)} "
                    f"({refund.get_status_display()}).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:billing_payment_change", args=[payment.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund payment {payment.pk}",
            "payment": payment,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "billing/admin/refund.html", context)

    def offline_view(self, request: HttpRequest) -> HttpResponse:
        """Requests awaiting payment, each with a form to record a bank transfer."""
        form = OfflinePaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            licence_request = get_object_or_404(LicenceRequest, pk=form.cleaned_data["request_id"])
            try:
                payment = services.payment_record_offline(
                    request=licence_request,
                    reference=form.cleaned_data["reference"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Recorded transfer {payment.offline_reference} for request "
                    f"{licence_request.pk}: paid, licences issued.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_payment_offline"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Record an offline payment",
            "requests": selectors.requests_awaiting_payment(),
            "opts": self.model._meta,
        }
        return render(request, "billing/admin/offline.html", context)


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "attempts", "received_at", "short_error"]
    list_filter = ["status", "type"]
    search_fields = ["=event_id", "type"]
    readonly_fields = [
        "event_id",
        "type",
        "api_version",
        "payload",
        "received_at",
        "status",
        "attempts",
        "last_error",
        "processed_at",
    ]
    actions = ["reprocess"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Last error")
    def short_error(self, obj: StripeEvent) -> str:
        return obj.last_error[:120]

    @admin.action(description="Reprocess the selected events")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        queued = sum(webhooks.stripe_event_reprocess(event=event) for event in queryset)
        self.message_user(
            request, f"{queued} event(s) queued again; processed ones are left as they are."
        )


@admin.register(BillingCustomer)
class BillingCustomerAdmin(admin.ModelAdmin):
    list_display = ["partner", "stripe_customer_id", "created_at"]
    readonly_fields = ["partner", "stripe_customer_id", "created_at"]
