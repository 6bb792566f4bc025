"""Pages of the partner portal. A partner user sees only its own partner's objects: every lookup
goes through a queryset scoped to that partner, so anything else is a 404. Writes are POSTs that
call services; a service's DomainError lands beside the field it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensing import hooks
from licensing.aftercare import (
    corrections_for_partner,
    licence_correction_acknowledge,
    licence_renew,
    licence_renewal_prefill,
    licence_verify_url,
)
from licensing.models import (
    OPEN_STATUSES,
    Licence,
    LicenceRequest,
    LicenceStatus,
    RequestEvent,
    RequestStatus,
)
from licensing.money import format_money
from licensing.package_models import PackageFormat
from licensing.packages import download_link, download_name, latest_packages, package_refusal
from licensing.portal.forms import (
    ApiKeyCreateForm,
    CancelForm,
    RenewForm,
    RequestFilterForm,
    WebhookEndpointForm,
)
from licensing.quoting import Quote
from licensing.selectors import licences_for_partner, requests_for_partner
from licensing.services import licence_request_cancel
from licensing.views import HttpResponseSeeOther, _timeline, present_quote
from syndication.errors import DomainError
from syndication.forms_errors import add_domain_error
from syndication.models import ApiKey, Partner, Publication
from syndication.services import api_key_create, api_key_revoke
from syndication.webhooks import (
    deliveries_for_partner,
    webhook_delivery_resend,
    webhook_endpoint_for,
    webhook_endpoint_set,
    webhook_test_send,
)

PAGE_SIZE = 25
EXPIRING_WITHIN_DAYS = 30
NEW_KEY_SESSION = "portal.new_api_key"
RENEWABLE = (LicenceStatus.ACTIVE, LicenceStatus.EXPIRED)

PartnerView = Callable[..., HttpResponse]


# ---------------------------------------------------------------------------------------------
# Access and shared pieces
# ---------------------------------------------------------------------------------------------


def partner_required(view: PartnerView) -> Callable[..., HttpResponse]:
    """Signed-in partner users only; the view receives the partner it acts for. Anyone else who
    is signed in (staff without a membership) gets a polite 403 page, not a login loop."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = getattr(request.user, "partner_membership", None)
        if membership is None:
            return render(
                request,
                "portal/forbidden.html",
                {"publication": Publication.current()},
                status=403,
            )
        return view(request, membership.partner, *args, **kwargs)

    return wrapped


def _render(
    request: HttpRequest,
    template: str,
    partner: Partner,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    base = {"publication": Publication.current(), "partner": partner, "S": RequestStatus}
    return render(request, template, {**base, **(context or {})}, status=status)


def _actor_label(request: HttpRequest) -> str:
    return f"portal:{request.user.get_username()}"


def _posted(request: HttpRequest) -> Any:
    # An empty POST is still a submission: `request.POST or None` would leave the form unbound.
    return request.POST if request.method == "POST" else None


def _page(request: HttpRequest, queryset: Any) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_totals(requests: Any) -> Any:
    for item in requests:
        item.total_display = format_money(item.total, item.currency)
    return requests


# ---------------------------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------------------------


@require_GET
@partner_required
def home(request: HttpRequest, partner: Partner) -> HttpResponse:
    today = timezone.localdate()
    awaiting = list(
        LicenceRequest.objects.filter(partner=partner, status=RequestStatus.AWAITING_PAYMENT)
        .select_related("partner")
        .annotate(article_count=Count("items"))
        .order_by("valid_until", "pk")
    )
    expiring = list(
        licences_for_partner(partner)
        .filter(
            status=LicenceStatus.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS),
        )
        .order_by("ends_on", "number")
    )
    corrections = list(corrections_for_partner(partner, acknowledged=False)[:PAGE_SIZE])
    payments = hooks.payment_infos(awaiting)
    return _render(
        request,
        "portal/home.html",
        partner,
        {
            "awaiting": [{"request": r, "payment": payments[r.pk]} for r in _with_totals(awaiting)],
            "expiring": expiring,
            "corrections": corrections,
            "expiring_days": EXPIRING_WITHIN_DAYS,
            "nav": "home",
        },
    )


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


