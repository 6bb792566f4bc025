"""Every change to a licence request, one function per transition. Each locks the request row,
re-checks its state, is a no-op when the request is already where it should be, writes one audit
row per transition, and queues the emails for after the commit."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from licensing import hooks, tasks
from licensing.models import (
    TRANSITIONS,
    Licence,
    LicenceNumberSequence,
    LicenceRequest,
    LicenceStatus,
    RequestArticle,
    RequestEvent,
    RequestStatus,
)
from licensing.money import quantize
from licensing.quoting import (
    LineItem,
    Quote,
    QuoteError,
    TerritoryOption,
    UseSpec,
    compute_quote,
    territory_label,
)
from licensing.selectors import (
    article_facts,
    articles_for_quote,
    partner_facts,
    rate_card_data,
    rate_card_in_force,
)
from syndication.errors import Conflict, DomainError
from syndication.models import ArticleRevision, Partner, Publication

log = logging.getLogger(__name__)
S = RequestStatus
OPEN = (S.SUBMITTED, S.IN_REVIEW)


# ---------------------------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------------------------


def quote_for(
    *, partner: Partner, article_ids: list[int], use: UseSpec, today: date | None = None
) -> tuple[Quote, Any]:
    """Price a use for a partner with the card in force. Saves nothing.

    Returns the quote and the RateCard row it came from."""
    if not article_ids:
        raise DomainError("Choose at least one article.", field="articles")
    if len(set(article_ids)) != len(article_ids):
        raise DomainError("An article is listed twice.", field="articles")
    today = today or timezone.localdate()
    card = rate_card_in_force(on=today)
    articles = articles_for_quote(article_ids)
    try:
        quote = compute_quote(
            rate_card_data(card),
            use,
            [article_facts(a) for a in articles],
            partner_facts(partner, today=today),
            today=today,
            now=timezone.now(),
        )
    except QuoteError as exc:
        raise DomainError(exc.message, field=exc.field) from exc
    return quote, card


# ---------------------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------------------


def _actor_fields(actor: Any, actor_label: str) -> dict[str, Any]:
    user = actor if getattr(actor, "pk", None) and hasattr(actor, "get_username") else None
    label = actor_label or (user.get_username() if user else "system")
    return {"actor": user, "actor_label": label}


def _record(
    request: LicenceRequest,
    *,
    action: str,
    from_status: str,
    to_status: str,
    actor: Any,
    actor_label: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    key: str = "",
) -> RequestEvent:
    event = RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        key=key,
        **_actor_fields(actor, actor_label),
    )
    # Emails are sent after the commit, by a task that re-reads the event by id.
    transaction.on_commit(
        lambda: tasks.send_request_notice.enqueue(request_id=request.pk, event_id=event.pk)
    )
    log.info(
        "request=%s action=%s %s->%s by=%s",
        request.pk,
        action,
        from_status,
        to_status,
        event.actor_label,
    )
    return event


def _move(
    request: LicenceRequest,
    to: str,
    *,
    action: str,
    actor: Any,
    actor_label: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    """Move a request the caller has locked. Refuses any move the transition table forbids."""
    current = request.status
    if to not in TRANSITIONS[current]:
        raise Conflict(
            f"A request that is {request.get_status_display().lower()} cannot become "
            f"{RequestStatus(to).label.lower()}.",
            field="status",
            code="invalid_transition",
        )
    request.status = to
    request.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at", "updated_at"]
    # The decision note is what the desk tells the partner; automatic approvals keep their
    # reason in the audit row only.
    noted = {"refused", "auto_refused", "cancelled", "withdrawn"} | (
        {"approved"} if actor else set()
    )
    if note and action in noted:
        request.decision_note = note
        fields.append("decision_note")
    if to not in OPEN and request.info_requested_at is not None:
        request.info_requested_at = None
        fields.append("info_requested_at")
    request.save(update_fields=fields)
    return _record(
        request,
        action=action,
        from_status=current,
        to_status=to,
        actor=actor,
        actor_label=actor_label,
        note=note,
        data=data,
    )


def _lock(request: LicenceRequest | int) -> LicenceRequest:
    pk = request if isinstance(request, int) else request.pk
    return LicenceRequest.objects.select_for_update().select_related("partner").get(pk=pk)


@transaction.atomic
def licence_request_submit(
    *,
    partner: Partner,
    contact_name: str,
    contact_email: str,
    article_ids: list[int],
    use: UseSpec,
    terms_accepted: bool,
    allow_auto_approval: bool = True,
    channel: str = "web",
    intended_url: str = "",
    outlet: str = "",
    message: str = "",
    translation_language: str = "",
    actor: Any = None,
    actor_label: str = "",
) -> LicenceRequest:
    """File a request at the quoted price, then decide what the rate card decides on its own:
    refuse what can never be licensed, approve what the card approves automatically.

    `allow_auto_approval=False` leaves even an approvable quote to staff: for requesters who have
    not proved they speak for the partner (an anonymous form matched by email)."""
    if not terms_accepted:
        raise DomainError("Accept the licence terms to send the request.", field="accept_terms")
    if not contact_email:
        raise DomainError("Give an email address for the status link.", field="contact_email")
    if partner.contract_monthly_allowance is not None:
        # Two requests filed at once must not both take the last article of the allowance: the
        # partner row serialises pricing against what the month has used (a no-op on SQLite,
        # whose writers are serialised already).
        list(Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk"))
    quote, card = quote_for(partner=partner, article_ids=article_ids, use=use)
    now = timezone.now()
    request = LicenceRequest.objects.create(
        partner=partner,
        contact_name=contact_name,
        contact_email=contact_email,
        channel=channel,
        use_type=use.use_type,
        portion=use.portion,
        excerpt_words=use.excerpt_words,
        territory=use.territory,
        term=use.term,
        exclusive=use.exclusive,
        translation=use.translation,
        translation_language=translation_language,
        include_images=use.include_images,
        reach=use.reach,
        intended_url=intended_url,
        outlet=outlet,
        message=message,
        rate_card=card,
        quote=quote.to_dict(),
        total=quote.total,
        currency=quote.currency,
        valid_until=quote.valid_until,
        terms_accepted_at=now,
    )
    revisions = _current_revisions(article_ids)
    RequestArticle.objects.bulk_create(
        RequestArticle(request=request, article_id=aid, revision=revisions[aid], position=i)
        for i, aid in enumerate(article_ids)
    )
    _record(
        request,
        action="submitted",
        from_status="",
        to_status=S.SUBMITTED,
        actor=actor,
        actor_label=actor_label or f"partner:{partner.name}",
        data={"total": str(quote.total), "currency": quote.currency, "channel": channel},
    )
    if quote.refusals:
        reasons = " ".join(r.reason for r in quote.refusals)
        _move(
            request,
            S.REFUSED,
            action="auto_refused",
            actor=None,
            actor_label="system",
            note=reasons,
            data={"refusals": [r.code for r in quote.refusals]},
        )
    elif quote.auto_approve and allow_auto_approval:
        _approve_locked(request, actor=None, actor_label="system", note=quote.auto_approve_reason)
    return request


def _current_revisions(article_ids: list[int]) -> dict[int, ArticleRevision]:
    latest: dict[int, ArticleRevision] = {}
    for rev in ArticleRevision.objects.filter(article_id__in=article_ids).order_by("number"):
        latest[rev.article_id] = rev
    missing = [aid for aid in article_ids if aid not in latest]
    if missing:
        raise DomainError("An article has no published revision yet.", field="articles")
    return latest


@transaction.atomic
def licence_request_start_review(
    *, request: LicenceRequest, actor: Any, note: str = ""
) -> LicenceRequest:
    request = _lock(request)
    if request.status == S.IN_REVIEW:
        return request
    _move(request, S.IN_REVIEW, action="in_review", actor=actor, actor_label="", note=note)
    return request


def _approve_locked(
    request: LicenceRequest, *, actor: Any, actor_label: str, note: str
) -> LicenceRequest:
    # Give the partner time to pay even when staff approve near the end of the quote's life.
    window = timezone.localdate() + timedelta(days=settings.PAYMENT_WINDOW_DAYS)
    if request.valid_until < window:
        request.valid_until = window
        request.save(update_fields=["valid_until"])
    _move(request, S.APPROVED, action="approved", actor=actor, actor_label=actor_label, note=note)
    if request.total == 0:
        _fulfil_locked(request, actor=actor, actor_label=actor_label)
    else:
        _move(
            request,
            S.AWAITING_PAYMENT,
            action="awaiting_payment",
            actor=actor,
            actor_label=actor_label,
            data={"total": str(request.total), "currency": request.currency},
        )
        hooks.fire_on_commit(hooks.AWAITING_PAYMENT, request_id=request.pk)
    return request


@transaction.atomic
def licence_request_approve(
    *, request: LicenceRequest, actor: Any, note: str = "", actor_label: str = ""
) -> LicenceRequest:
    """Approve: a free use is fulfilled at once; a paid one waits for payment."""
    request = _lock(request)
    if request.status in (S.APPROVED, S.AWAITING_PAYMENT, S.PAID, S.FULFILLED):
        return request
    return _approve_locked(request, actor=actor, actor_label=actor_label, note=note)


@transaction.atomic
def licence_request_refuse(*, request: LicenceRequest, actor: Any, reason: str) -> LicenceRequest:
    if not reason.strip():
        raise DomainError("Say why the request is refused.", field="reason")
    request = _lock(request)
    if request.status == S.REFUSED:
        return request
    _move(request, S.REFUSED, action="refused", actor=actor, actor_label="", note=reason.strip())
    return request


@transaction.atomic
def licence_request_reprice(
    *, request: LicenceRequest, actor: Any, total: Decimal, reason: str
) -> LicenceRequest:
    """Set a new price before the decision. The quote keeps its lines and gains one staff line,
    so the explanation still adds up to the total."""
    if not reason.strip():
        raise DomainError("Say why the price changes.", field="reason")
    if total < 0:
        raise DomainError("A price cannot be negative.", field="total")
    request = _lock(request)
    if request.status not in OPEN:
        raise Conflict("Only a request waiting for a decision can be re-priced.", field="status")
    total = quantize(total, request.currency)
    if total == request.total:
        return request
    quote = Quote.from_dict(request.quote)
    adjustment = LineItem(
        code="staff_adjustment",
        rule=f"Re-priced by staff: {reason.strip()}",
        amount=total - quote.total,
    )
    new_quote = replace(quote, lines=(*quote.lines, adjustment), total=total, auto_approve=False)
    old_total = request.total
    request.quote = new_quote.to_dict()
    request.total = total
    request.save(update_fields=["quote", "total", "updated_at"])
    _record(
        request,
        action="repriced",
        from_status=request.status,
        to_status=request.status,
        actor=actor,
        actor_label="",
        note=reason.strip(),
        data={"from": str(old_total), "to": str(total), "currency": request.currency},
    )
    return request


@transaction.atomic
def licence_request_ask_info(
    *, request: LicenceRequest, actor: Any, question: str
) -> LicenceRequest:
    """Ask the partner something before deciding; the request moves into review."""
    if not question.strip():
        raise DomainError("Write the question for the partner.", field="question")
    request = _lock(request)
    if request.status not in OPEN:
        raise Conflict("Only a request waiting for a decision can be queried.", field="status")
    if request.status == S.SUBMITTED:
        _move(request, S.IN_REVIEW, action="in_review", actor=actor, actor_label="")
    request.info_requested_at = timezone.now()
    request.save(update_fields=["info_requested_at", "updated_at"])
    _record(
        request,
        action="info_requested",
        from_status=request.status,
        to_status=request.status,
        actor=actor,
        actor_label="",
        note=question.strip(),
    )
    return request


@transaction.atomic
def licence_request_cancel(
    *, request: LicenceRequest, actor: Any = None, actor_label: str = "", reason: str = ""
) -> LicenceRequest:
    """The partner withdraws a request staff have not decided yet."""
    request = _lock(request)
    if request.status == S.CANCELLED:
        return request
    if request.status not in OPEN:
        raise Conflict(
            "Only a request waiting for a decision can be cancelled; this one is "
            f"{request.get_status_display().lower()}.",
            field="status",
            code="invalid_transition",
        )
    _move(
        request, S.CANCELLED, action="cancelled", actor=actor, actor_label=actor_label, note=reason
    )
    return request


@transaction.atomic
def licence_request_withdraw(*, request: LicenceRequest, actor: Any, reason: str) -> LicenceRequest:
    """Staff call off an approval that has not been paid."""
    if not reason.strip():
        raise DomainError("Say why the approval is withdrawn.", field="reason")
    request = _lock(request)
    if request.status == S.CANCELLED:
        return request
    if request.status != S.AWAITING_PAYMENT:
        raise Conflict("Only an unpaid approval can be withdrawn.", field="status")
    _move(request, S.CANCELLED, action="withdrawn", actor=actor, actor_label="", note=reason)
    return request


@transaction.atomic
def licence_request_add_note(
    *,
    request: LicenceRequest,
    action: str,
    note: str,
    key: str,
    actor: Any = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    """Put something that happened to a request in its audit trail without changing its state
    (a failed payment attempt, say). Once per key: the same key again returns the first entry,
    so news delivered twice is recorded once. Emails follow EVENT_EMAILS, which names no such
    action: the entry is for staff and the request's history."""
    if not key:
        raise ValueError("An audit note needs a key saying what happened.")
    request = _lock(request)
    existing = RequestEvent.objects.filter(request=request, key=key).first()
    if existing is not None:
        return existing
    return _record(
        request,
        action=action,
        from_status=request.status,
        to_status=request.status,
        actor=actor,
        actor_label=actor_label,
        note=note,
        data=data,
        key=key,
    )


