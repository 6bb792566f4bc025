"""Issued licences in the admin: a read-only register to look licences up by number."""

from __future__ import annotations

from django.contrib import admin

from licensing.models import Licence
from licensing.money import format_money
from syndication.admin_base import ReadOnlyAdmin


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
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
