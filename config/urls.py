"""Root URLs: the only module that knows every app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# Unknown /api/ routes and API crashes answer in the API's JSON shape; pages get templates/404.html.
handler404 = "syndication.api_errors.page_not_found"
handler500 = "syndication.api_errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("syndication.api_urls")),
    path("api/v1/", include("licensing.api_urls")),
    path("billing/", include("billing.urls")),
    # Django's set_language: the footer's language form posts here, with or without JavaScript.
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("licensing.portal.urls")),
    path("staff/dashboard/", include("licensing.dashboard.urls")),
    path("", include("licensing.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
