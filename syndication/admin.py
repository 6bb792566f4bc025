"""Staff admin for the catalogue and the partner records. Writes with business meaning
(article revisions, picture rights decisions, API keys) go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from syndication.importing import media_set_distributable
from syndication.models import (
    ApiKey,
    Article,
    ArticleRevision,
    Media,
    Partner,
    PartnerContact,
    PartnerMembership,
    Publication,
)
from syndication.services import api_key_create, api_key_revoke, article_create, article_update


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("name", "site_url", "licence_prefix", "default_currency", "copyright_holder")


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Withdrawn")), ("no", _("Live"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        return queryset


class MediaInline(admin.TabularInline):
    """Pictures come from the newsroom feed; staff only decide whether each may be passed on."""

    model = Media
    extra = 0
    can_delete = False
    fields = (
        "position",
        "source_url",
        "caption",
        "credit",
        "rights_holder",
        "distributable",
        "distributable_set_by_staff",
    )
    readonly_fields = (
        "position",
        "source_url",
        "caption",
        "credit",
        "rights_holder",
        "distributable_set_by_staff",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "headline", "correction_note", "created_at", "created_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ArticleRevision]:
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ArticleAdminForm(forms.ModelForm):
    correction_note = forms.CharField(
        label=_("Correction note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Shown to licensees with the new revision when the headline, standfirst or body "
            "changes."
        ),
    )

    class Meta:
        model = Article
        fields = (
            "publication",
            "headline",
            "standfirst",
            "body_html",
            "uri",
            "canonical_url",
            "slug",
            "language",
            "authors",
            "dateline",
            "section",
            "tags",
            "published_at",
            "updated_at",
            "syndication_status",
            "embargo_until",
            "premium",
        )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The service makes a slug from the headline and falls back to the canonical URL for
        # the uri when staff leave them empty.
        for name in ("slug", "uri"):
            if name in self.fields:
                self.fields[name].required = False


# Columns the form may change; the rest belong to the services (revisions, takedowns).
ARTICLE_SERVICE_FIELDS = (
    "word_count",
    "current_revision",
    "withdrawn_at",
    "withdrawn_reason",
    "created_at",
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "headline",
        "section",
        "language",
        "syndication_status",
        "premium",
        "published_at",
        "current_revision",
        "withdrawn_at",
    )
    list_filter = (
        "syndication_status",
        "section",
        "language",
        "premium",
        WithdrawnFilter,
    )
    list_select_related = ("publication",)
    search_fields = ("headline", "slug", "uri")
    date_hierarchy = "published_at"
    readonly_fields = ARTICLE_SERVICE_FIELDS
    inlines = (MediaInline, ArticleRevisionInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "publication",
                    "headline",
                    "standfirst",
                    "body_html",
                    "correction_note",
                )
            },
        ),
        (
            _("Identity"),
            {"fields": ("uri", "canonical_url", "slug", "language")},
        ),
        (
            _("Metadata"),
            {
                "fields": (
                    "authors",
                    "dateline",
                    "section",
                    "tags",
                    "published_at",
                    "updated_at",
                )
            },
        ),
        (
            _("Syndication"),
            {"fields": ("syndication_status", "embargo_until", "premium")},
        ),
        (
            _("Record"),
            {"fields": ARTICLE_SERVICE_FIELDS},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        model_fields = {f.name for f in Article._meta.concrete_fields}
        if change:
            # The form has already copied its values onto obj; the service re-reads the row and
            # compares, so only the changed columns are passed.
            fields = {
                name: form.cleaned_data[name] for name in form.changed_data if name in model_fields
            }
            article, _revision = article_update(
                article=obj,
                actor=request.user,
                correction_note=form.cleaned_data.get("correction_note", ""),
                **fields,
            )
        else:
            fields = {
                name: value
                for name, value in form.cleaned_data.items()
                if name in model_fields and value not in (None, "")
            }
            article = article_create(actor=request.user, **fields)
        # The admin goes on to save inlines, log and redirect with obj: make it the saved row.
        obj.pk = article.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        # The admin's change message reads what formset.save() would have recorded.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Media:
            return  # revisions are read-only
        for media_form in formset.forms:
            if media_form.instance.pk and "distributable" in media_form.changed_data:
                media = media_set_distributable(
                    media=media_form.instance,
                    distributable=media_form.cleaned_data["distributable"],
                    actor=request.user,
                )
                formset.changed_objects.append((media, ["distributable"]))


# ---------------------------------------------------------------------------------------------
# Partners and API keys
# ---------------------------------------------------------------------------------------------


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0
    fields = ("name", "email", "role", "receives_notices")


class PartnerMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerMembership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "partner_type",
        "country",
        "verified",
        "trusted",
        "payment_method",
        "monthly_uniques",
        "created_at",
    )
    list_filter = ("partner_type", "verified", "trusted", "country", "payment_method")
    search_fields = ("name", "billing_email", "website", "contacts__email", "contacts__name")
    inlines = (PartnerContactInline, PartnerMembershipInline)
    readonly_fields = ("created_at",)


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("partner", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "partner", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("partner",)
    search_fields = ("prefix", "name", "partner__name")
    raw_id_fields = ("partner",)
    actions = ("revoke_selected",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("partner", "name")
        return (
            "partner",
            "name",
            "prefix",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A key is issued and revoked, never edited; the digest is not shown at all.
        return self.get_fields(request, obj) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row is the record that the key existed

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        issued = api_key_create(
            partner=form.cleaned_data["partner"], name=form.cleaned_data["name"], actor=request.user
        )
        obj.pk = issued.api_key.pk
        obj.refresh_from_db()
        obj._state.adding = False
        # Shown once, here; only the digest is stored.
        self.message_user(
            request,
            f"New API key for {issued.api_key.partner}: {issued.raw_key} (copy it now: it will "
            "not be shown again).",
            level=messages.SUCCESS,
        )

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=key, actor=request.user)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).", level=messages.SUCCESS)


from syndication import admin_webhooks  # noqa: E402,F401