@require_GET
@partner_required
def request_list(request: HttpRequest, partner: Partner) -> HttpResponse:
    form = RequestFilterForm(request.GET or None)
    queryset = (
        LicenceRequest.objects.filter(partner=partner)
        .annotate(article_count=Count("items"))
        .order_by("-created_at", "-pk")
    )
    if form.is_valid() and form.cleaned_data["status"]:
        queryset = queryset.filter(status=form.cleaned_data["status"])
    page = _page(request, queryset)
    _with_totals(page.object_list)
    return _render(
        request,
        "portal/request_list.html",
        partner,
        {"form": form, "page": page, "status": form.data.get("status", ""), "nav": "requests"},
    )


def _partner_request(partner: Partner, pk: int) -> LicenceRequest:
    return get_object_or_404(
        requests_for_partner(partner).prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.order_by("created_at", "pk"))
        ),
        pk=pk,
    )


def _request_page(
    request: HttpRequest, partner: Partner, licence_request: LicenceRequest, **extra: Any
) -> HttpResponse:
    items = list(licence_request.items.all())
    headlines = {item.article_id: item.article.headline for item in items}
    card = licence_request.rate_card
    territory = card.territories.filter(code=licence_request.territory).first()
    term = card.terms.filter(code=licence_request.term).first()
    can_cancel = licence_request.status in OPEN_STATUSES
    return _render(
        request,
        "portal/request_detail.html",
        partner,
        {
            "licence_request": licence_request,
            "items": items,
            "quote": present_quote(Quote.from_dict(licence_request.quote), headlines=headlines),
            "timeline": _timeline(licence_request),
            "licences": list(
                licences_for_partner(partner).filter(request=licence_request).order_by("number")
            ),
            "territory_label": territory.label if territory else licence_request.territory,
            "term_label": term.label if term else licence_request.term,
            "payment": hooks.payment_info(licence_request),
            "total_display": format_money(licence_request.total, licence_request.currency),
            "can_cancel": can_cancel,
            "cancel_form": extra.pop("cancel_form", None) or (CancelForm() if can_cancel else None),
            "nav": "requests",
            **extra,
        },
    )


