"""Public pages: the republish catalogue, an article's request form with its explained quote
(live with JavaScript, by button without), and the signed request status page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensing import hooks
from licensing.forms import COMMON_COUNTRIES, SERVICE_FIELD_ALIASES, RepublishForm
from licensing.links import request_id_from_status_token, status_path
from licensing.models import (
    Channel,
    Licence,
    LicenceRequest,
    RateCard,
    RequestArticle,
    RequestEvent,
    RequestStatus,
)
from licensing.money import format_money
from licensing.quoting import Quote
from licensing.selectors import licensable_articles, rate_card_in_force
from licensing.services import licence_request_cancel, licence_request_submit, quote_for
from syndication import ratelimit
from syndication.errors import DomainError
from syndication.forms_errors import add_domain_error
from syndication.models import Article, Partner, Publication, SyndicationStatus
from syndication.services import partner_find_or_create_for_contact

log = logging.getLogger(__name__)

PAGE_SIZE = 20
CANCELLABLE = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)

# What each audited action means to the partner reading their timeline.
EVENT_LABELS = {
    "submitted": gettext_lazy("Request received"),
    "in_review": gettext_lazy("Under review by the syndication desk"),
    "approved": gettext_lazy("Approved"),
    "auto_refused": gettext_lazy("Refused automatically"),
    "refused": gettext_lazy("Refused"),
    "awaiting_payment": gettext_lazy("Awaiting payment"),
    "repriced": gettext_lazy("Price changed"),
    "info_requested": gettext_lazy("Question from the syndication desk"),
    "paid": gettext_lazy("Payment received"),
    "fulfilled": gettext_lazy("Licences issued"),
    "cancelled": gettext_lazy("Cancelled"),
    "withdrawn": gettext_lazy("Approval withdrawn"),
    "lapsed": gettext_lazy("Lapsed"),
    "refunded": gettext_lazy("Refunded"),
}


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


# ---------------------------------------------------------------------------------------------
# Presentation helpers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLineView:
    rule: str
    amount: str
    code: str
    article: str  # the headline when the quote covers several articles, else ""


def _line_amount(code: str, amount: Decimal, currency: str) -> str:
    # The base fee is a price; every later line is a change to the running figure.
    text = format_money(amount, currency)
    return f"+{text}" if code != "base" and amount > 0 else text


def present_quote(quote: Quote, *, headlines: dict[int, str] | None = None) -> dict[str, Any]:
    """The quote as the templates show it: every amount already formatted in its currency."""
    headlines = headlines or {}
    several = len({line.article_id for line in quote.lines if line.article_id}) > 1
    cur = quote.currency
    return {
        "lines": [
            QuoteLineView(
                rule=line.rule,
                amount=_line_amount(line.code, line.amount, cur),
                code=line.code,
                article=headlines.get(line.article_id or 0, "") if several else "",
            )
            for line in quote.lines
        ],
        "subtotal": format_money(quote.subtotal, cur),
        "discount": format_money(-quote.discount, cur) if quote.discount else "",
        "total": format_money(quote.total, cur),
        "currency": cur,
        "valid_until": quote.valid_until,
        "free": quote.free,
        "needs_review": quote.needs_review,
        "auto_approve": quote.auto_approve,
        "auto_approve_reason": quote.auto_approve_reason,
        "refusals": [r.reason for r in quote.refusals],
        "exclusions": list(quote.exclusions),
        "priced": bool(quote.lines),
    }


def unavailable_reason(article: Article, *, now: date | None = None) -> str:
    """Why the article cannot be licensed from the public page, or "" when it can."""
    if article.withdrawn_at is not None:
        return _("This article has been withdrawn and can no longer be licensed.")
    if article.syndication_status == SyndicationStatus.NOT_FOR_SYNDICATION:
        return _(
            "This article is not available for syndication: it contains material we do not "
            "have the right to license, or the newsroom has reserved it."
        )
    if article.is_embargoed():
        until = timezone.localtime(article.embargo_until)
        return _("This article is under embargo until %(until)s. It can be licensed from then.") % {
            "until": until.strftime("%d %B %Y, %H:%M %Z")
        }
    return ""


def _member_partner(request: HttpRequest) -> Partner | None:
    """The partner a logged-in partner user acts for; None for everyone else."""
    user = request.user
    if not user.is_authenticated:
        return None
    membership = getattr(user, "partner_membership", None)
    return membership.partner if membership is not None else None


def _initial(request: HttpRequest, partner: Partner | None, card: RateCard) -> dict[str, Any]:
    territories = list(card.territories.all())
    terms = list(card.terms.all())
    initial: dict[str, Any] = {
        "use_type": "web",
        "portion": "full",
        "include_images": True,
        "territory": territories[0].code if territories else "",
        "term": terms[0].code if terms else "",
    }
    user = request.user
    if partner is not None and user.is_authenticated:
        initial.update(
            contact_name=user.get_full_name() or user.get_username(),
            contact_email=user.email,
            outlet=partner.name,
            website=partner.website,
            requester_type=partner.partner_type,
            country=partner.country,
            reach=partner.reach,
        )
    return initial


def _quote_partner(form: RepublishForm, member: Partner | None) -> Partner:
    """Who the quote is priced for. An anonymous visitor is priced as a new, unverified partner
    of the type they give: looking them up by the typed email would let anyone read another
    outlet's contract terms. The filed request is priced for the real partner."""
    if member is not None:
        return member
    data = form.cleaned_data
    return Partner(
        name=data.get("outlet") or "",
        partner_type=data["requester_type"],
        country=data["country"],
        verified=False,
    )


