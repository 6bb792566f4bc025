"""Routes of the partner API v1, mounted under /api/v1/. Paths have no trailing slash."""

from django.urls import include, path

from licensing.api import views

urlpatterns = [
    path("quotes", views.QuoteApi.as_view(), name="api-quotes"),
    path("requests", views.RequestsApi.as_view(), name="api-requests"),
    path("requests/<int:pk>", views.RequestDetailApi.as_view(), name="api-request"),
    path("requests/<int:pk>/cancel", views.RequestCancelApi.as_view(), name="api-request-cancel"),
    path("articles", views.ArticlesApi.as_view(), name="api-articles"),
    path("licences", views.LicencesApi.as_view(), name="api-licences"),
    path("licences/<str:number>", views.LicenceDetailApi.as_view(), name="api-licence"),
    path("", include("licensing.api_aftercare")),
    path("", include("licensing.api_packages")),
]
