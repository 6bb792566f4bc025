"""Staff admin for partner webhooks: endpoints (secret masked, rotate, test event) and the delivery
log with status codes and a "Re-send" action. Changes go through syndication.webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from syndication.errors import DomainError
from syndication.webhook_models import WebhookDelivery, WebhookEndpoint
from syndication.webhooks import (
    webhook_delivery_resend,
    webhook_endpoint_set,
    webhook_test_send,
    webhook_url_validate,
)


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ("partner", "url", "active")

    def clean_url(self) -> str:
        # The API's rule (HTTPS, no private addresses) holds in the admin too.
        try:
            return webhook_url_validate(self.cleaned_data["url"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("partner", "url", "active", "created_at", "secret_rotated_at")
    list_filter = ("active",)
    list_select_related = ("partner",)
    search_fields = ("partner__name", "url")
    raw_id_fields = ("partner",)
    fields = ("partner", "url", "active", "secret_hint", "created_at", "secret_rotated_at")
    readonly_fields = ("secret_hint", "created_at", "secret_rotated_at")
    actions = ("send_test_event", "rotate_secret")

    @admin.display(description=_("Secret"))
    def secret_hint(self, obj: WebhookEndpoint) -> str:
        # Staff never need the whole secret; the partner reads it from the API.
        return f"{obj.secret[:10]}…" if obj.secret else ""

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        sent = 0
        for endpoint in queryset.filter(active=True):
            webhook_test_send(endpoint=endpoint)
            sent += 1
        self.message_user(request, f"Queued {sent} test event(s).", level=messages.SUCCESS)

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhook_endpoint_set(
                partner=endpoint.partner,
                url=endpoint.url,
                active=endpoint.active,
                rotate_secret=True,
            )
        self.message_user(
            request, "New secrets issued; partners read them from the API.", messages.SUCCESS
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event_type",
        "partner",
        "status",
        "last_status_code",
        "attempts",
        "resends",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "last_status_code")
    list_select_related = ("endpoint__partner",)
    search_fields = ("=event_id", "endpoint__partner__name", "endpoint__url")
    date_hierarchy = "created_at"
    actions = ("resend",)
    readonly_fields = (
        "endpoint",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "resends",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    )
    fields = readonly_fields

    @admin.display(description=_("Partner"), ordering="endpoint__partner__name")
    def partner(self, obj: WebhookDelivery) -> str:
        return obj.endpoint.partner.name

    @admin.action(description=_("Re-send"))
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        resent = 0
        for delivery in queryset:
            try:
                webhook_delivery_resend(delivery=delivery, actor=request.user)
                resent += 1
            except DomainError as exc:
                self.message_user(request, f"{delivery}: {exc.message}", level=messages.WARNING)
        self.message_user(request, f"Re-sent {resent} delivery(ies).", level=messages.SUCCESS)

    # Deliveries are records: they change only by being sent.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