@require_GET
@partner_required
def request_detail(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    return _request_page(request, partner, _partner_request(partner, pk))


@require_POST
@partner_required
def request_cancel(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    licence_request = _partner_request(partner, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            licence_request_cancel(
                request=licence_request,
                actor=request.user,
                actor_label=_actor_label(request),
                reason=form.cleaned_data["reason"].strip(),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your request has been cancelled."))
        return HttpResponseSeeOther(reverse("portal:request-detail", args=[pk]))
    return _request_page(request, partner, licence_request, cancel_form=form)


# ---------------------------------------------------------------------------------------------
# Licences, downloads and renewal
# ---------------------------------------------------------------------------------------------


@require_GET
@partner_required
def licence_list(request: HttpRequest, partner: Partner) -> HttpResponse:
    status = request.GET.get("status", "")
    queryset = licences_for_partner(partner).order_by("-issued_at", "-pk")
    if status in LicenceStatus.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    return _render(
        request,
        "portal/licence_list.html",
        partner,
        {
            "page": _page(request, queryset),
            "status": status,
            "statuses": LicenceStatus.choices,
            "nav": "licences",
        },
    )


def _partner_licence(partner: Partner, number: str) -> Licence:
    return get_object_or_404(licences_for_partner(partner).select_related("request"), number=number)


def _snippet(packages: list[Any]) -> str:
    """The CMS snippet's HTML, read from its stored package."""
    for package in packages:
        if package.format == PackageFormat.SNIPPET:
            with package.file.open("rb") as handle:
                return handle.read().decode("utf-8")
    return ""


@require_GET
@partner_required
def licence_detail(request: HttpRequest, partner: Partner, number: str) -> HttpResponse:
    licence = _partner_licence(partner, number)
    refusal = package_refusal(licence)
    packages = latest_packages(licence) if refusal is None else []
    downloads = [
        {
            "label": package.get_format_display(),
            "name": download_name(package),
            "size": package.size,
            "url": download_link(package),
        }
        for package in packages
    ]
    return _render(
        request,
        "portal/licence_detail.html",
        partner,
        {
            "licence": licence,
            "fee_display": format_money(licence.fee, licence.currency),
            "refusal": refusal.message if refusal else "",
            "downloads": downloads,
            "snippet": _snippet(packages),
            "verify_url": licence_verify_url(licence),
            "renewable": licence.status in RENEWABLE and licence.article.withdrawn_at is None,
            "nav": "licences",
        },
    )


@require_http_methods(["GET", "POST"])
@partner_required
def licence_renew_view(request: HttpRequest, partner: Partner, number: str) -> HttpResponse:
    licence = _partner_licence(partner, number)
    form = RenewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            renewal = licence_renew(
                licence=licence,
                terms_accepted=form.cleaned_data["accept_terms"],
                actor_label=_actor_label(request),
                channel="web",
                contact_email=getattr(request.user, "email", ""),
                contact_name=getattr(request.user, "get_full_name", str)(),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Renewal filed as request %(number)s.") % {"number": renewal.pk},
            )
            return HttpResponseSeeOther(reverse("portal:request-detail", args=[renewal.pk]))
    prefill = licence_renewal_prefill(licence=licence)
    quote = present_quote(Quote.from_dict(prefill["quote"])) if prefill["quote"] else None
    return _render(
        request,
        "portal/licence_renew.html",
        partner,
        {
            "licence": licence,
            "form": form,
            "quote": quote,
            "reason": prefill["quote_error"],
            "renewable": licence.status in RENEWABLE and licence.article.withdrawn_at is None,
            "nav": "licences",
        },
    )


# ---------------------------------------------------------------------------------------------
# Corrections
# ---------------------------------------------------------------------------------------------


@require_GET
@partner_required
def correction_list(request: HttpRequest, partner: Partner) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    queryset = corrections_for_partner(partner, acknowledged=None if show_all else False)
    return _render(
        request,
        "portal/correction_list.html",
        partner,
        {"page": _page(request, queryset), "show_all": show_all, "nav": "corrections"},
    )


@require_POST
@partner_required
def correction_acknowledge(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    notice = get_object_or_404(corrections_for_partner(partner), pk=pk)
    was_new = notice.acknowledged_at is None
    licence_correction_acknowledge(notice=notice, actor_label=_actor_label(request))
    if was_new:
        messages.success(
            request,
            _("Thank you: the correction to licence %(number)s is acknowledged.")
            % {"number": notice.licence.number},
        )
    return HttpResponseSeeOther(reverse("portal:corrections"))


# ---------------------------------------------------------------------------------------------
# API keys
# ---------------------------------------------------------------------------------------------


def _keys(partner: Partner) -> Any:
    return ApiKey.objects.filter(partner=partner).order_by("revoked_at", "-created_at", "-pk")


@require_http_methods(["GET", "POST"])
@partner_required
def key_list(request: HttpRequest, partner: Partner) -> HttpResponse:
    form = ApiKeyCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_key_create(
                partner=partner, name=form.cleaned_data["name"], actor=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # Kept in the session only until the next page shows it once and drops it.
            request.session[NEW_KEY_SESSION] = {"id": issued.api_key.pk, "raw": issued.raw_key}
            return HttpResponseSeeOther(reverse("portal:key-created", args=[issued.api_key.pk]))
    return _render(
        request,
        "portal/key_list.html",
        partner,
        {"keys": _keys(partner), "form": form, "nav": "keys"},
    )


@never_cache
@require_GET
@partner_required
def key_created(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    key = get_object_or_404(_keys(partner), pk=pk)
    shown = request.session.get(NEW_KEY_SESSION) or {}
    raw_key = shown.get("raw") if shown.get("id") == key.pk else None
    if raw_key is not None:
        del request.session[NEW_KEY_SESSION]
    # never_cache marks the page no-store: the key must not sit in a browser or proxy cache.
    return _render(
        request, "portal/key_created.html", partner, {"key": key, "raw_key": raw_key, "nav": "keys"}
    )


@require_http_methods(["GET", "POST"])
@partner_required
def key_revoke(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    key = get_object_or_404(_keys(partner), pk=pk)
    if request.method == "POST":
        api_key_revoke(api_key=key, actor=request.user)
        messages.success(request, _("The key %(prefix)s is revoked.") % {"prefix": key.prefix})
        return HttpResponseSeeOther(reverse("portal:keys"))
    return _render(request, "portal/key_revoke.html", partner, {"key": key, "nav": "keys"})


# ---------------------------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@partner_required
def webhooks(request: HttpRequest, partner: Partner) -> HttpResponse:
    endpoint = webhook_endpoint_for(partner)
    initial = {"url": endpoint.url, "active": endpoint.active} if endpoint else {"active": True}
    form = WebhookEndpointForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_set(
                partner=partner, url=form.cleaned_data["url"], active=form.cleaned_data["active"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your webhook settings are saved."))
            return HttpResponseSeeOther(reverse("portal:webhooks"))
    deliveries = deliveries_for_partner(partner).order_by("-created_at", "-pk")
    return _render(
        request,
        "portal/webhooks.html",
        partner,
        {"endpoint": endpoint, "form": form, "page": _page(request, deliveries), "nav": "webhooks"},
    )


def _endpoint_or_404(partner: Partner) -> Any:
    endpoint = webhook_endpoint_for(partner)
    if endpoint is None:
        raise Http404("No webhook endpoint is set.")
    return endpoint


@require_POST
@partner_required
def webhook_rotate(request: HttpRequest, partner: Partner) -> HttpResponse:
    endpoint = _endpoint_or_404(partner)
    webhook_endpoint_set(
        partner=partner, url=endpoint.url, active=endpoint.active, rotate_secret=True
    )
    messages.success(request, _("A new signing secret is in place; update your receiver."))
    return HttpResponseSeeOther(reverse("portal:webhooks"))


@require_POST
@partner_required
def webhook_test(request: HttpRequest, partner: Partner) -> HttpResponse:
    try:
        webhook_test_send(endpoint=_endpoint_or_404(partner))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A test event is on its way; its delivery is listed below."))
    return HttpResponseSeeOther(reverse("portal:webhooks"))


@require_GET
@partner_required
def delivery_detail(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    delivery = get_object_or_404(deliveries_for_partner(partner), pk=pk)
    return _render(
        request,
        "portal/delivery_detail.html",
        partner,
        {
            "delivery": delivery,
            "payload_json": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
            "nav": "webhooks",
        },
    )


@require_POST
@partner_required
def delivery_resend(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    delivery = get_object_or_404(deliveries_for_partner(partner), pk=pk)
    try:
        webhook_delivery_resend(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event is being sent again."))
    return HttpResponseSeeOther(reverse("portal:webhooks"))


# ---------------------------------------------------------------------------------------------
# Account and payments
# ---------------------------------------------------------------------------------------------


@require_GET
@partner_required
def account(request: HttpRequest, partner: Partner) -> HttpResponse:
    contract = ""
    if partner.contract_fixed_price is not None:
        contract = format_money(partner.contract_fixed_price, partner.contract_currency or "GBP")
    return _render(
        request,
        "portal/account.html",
        partner,
        {"contacts": list(partner.contacts.all()), "contract_price": contract, "nav": "account"},
    )


def _present_payment(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        **payment,
        "amount_display": format_money(payment["amount"], payment["currency"]),
        "refunded_display": format_money(payment["amount_refunded"], payment["currency"])
        if payment["amount_refunded"]
        else "",
    }


@require_GET
@partner_required
def payments(request: HttpRequest, partner: Partner) -> HttpResponse:
    rows = [_present_payment(p) for p in hooks.payments_for_partner(partner)]
    return _render(request, "portal/payments.html", partner, {"payments": rows, "nav": "payments"})


@require_GET
@partner_required
def receipt(request: HttpRequest, partner: Partner, pk: int) -> HttpResponse:
    found = [p for p in hooks.payments_for_partner(partner) if p["id"] == pk and p["settled"]]
    if not found:
        raise Http404("No such receipt.")
    payment = _present_payment(found[0])
    licence_request = get_object_or_404(
        LicenceRequest.objects.filter(partner=partner), pk=payment["request_id"]
    )
    return _render(
        request,
        "portal/receipt.html",
        partner,
        {"payment": payment, "licence_request": licence_request, "nav": "payments"},
    )


# ---------------------------------------------------------------------------------------------
# Signing in and out
# ---------------------------------------------------------------------------------------------


class PublicationContextMixin:
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["publication"] = Publication.current()
        return context


class LoginView(PublicationContextMixin, auth_views.LoginView):
    template_name = "registration/portal_login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")  # type: ignore[assignment]  # a lazy URL is a str


class PasswordResetView(PublicationContextMixin, auth_views.PasswordResetView):
    template_name = "registration/portal_password_reset_form.html"
    email_template_name = "registration/portal_password_reset_email.txt"
    subject_template_name = "registration/portal_password_reset_subject.txt"
    success_url = reverse_lazy("portal:password-reset-done")


class PasswordResetDoneView(PublicationContextMixin, auth_views.PasswordResetDoneView):
    template_name = "registration/portal_password_reset_done.html"


class PasswordResetConfirmView(PublicationContextMixin, auth_views.PasswordResetConfirmView):
    template_name = "registration/portal_password_reset_confirm.html"
    success_url = reverse_lazy("portal:password-reset-complete")


class PasswordResetCompleteView(PublicationContextMixin, auth_views.PasswordResetCompleteView):
    template_name = "registration/portal_password_reset_complete.html"
