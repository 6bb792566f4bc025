"""Public aftercare routes: licence verification, its look-up by number, and the tracking pixel."""

from django.urls import path

from licensing import views_aftercare

urlpatterns = [
    path("licences/verify", views_aftercare.licence_lookup, name="licence-lookup"),
    path("licences/<str:number>/verify", views_aftercare.licence_verify, name="licence-verify"),
    path(
        "licences/<str:number>/verify.json",
        views_aftercare.licence_verify,
        {"as_json": True},
        name="licence-verify-json",
    ),
    path("p/<str:token>.gif", views_aftercare.tracking_pixel, name="tracking-pixel"),
]