@transaction.atomic
def licence_request_mark_paid(
    *,
    request: LicenceRequest,
    actor: Any = None,
    actor_label: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> LicenceRequest:
    """Payment arrived (billing calls this): record it and issue the licences."""
    request = _lock(request)
    if request.status in (S.PAID, S.FULFILLED, S.REFUNDED):
        return request
    _move(
        request, S.PAID, action="paid", actor=actor, actor_label=actor_label, note=note, data=data
    )
    _fulfil_locked(request, actor=actor, actor_label=actor_label)
    return request


@transaction.atomic
def licence_request_lapse(*, request: LicenceRequest, today: date | None = None) -> LicenceRequest:
    """A quote or an unpaid approval past its validity lapses."""
    today = today or timezone.localdate()
    request = _lock(request)
    if request.status == S.LAPSED:
        return request
    lapsable = (*OPEN, S.AWAITING_PAYMENT)
    if request.status not in lapsable or not request.validity_over(today):
        return request
    _move(
        request,
        S.LAPSED,
        action="lapsed",
        actor=None,
        actor_label="system",
        note=f"The quote was valid until {request.valid_until:%d %B %Y}.",
    )
    return request


def licence_requests_lapse_stale(*, today: date | None = None) -> int:
    """The daily sweep: lapse every stale quote and unpaid approval. Safe to run twice."""
    today = today or timezone.localdate()
    ids = list(
        LicenceRequest.objects.filter(
            status__in=[*OPEN, S.AWAITING_PAYMENT], valid_until__lt=today
        ).values_list("pk", flat=True)
    )
    lapsed = 0
    for pk in ids:
        if licence_request_lapse(request=LicenceRequest(pk=pk), today=today).status == S.LAPSED:
            lapsed += 1
    return lapsed


@transaction.atomic
def licence_request_refund(
    *, request: LicenceRequest, actor: Any = None, actor_label: str = "", reason: str
) -> LicenceRequest:
    """The money went back in full: the request is refunded and its licences revoked."""
    request = _lock(request)
    if request.status == S.REFUNDED:
        return request
    if request.status != S.FULFILLED:
        raise Conflict("Only a fulfilled request can be refunded.", field="status")
    now = timezone.now()
    licences = list(
        Licence.objects.select_for_update()
        .filter(request=request, status__in=[LicenceStatus.ACTIVE, LicenceStatus.EXPIRED])
        .order_by("pk")
    )
    Licence.objects.filter(pk__in=[lic.pk for lic in licences]).update(
        status=LicenceStatus.REVOKED, revoked_at=now, revoked_reason=f"Refunded: {reason}"
    )
    _move(
        request,
        S.REFUNDED,
        action="refunded",
        actor=actor,
        actor_label=actor_label,
        note=reason,
        data={"revoked": [lic.number for lic in licences]},
    )
    hooks.fire_on_commit(
        hooks.LICENCES_REVOKED, request_id=request.pk, licence_ids=[lic.pk for lic in licences]
    )
    return request


@transaction.atomic
def licences_expire_due(*, today: date | None = None) -> int:
    """Active licences past their end date become expired. Safe to run twice."""
    today = today or timezone.localdate()
    return Licence.objects.filter(status=LicenceStatus.ACTIVE, ends_on__lt=today).update(
        status=LicenceStatus.EXPIRED
    )


# ---------------------------------------------------------------------------------------------
# Issuing licences
# ---------------------------------------------------------------------------------------------


def _fulfil_locked(request: LicenceRequest, *, actor: Any, actor_label: str) -> None:
    licences = _issue_licences(request)
    _move(
        request,
        S.FULFILLED,
        action="fulfilled",
        actor=actor,
        actor_label=actor_label,
        data={"licences": [lic.number for lic in licences]},
    )
    hooks.fire_on_commit(hooks.FULFILLED, request_id=request.pk)


def _next_licence_number(prefix: str, year: int) -> str:
    LicenceNumberSequence.objects.get_or_create(prefix=prefix, year=year)
    seq = LicenceNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"


def _article_fees(request: LicenceRequest, article_ids: list[int]) -> dict[int, Decimal]:
    """Split the request total over its articles: each article's own lines, plus a pro-rata share
    of request-wide lines (bundle discount, minimum fee, staff re-price). Sums to the total."""
    own = {aid: Decimal("0") for aid in article_ids}
    for line in request.quote.get("lines", []):
        if line.get("article_id") in own:
            own[line["article_id"]] += Decimal(line["amount"])
    base = sum(own.values(), Decimal("0"))
    shared = request.total - base
    fees: dict[int, Decimal] = {}
    running = Decimal("0")
    for i, aid in enumerate(article_ids):
        if i == len(article_ids) - 1:
            fees[aid] = request.total - running
        else:
            weight = own[aid] / base if base else Decimal(1) / len(article_ids)
            fees[aid] = quantize(own[aid] + shared * weight, request.currency)
            running += fees[aid]
    return fees


def _issue_licences(request: LicenceRequest) -> list[Licence]:
    items = list(request.items.select_related("article").order_by("position"))
    existing = {lic.article_id: lic for lic in request.licences.all()}
    card = request.rate_card
    territory = card.territories.filter(code=request.territory).first()
    term = card.terms.filter(code=request.term).first()
    today = timezone.localdate()
    ends_on = today + timedelta(days=term.days) if term and term.days else None
    contract_covered = {
        line.get("article_id")
        for line in request.quote.get("lines", [])
        if line.get("code") == "contract"
    }
    fees = _article_fees(request, [item.article_id for item in items])
    label = request.territory
    if territory is not None:
        option = TerritoryOption(
            territory.code, territory.label, tuple(territory.countries), territory.factor
        )
        label = territory_label(rate_card_data(card), option)
    prefix = Publication.current().licence_prefix
    issued = []
    for item in items:
        if item.article_id in existing:
            issued.append(existing[item.article_id])
            continue
        revision = (
            ArticleRevision.objects.filter(article_id=item.article_id).order_by("-number").first()
        )
        issued.append(
            Licence.objects.create(
                number=_next_licence_number(prefix, today.year),
                request=request,
                partner=request.partner,
                article=item.article,
                revision=revision or item.revision,
                use_type=request.use_type,
                portion=request.portion,
                territory=request.territory,
                territory_label=label,
                territory_countries=list(territory.countries) if territory else [],
                term=request.term,
                exclusive=request.exclusive,
                starts_on=today,
                ends_on=ends_on,
                fee=fees[item.article_id],
                currency=request.currency,
                covered_by_contract=item.article_id in contract_covered,
            )
        )
    return issued
