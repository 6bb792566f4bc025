"""Public pages of the licensing app: the republish catalogue and form, and request status."""

from django.urls import include, path

from licensing import views

app_name = "licensing"

urlpatterns = [
    path("republish/", views.republish_index, name="republish-index"),
    path("republish/<slug:slug>/", views.republish, name="republish"),
    path("republish/<slug:slug>/quote", views.republish_quote, name="republish-quote"),
    path("requests/<str:token>/", views.request_status, name="request-status"),
    path("requests/<str:token>/cancel", views.request_cancel, name="request-cancel"),
    path("", include("licensing.urls_aftercare")),
    path("", include("licensing.urls_packages")),
]