def _quote_context(
    form: RepublishForm, article: Article, member: Partner | None
) -> dict[str, Any] | None:
    """Validate and price the form; errors land on the form. None when there is no price.
    A bad email or another field the price does not depend on leaves the price in view."""
    if not form.priceable:
        return None
    try:
        quote, _card = quote_for(
            partner=_quote_partner(form, member), article_ids=[article.pk], use=form.use_spec()
        )
    except DomainError as exc:
        add_domain_error(form, exc, aliases=SERVICE_FIELD_ALIASES)
        return None
    return present_quote(quote)


def _page_context(request: HttpRequest, article: Article, **extra: Any) -> dict[str, Any]:
    return {
        "publication": article.publication,
        "article": article,
        "show_article": True,
        "countries": COMMON_COUNTRIES,
        "quote_url": reverse("licensing:republish-quote", kwargs={"slug": article.slug}),
        **extra,
    }


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


@require_GET
def republish_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    section = request.GET.get("section", "").strip()[:100]
    # Embargoed copy stays off the public list until it may be read.
    catalogue = licensable_articles().exclude(embargo_until__gt=timezone.now())
    articles = catalogue.only(
        "slug", "headline", "standfirst", "authors", "section", "language", "published_at",
        "syndication_status", "premium",
    )  # fmt: skip
    if q:
        articles = articles.filter(Q(headline__icontains=q) | Q(standfirst__icontains=q))
    if section:
        articles = articles.filter(section=section)
    page = Paginator(articles.order_by("-published_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sections = list(
        catalogue.exclude(section="")
        .order_by("section")
        .values_list("section", flat=True)
        .distinct()
    )
    return render(
        request,
        "licensing/republish_index.html",
        {
            "publication": Publication.current(),
            "page": page,
            "q": q,
            "section": section,
            "sections": sections,
        },
    )


# ---------------------------------------------------------------------------------------------
# The request form
# ---------------------------------------------------------------------------------------------


def _article_or_404(slug: str) -> Article:
    return get_object_or_404(Article.objects.select_related("publication"), slug=slug)


def _card_or_none() -> RateCard | None:
    try:
        return rate_card_in_force()
    except DomainError:
        return None


@require_http_methods(["GET", "POST"])
def republish(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_or_404(slug)
    reason = unavailable_reason(article)
    card = None if reason else _card_or_none()
    if card is None:
        reason = reason or _(
            "We are not taking republishing requests at the moment. Please write to the "
            "syndication desk."
        )
        # Withdrawn and embargoed copy is not shown: only the reason it cannot be licensed.
        show_article = not (article.withdrawn_at or article.is_embargoed())
        return render(
            request,
            "licensing/republish.html",
            _page_context(request, article, reason=reason, show_article=show_article),
        )
    member = _member_partner(request)
    if request.method == "POST" and request.POST.get("action") == "submit":
        return _submit(request, article, card, member)

    quote = None
    if request.method == "POST":
        form = RepublishForm(request.POST, card=card, mode="quote")
        quote = _quote_context(form, article, member)
    else:
        form = RepublishForm(card=card, initial=_initial(request, member, card))
    return render(
        request,
        "licensing/republish.html",
        _page_context(request, article, form=form, quote=quote, card=card, member=member),
    )


def _submit(
    request: HttpRequest, article: Article, card: RateCard, member: Partner | None
) -> HttpResponse:
    allowed = ratelimit.hit(
        scope="republish",
        key=ratelimit.client_ip(request),
        rate=settings.REPUBLISH_RATE_LIMIT,
    )
    if not allowed:
        return render(
            request,
            "licensing/rate_limited.html",
            {"publication": article.publication, "article": article},
            status=429,
        )
    form = RepublishForm(request.POST, card=card, mode="submit")
    if form.honeypot_filled:
        # Look exactly like success so a bot learns nothing; save nothing.
        log.info("republish honeypot filled slug=%s", article.slug)
        return render(
            request,
            "licensing/republish_sent.html",
            {"publication": article.publication, "article": article},
        )
    if form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a refused submission must not leave a new partner behind.
            with transaction.atomic():
                # A signed-in member speaks for its partner. An anonymous visitor whose email
                # matches an existing partner has proved nothing, so staff decide its request.
                partner, trusted_identity = (member, True) if member else (None, False)
                if partner is None:
                    partner, trusted_identity = partner_find_or_create_for_contact(
                        email=data["contact_email"],
                        name=data["contact_name"],
                        outlet=data["outlet"],
                        partner_type=data["requester_type"],
                        country=data["country"],
                        website=data["website"],
                        reach=data["reach"],
                    )
                licence_request = licence_request_submit(
                    partner=partner,
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    article_ids=[article.pk],
                    use=form.use_spec(),
                    terms_accepted=data["accept_terms"],
                    allow_auto_approval=trusted_identity,
                    channel=Channel.WEB,
                    intended_url=data["intended_url"],
                    outlet=data["outlet"],
                    message=data["message"],
                    translation_language=data["translation_language"].strip()
                    if data["translation"]
                    else "",
                    actor=request.user if member is not None else None,
                )
        except DomainError as exc:
            add_domain_error(form, exc, aliases=SERVICE_FIELD_ALIASES)
        else:
            return HttpResponseSeeOther(status_path(licence_request))
    # Keep the price in view while the visitor fixes the form, when the use itself is valid.
    quote = _quote_context(RepublishForm(request.POST, card=card, mode="quote"), article, member)
    return render(
        request,
        "licensing/republish.html",
        _page_context(request, article, form=form, quote=quote, card=card, member=member),
    )


@require_POST
def republish_quote(request: HttpRequest, slug: str) -> HttpResponse:
    """The quote fragment the page's script swaps in as fields change."""
    article = _article_or_404(slug)
    reason = unavailable_reason(article)
    card = None if reason else _card_or_none()
    if card is None:
        return render(request, "licensing/_quote.html", {"reason": reason or _("Unavailable.")})
    form = RepublishForm(request.POST, card=card, mode="quote")
    quote = _quote_context(form, article, _member_partner(request))
    return render(request, "licensing/_quote.html", {"form": form, "quote": quote})


# ---------------------------------------------------------------------------------------------
# The status page
# ---------------------------------------------------------------------------------------------


def _request_for_token(token: str) -> LicenceRequest:
    pk = request_id_from_status_token(token)
    if pk is None:
        raise Http404("Unknown or expired link.")
    return get_object_or_404(
        LicenceRequest.objects.select_related("partner", "rate_card").prefetch_related(
            Prefetch(
                "items",
                queryset=RequestArticle.objects.select_related("article").order_by("position"),
            ),
            Prefetch("events", queryset=RequestEvent.objects.order_by("created_at", "pk")),
            Prefetch(
                "licences",
                queryset=Licence.objects.select_related("article").order_by("number"),
            ),
        ),
        pk=pk,
    )


def _timeline(licence_request: LicenceRequest) -> list[dict[str, Any]]:
    entries = []
    for event in licence_request.events.all():
        note = event.note
        if event.action == "repriced" and {"from", "to"} <= event.data.keys():
            cur = event.data.get("currency", licence_request.currency)
            change = _("From %(old)s to %(new)s.") % {
                "old": format_money(Decimal(event.data["from"]), cur),
                "new": format_money(Decimal(event.data["to"]), cur),
            }
            note = f"{change} {note}".strip()
        # Who acted is deliberately left out: staff names stay inside the building.
        label = EVENT_LABELS.get(event.action) or event.action.replace("_", " ").capitalize()
        entries.append(
            {
                "label": label,
                "at": event.created_at,
                "note": note,
            }
        )
    return entries


def _option_label(queryset: Any, code: str) -> str:
    option = queryset.filter(code=code).only("label").first()
    return option.label if option is not None else code


@require_GET
def request_status(request: HttpRequest, token: str) -> HttpResponse:
    licence_request = _request_for_token(token)
    items = list(licence_request.items.all())
    headlines = {item.article_id: item.article.headline for item in items}
    quote = present_quote(Quote.from_dict(licence_request.quote), headlines=headlines)
    card = licence_request.rate_card
    return render(
        request,
        "licensing/request_status.html",
        {
            "publication": Publication.current(),
            "licence_request": licence_request,
            "items": items,
            "timeline": _timeline(licence_request),
            "quote": quote,
            "licences": list(licence_request.licences.all()),
            "territory_label": _option_label(card.territories, licence_request.territory),
            "term_label": _option_label(card.terms, licence_request.term),
            "can_cancel": licence_request.status in CANCELLABLE,
            "payment": hooks.payment_info(licence_request),
            "token": token,
            "S": RequestStatus,
        },
    )


@require_POST
def request_cancel(request: HttpRequest, token: str) -> HttpResponse:
    licence_request = _request_for_token(token)
    reason = request.POST.get("reason", "").strip()[:2000]
    try:
        licence_request_cancel(
            request=licence_request, actor_label="partner:status-page", reason=reason
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request has been cancelled."))
    return HttpResponseSeeOther(reverse("licensing:request-status", kwargs={"token": token}))
