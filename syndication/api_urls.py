"""The catalogue's API routes, mounted under /api/v1/."""

from django.urls import include, path

from syndication.api import StaffArticleImportView

urlpatterns = [
    path("staff/articles", StaffArticleImportView.as_view(), name="staff-articles-import"),
    path("", include("syndication.api_webhooks")),
]
