"""Public package routes: signed download links (packages, and the kill notice of a takedown)
and the bundle signing key."""

from django.urls import path

from licensing import views_packages

urlpatterns = [
    path("downloads/<str:token>", views_packages.package_download, name="package-download"),
    path(
        "downloads/kill-notice/<str:token>",
        views_packages.kill_notice_download,
        name="kill-notice-download",
    ),
    path(
        ".well-known/republish-signing-key",
        views_packages.signing_key,
        name="package-signing-key",
    ),
    path("packages/signing-key.json", views_packages.signing_key, name="package-signing-key-json"),
]
