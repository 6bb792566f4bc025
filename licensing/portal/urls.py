"""Routes of the partner portal, including signing in and resetting a password."""

from django.urls import path

from licensing.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/cancel", views.request_cancel, name="request-cancel"),
    path("licences/", views.licence_list, name="licences"),
    path("licences/<str:number>/", views.licence_detail, name="licence-detail"),
    path("licences/<str:number>/renew", views.licence_renew_view, name="licence-renew"),
    path("corrections/", views.correction_list, name="corrections"),
    path(
        "corrections/<int:pk>/acknowledge",
        views.correction_acknowledge,
        name="correction-acknowledge",
    ),
    path("keys/", views.key_list, name="keys"),
    path("keys/<int:pk>/created", views.key_created, name="key-created"),
    path("keys/<int:pk>/revoke", views.key_revoke, name="key-revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/rotate", views.webhook_rotate, name="webhook-rotate"),
    path("webhooks/test", views.webhook_test, name="webhook-test"),
    path("webhooks/deliveries/<int:pk>/", views.delivery_detail, name="delivery-detail"),
    path("webhooks/deliveries/<int:pk>/resend", views.delivery_resend, name="delivery-resend"),
    path("account/", views.account, name="account"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:pk>/receipt", views.receipt, name="receipt"),
]
