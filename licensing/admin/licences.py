"""Issued licences in the admin: a read-only register to look licences up by number."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from licensing.models import Licence
from licensing.money import format_money


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ("number", "partner", "article", "status", "starts_on", "ends_on", "fee_display")
    list_select_related = ("partner", "article")
    list_filter = ("status", "use_type", "covered_by_contract", "starts_on")
    search_fields = ("=number", "number")
    date_hierarchy = "issued_at"
    ordering = ("-issued_at", "-pk")
    raw_id_fields = ("request", "partner", "article", "revision")

    @admin.display(description="Fee", ordering="fee")
    def fee_display(self, obj: Licence) -> str:
        return format_money(obj.fee, obj.currency)

    # Licences change only through services (issue, expire, revoke, supersede).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
