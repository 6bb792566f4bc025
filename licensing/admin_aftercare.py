"""Aftercare in the admin: who has acknowledged each correction, compliance alerts from the pixel,
counted views, and the "Take down (withdraw) article" action on the catalogue's articles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from licensing.aftercare import article_take_down, licence_correction_acknowledge
from licensing.aftercare_models import ComplianceAlert, CorrectionNotice, LicenceView
from licensing.tracking import compliance_alert_resolve
from syndication.admin_base import ReadOnlyAdmin
from syndication.models import Article


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("acknowledged")
    parameter_name = "acknowledged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Acknowledged")), ("no", _("Not yet"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CorrectionNotice]
    ) -> QuerySet[CorrectionNotice]:
        if self.value() in ("yes", "no"):
            return queryset.filter(acknowledged_at__isnull=self.value() == "no")
        return queryset


@admin.register(CorrectionNotice)
class CorrectionNoticeAdmin(ReadOnlyAdmin):
    list_display = (
        "licence",
        "partner",
        "headline",
        "revision_number",
        "sent_at",
        "acknowledged",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = (AcknowledgedFilter, "created_at")
    list_select_related = ("licence__partner", "revision")
    search_fields = ("=licence__number", "licence__partner__name", "revision__headline")
    date_hierarchy = "created_at"
    actions = ("acknowledge_for_partner",)

    @admin.display(description=_("Partner"), ordering="licence__partner__name")
    def partner(self, obj: CorrectionNotice) -> str:
        return obj.licence.partner.name

    @admin.display(description=_("Headline"))
    def headline(self, obj: CorrectionNotice) -> str:
        return obj.revision.headline

    @admin.display(description=_("Revision"), ordering="revision__number")
    def revision_number(self, obj: CorrectionNotice) -> int:
        return obj.revision.number

    @admin.display(description=_("Acknowledged"), boolean=True, ordering="acknowledged_at")
    def acknowledged(self, obj: CorrectionNotice) -> bool:
        return obj.acknowledged_at is not None

    @admin.action(description=_("Record an acknowledgement received by staff"))
    def acknowledge_for_partner(
        self, request: HttpRequest, queryset: QuerySet[CorrectionNotice]
    ) -> None:
        for notice in queryset.filter(acknowledged_at__isnull=True):
            licence_correction_acknowledge(
                notice=notice, actor_label=f"staff:{request.user.get_username()}"
            )
        self.message_user(request, "Acknowledgements recorded.", level=messages.SUCCESS)


@admin.register(ComplianceAlert)
class ComplianceAlertAdmin(ReadOnlyAdmin):
    list_display = (
        "licence",
        "partner",
        "kind",
        "count",
        "first_seen",
        "last_seen",
        "referrer",
        "resolved",
    )
    list_filter = ("resolved", "kind")
    list_select_related = ("licence__partner",)
    search_fields = ("=licence__number", "licence__partner__name", "referrer")
    actions = ("resolve",)

    @admin.display(description=_("Partner"), ordering="licence__partner__name")
    def partner(self, obj: ComplianceAlert) -> str:
        return obj.licence.partner.name

    @admin.action(description=_("Mark resolved"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[ComplianceAlert]) -> None:
        for alert in queryset.filter(resolved=False):
            compliance_alert_resolve(alert=alert, actor_label=request.user.get_username())
        self.message_user(request, "Alerts resolved.", level=messages.SUCCESS)


@admin.register(LicenceView)
class LicenceViewAdmin(ReadOnlyAdmin):
    """One row per visitor per day; the hash is not shown (it identifies nobody, but staff have
    no use for it)."""

    list_display = ("licence", "day", "referrer_host", "referrer_path")
    list_filter = ("day",)
    list_select_related = ("licence",)
    search_fields = ("=licence__number", "referrer_host")
    date_hierarchy = "day"
    fields = ("licence", "day", "referrer_host", "referrer_path")


# ---------------------------------------------------------------------------------------------
# Takedown: an action on the catalogue's ArticleAdmin (syndication cannot import licensing)
# ---------------------------------------------------------------------------------------------


class TakeDownForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Sent to every licensee in an urgent notice and kept on the article. Every active "
            "licence for the article is revoked."
        ),
    )


@admin.action(description=_("Take down (withdraw) article"), permissions=["change"])
def take_down_articles(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> TemplateResponse | None:
    applying = "apply" in request.POST
    form = TakeDownForm(request.POST if applying else None)
    if applying and form.is_valid():
        revoked = 0
        for article in queryset:
            revoked += len(
                article_take_down(
                    article=article, actor=request.user, reason=form.cleaned_data["reason"]
                )
            )
        modeladmin.message_user(
            request,
            f"Withdrew {queryset.count()} article(s) and revoked {revoked} licence(s); "
            "the licensees are being told.",
            level=messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Take down (withdraw) articles"),
        "opts": modeladmin.model._meta,
        "articles": list(queryset),
        "form": form,
        "action_name": "take_down_articles",
        "checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/licensing/take_down.html", context)


def _register_take_down() -> None:
    model_admin = admin.site._registry.get(Article)
    if model_admin is not None and take_down_articles not in (model_admin.actions or ()):
        model_admin.actions = (*(model_admin.actions or ()), take_down_articles)


_register_take_down()
