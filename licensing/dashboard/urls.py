"""Routes of the staff dashboard."""

from django.urls import path

from licensing.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/<slug:kind>.csv", views.export, name="export"),
]
