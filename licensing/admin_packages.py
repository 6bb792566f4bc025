"""Packages in the admin: a read-only list per licence with a download link for staff, and the
"Re-render packages" action that renders the article's current revision in the background."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from licensing import tasks_packages
from licensing.package_models import Package
from licensing.packages import download_link, download_name
from syndication.admin_base import ReadOnlyAdmin

# Staff links are for looking, not for sending on.
STAFF_LINK_TTL = timedelta(hours=1)


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = (
        "licence",
        "revision_number",
        "format",
        "size_display",
        "short_sha256",
        "rendered_at",
        "delivered_at",
        "download",
    )
    list_select_related = ("licence", "revision")
    list_filter = ("format", "rendered_at")
    search_fields = ("=licence__number", "licence__number", "licence__partner__name")
    ordering = ("-rendered_at", "licence", "format")
    actions = ["rerender"]

    @admin.display(description="Revision", ordering="revision__number")
    def revision_number(self, obj: Package) -> int:
        return obj.revision.number

    @admin.display(description="Size", ordering="size")
    def size_display(self, obj: Package) -> str:
        return filesizeformat(obj.size)

    @admin.display(description="SHA-256")
    def short_sha256(self, obj: Package) -> str:
        return obj.sha256[:12] + "…"

    @admin.display(description="Download")
    def download(self, obj: Package) -> str:
        return format_html(
            '<a href="{}">{}</a>', download_link(obj, ttl=STAFF_LINK_TTL), download_name(obj)
        )

    @admin.action(description="Re-render packages (article's current revision)")
    def rerender(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        licence_ids = set(queryset.values_list("licence_id", flat=True))
        tasks_packages.enqueue_rerender(licence_ids=licence_ids)
        self.message_user(
            request,
            f"Re-rendering queued for {len(licence_ids)} licence(s); existing files are kept.",
            messages.SUCCESS,
        )
