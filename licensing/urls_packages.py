"""Public package routes: signed download links and the bundle signing key."""

from django.urls import path

from licensing import views_packages

urlpatterns = [
    path("downloads/<str:token>", views_packages.package_download, name="package-download"),
    path(
        ".well-known/republish-signing-key",
        views_packages.signing_key,
        name="package-signing-key",
    ),
    path("packages/signing-key.json", views_packages.signing_key, name="package-signing-key-json"),
]
