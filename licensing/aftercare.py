"""Aftercare of issued licences: corrections reach every licensee (email and webhook) and are
acknowledged; takedowns revoke every licence for an article; licences expire with notice and are
renewed at the current rate card. The tracking pixel lives in licensing.tracking.

Every notice is once-only, guarded by a unique row (CorrectionNotice, LicenceNotice), an email key
and a webhook event key, so a sweep or task that runs twice tells nobody twice."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from licensing import hooks
from licensing.aftercare_models import CorrectionNotice, LicenceNotice, NoticeKind
from licensing.models import Licence, LicenceRequest, LicenceStatus, RequestEvent
from licensing.quoting import UseSpec
from licensing.services import licence_request_submit, quote_for
from syndication.emails import send_templated_email
from syndication.errors import Conflict, DomainError
from syndication.models import Article, ArticleRevision, Partner, Publication
from syndication.takedown import article_withdraw
from syndication.webhook_models import WebhookEventType
from syndication.webhooks import webhook_event_emit

log = logging.getLogger(__name__)

TAKEDOWN = "takedown"
# Licences that ended longer ago than this get no late "expired" notice (a first deploy, a
# sweep that was off for months): telling a partner about a licence gone for a year helps nobody.
EXPIRED_NOTICE_WINDOW_DAYS = 30


# ---------------------------------------------------------------------------------------------
# Links and shared pieces
# ---------------------------------------------------------------------------------------------


def licence_verify_url(licence: Licence) -> str:
    return settings.SITE_URL + reverse("licensing:licence-verify", args=[licence.number])


def licence_pixel_url(licence: Licence) -> str:
    """The tracking pixel for a licence. Its token is the licence's verification token: random,
    unguessable, and already part of the licence, so nothing else needs storing or signing."""
    return settings.SITE_URL + reverse(
        "licensing:tracking-pixel", kwargs={"token": licence.verification_token}
    )


def correction_acknowledge_url(licence: Licence, revision_number: int) -> str:
    return settings.SITE_URL + reverse(
        "api-correction-acknowledge", args=[licence.number, revision_number]
    )


def notice_recipients(licence: Licence) -> list[str]:
    """The partner's contacts who receive notices; the requester and billing address when the
    partner has named none, so a notice never goes nowhere."""
    partner = licence.partner
    emails = [c.email for c in partner.contacts.all() if c.receives_notices]
    if not emails:
        emails = [licence.request.contact_email, partner.billing_email]
    return sorted({e for e in emails if e})


def licence_event_data(licence: Licence) -> dict[str, Any]:
    """What a webhook says about a licence: never the fee."""
    article = licence.article
    return {
        "number": licence.number,
        "status": licence.status,
        "verify_url": licence_verify_url(licence),
        "article": {
            "id": article.pk,
            "headline": article.headline,
            "canonical_url": article.canonical_url,
        },
        "revision": licence.revision.number,
        "use_type": licence.use_type,
        "territory": licence.territory,
        "starts_on": licence.starts_on.isoformat(),
        "ends_on": licence.ends_on.isoformat() if licence.ends_on else None,
    }


def _licences(**filters: Any) -> Any:
    return (
        Licence.objects.filter(**filters)
        .select_related("partner", "request", "article", "revision")
        .prefetch_related("partner__contacts")
        .order_by("pk")
    )


def _email_context(licence: Licence, **extra: Any) -> dict[str, Any]:
    return {
        "licence": licence,
        "partner": licence.partner,
        "article": licence.article,
        "publication": Publication.current(),
        "verify_url": licence_verify_url(licence),
        "site_url": settings.SITE_URL,
        **extra,
    }


def packages_rerender(licence_ids: list[int], *, revision_id: int) -> None:
    """Re-render these licences' packages from the new revision, in the background after the
    commit; the old revision's packages are kept. Imported here because licensing.packages
    imports this module's URL helpers."""
    from licensing import tasks_packages

    tasks_packages.enqueue_rerender(licence_ids=licence_ids, revision_id=revision_id)


# ---------------------------------------------------------------------------------------------
# Corrections
# ---------------------------------------------------------------------------------------------


def on_article_revised(*, article_id: int, revision_id: int) -> None:
    """The catalogue made a new revision (settings.SYNDICATION_HOOKS). Most articles have no
    licence: only those with an active one cost a task."""
    if Licence.objects.filter(article_id=article_id, status=LicenceStatus.ACTIVE).exists():
        from licensing import aftercare_tasks

        aftercare_tasks.notify_correction.enqueue(article_id=article_id, revision_id=revision_id)


def licence_article_corrected(*, article_id: int, revision_id: int) -> list[CorrectionNotice]:
    """Tell every active licensee of the article about a new revision: a CorrectionNotice, an
    email to its notice contacts and an `article.corrected` webhook. Returns the notices created
    now (none on a second run). Each licence commits on its own, so a retry carries on."""
    revision = ArticleRevision.objects.select_related("article").get(
        pk=revision_id, article_id=article_id
    )
    # A licence issued on this revision (or a later one) already has the text.
    licences = list(
        _licences(
            article_id=article_id, status=LicenceStatus.ACTIVE, revision__number__lt=revision.number
        )
    )
    created = []
    for licence in licences:
        with transaction.atomic():
            notice, is_new = CorrectionNotice.objects.get_or_create(
                licence=licence, revision=revision, defaults={"note": revision.correction_note}
            )
            if not is_new:
                continue
            _send_correction(licence, revision, notice)
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
            created.append(notice)
    packages_rerender([lic.pk for lic in licences], revision_id=revision.pk)
    log.info("correction article=%s r%s notices=%s", article_id, revision.number, len(created))
    return created


def _send_correction(licence: Licence, revision: ArticleRevision, notice: CorrectionNotice) -> None:
    key = f"article.corrected:{licence.pk}:{revision.pk}"
    acknowledge_url = correction_acknowledge_url(licence, revision.number)
    send_templated_email(
        template="licence_corrected",
        to=notice_recipients(licence),
        context=_email_context(
            licence, revision=revision, note=notice.note, acknowledge_url=acknowledge_url
        ),
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        key=key,
    )
    webhook_event_emit(
        partner=licence.partner,
        event_type=WebhookEventType.ARTICLE_CORRECTED,
        data={
            "licence": licence_event_data(licence),
            "correction": {
                "revision": revision.number,
                "headline": revision.headline,
                "note": notice.note,
                "created_at": revision.created_at.isoformat(),
            },
            "acknowledge_url": acknowledge_url,
        },
        event_key=key,
    )


def corrections_for_partner(
    partner: Partner, *, acknowledged: bool | None = None
) -> Any:  # QuerySet[CorrectionNotice]
    queryset = CorrectionNotice.objects.filter(licence__partner=partner).select_related(
        "licence__article", "revision"
    )
    if acknowledged is not None:
        queryset = queryset.filter(acknowledged_at__isnull=not acknowledged)
    return queryset.order_by("-created_at", "-pk")


@transaction.atomic
def licence_correction_acknowledge(
    *, notice: CorrectionNotice, actor_label: str
) -> CorrectionNotice:
    """The licensee confirms it has applied the correction. The first acknowledgement stands."""
    notice = CorrectionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is None:
        notice.acknowledged_at = timezone.now()
        notice.acknowledged_by = actor_label[:200] or "partner"
        notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return notice


# ---------------------------------------------------------------------------------------------
# Takedowns and revocations
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def article_take_down(*, article: Article, actor: Any, reason: str) -> list[Licence]:
    """Withdraw the article and revoke every active licence for it, with an urgent email to each
    licensee's notice contacts and a `licence.revoked` webhook (reason "takedown"). Returns the
    licences revoked now; a second takedown revokes and tells nothing more."""
    article, _ = article_withdraw(article=article, reason=reason, actor=actor)
    reason = reason.strip()
    now = timezone.now()
    licences = list(
        _licences(article_id=article.pk, status=LicenceStatus.ACTIVE).select_for_update(
            of=("self",)
        )
    )
    by_request: dict[int, list[Licence]] = {}
    for licence in licences:
        licence.status = LicenceStatus.REVOKED
        licence.revoked_at = now
        licence.revoked_reason = f"Takedown: {reason}"
        licence.save(update_fields=["status", "revoked_at", "revoked_reason"])
        by_request.setdefault(licence.request_id, []).append(licence)
        _notify_revoked(licence, reason_code=TAKEDOWN, note=reason, urgent_email=True)
    actor_user = actor if getattr(actor, "pk", None) and hasattr(actor, "get_username") else None
    for request_id, revoked in by_request.items():
        # The request's audit trail says what happened to its licences (no email of its own:
        # the urgent notice above is the email).
        request = revoked[0].request
        RequestEvent.objects.create(
            request=request,
            action="licences_taken_down",
            from_status=request.status,
            to_status=request.status,
            actor=actor_user,
            actor_label=actor_user.get_username() if actor_user else "system",
            note=reason,
            data={"revoked": [lic.number for lic in revoked], "article_id": article.pk},
            notified_at=now,
        )
        hooks.fire_on_commit(
            hooks.LICENCES_REVOKED,
            request_id=request_id,
            licence_ids=[lic.pk for lic in revoked],
        )
    log.info("takedown article=%s revoked=%s", article.pk, len(licences))
    return licences


def _notify_revoked(licence: Licence, *, reason_code: str, note: str, urgent_email: bool) -> bool:
    """The once-only revocation notice: webhook always, email for a takedown (a refund has its
    own email). False when this licence was told already."""
    _, is_new = LicenceNotice.objects.get_or_create(licence=licence, kind=NoticeKind.REVOKED)
    if not is_new:
        return False
    key = f"licence.revoked:{licence.pk}"
    if urgent_email:
        from licensing.packages import kill_notice_link, link_expires_at

        send_templated_email(
            template="licence_taken_down",
            to=notice_recipients(licence),
            context=_email_context(
                licence,
                reason=note,
                # The ninjs kill notice, for a partner whose systems take items down from it.
                kill_notice_url=kill_notice_link(licence),
                kill_notice_expires_at=link_expires_at(),
            ),
            reply_to=[settings.DEFAULT_FROM_EMAIL],
            key=key,
        )
    data: dict[str, Any] = {
        "licence": licence_event_data(licence),
        "reason": reason_code,
        "note": note,
        "revoked_at": licence.revoked_at.isoformat() if licence.revoked_at else None,
        "urgent": reason_code == TAKEDOWN,
    }
    if reason_code == TAKEDOWN:
        data.update(_kill_notice(licence))
    webhook_event_emit(
        partner=licence.partner,
        event_type=WebhookEventType.LICENCE_REVOKED,
        data=data,
        event_key=key,
    )
    return True


def _kill_notice(licence: Licence) -> dict[str, Any]:
    """A takedown's webhook carries the ninjs kill notice itself (pubStatus `canceled`), so an
    ingest that reads ninjs takes the article down without a fetch; `ninjs_url` serves the same
    document through the API. Imported here because licensing.packages imports this module."""
    from licensing.packages import kill_notice_document

    url = reverse("api-licence-package", args=[licence.number, "ninjs"])
    return {"ninjs": kill_notice_document(licence), "ninjs_url": settings.SITE_URL + url}


def on_licences_revoked(*, request_id: int, licence_ids: list[int]) -> None:
    """Licensing revoked licences (a refund; settings.LICENSING_HOOKS["licences_revoked"]):
    tell the partner's webhook. A takedown has told it already (the notice is once-only)."""
    from licensing import aftercare_tasks

    aftercare_tasks.notify_revoked.enqueue(licence_ids=licence_ids)


def licences_revoked_notify(*, licence_ids: list[int]) -> int:
    told = 0
    for licence in _licences(pk__in=licence_ids, status=LicenceStatus.REVOKED):
        with transaction.atomic():
            told += _notify_revoked(
                licence, reason_code="refund", note=licence.revoked_reason, urgent_email=False
            )
    return told


# ---------------------------------------------------------------------------------------------
# Issue (webhook only: the delivery email is the fulfilment email)
# ---------------------------------------------------------------------------------------------


def on_fulfilled(*, request_id: int) -> None:
    """Licences were issued (settings.LICENSING_HOOKS["fulfilled"]): `licence.issued` webhooks."""
    from licensing import aftercare_tasks

    aftercare_tasks.notify_issued.enqueue(request_id=request_id)


def licences_issued_notify(*, request_id: int) -> int:
    sent = 0
    for licence in _licences(request_id=request_id, status=LicenceStatus.ACTIVE):
        sent += len(
            webhook_event_emit(
                partner=licence.partner,
                event_type=WebhookEventType.LICENCE_ISSUED,
                data={"licence": licence_event_data(licence)},
                event_key=f"licence.issued:{licence.pk}",
            )
        )
    return sent


# ---------------------------------------------------------------------------------------------
# Expiry and reminders
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def licence_expire(*, licence: Licence, today: date | None = None) -> Licence:
    """An active licence past its end date expires, and its licensee is told once (email and
    `licence.expired`). A licence the bulk sweep expired first is still told."""
    today = today or timezone.localdate()
    licence = _licences(pk=licence.pk).select_for_update(of=("self",)).get()
    if (
        licence.status == LicenceStatus.ACTIVE
        and licence.ends_on is not None
        and licence.ends_on < today
    ):
        licence.status = LicenceStatus.EXPIRED
        licence.save(update_fields=["status"])
    if licence.status == LicenceStatus.EXPIRED:
        _notify_expired(licence)
    return licence


def _notify_expired(licence: Licence) -> bool:
    _, is_new = LicenceNotice.objects.get_or_create(licence=licence, kind=NoticeKind.EXPIRED)
    if not is_new:
        return False
    key = f"licence.expired:{licence.pk}"
    send_templated_email(
        template="licence_expired",
        to=notice_recipients(licence),
        context=_email_context(licence),
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        key=key,
    )
    webhook_event_emit(
        partner=licence.partner,
        event_type=WebhookEventType.LICENCE_EXPIRED,
        data={"licence": licence_event_data(licence)},
        event_key=key,
    )
    return True


def licences_expire_and_notify(*, today: date | None = None) -> int:
    """The sweep: expire what is due, one licence at a time, and tell the licensees of licences
    expired recently without a notice (the bulk sweep in licensing.services got there first).
    Returns how many licences were told."""
    today = today or timezone.localdate()
    due = Licence.objects.filter(status=LicenceStatus.ACTIVE, ends_on__lt=today)
    untold = Licence.objects.filter(
        status=LicenceStatus.EXPIRED,
        ends_on__gte=today - timedelta(days=EXPIRED_NOTICE_WINDOW_DAYS),
    ).exclude(notices__kind=NoticeKind.EXPIRED)
    ids = sorted(set(due.values_list("pk", flat=True)) | set(untold.values_list("pk", flat=True)))
    before = LicenceNotice.objects.filter(kind=NoticeKind.EXPIRED, licence_id__in=ids).count()
    for pk in ids:
        licence_expire(licence=Licence(pk=pk), today=today)
    return (
        LicenceNotice.objects.filter(kind=NoticeKind.EXPIRED, licence_id__in=ids).count() - before
    )


def licences_expiring_notify(*, today: date | None = None) -> int:
    """`licence.expiring` webhooks N days before the end (settings.LICENCE_EXPIRY_REMINDER_DAYS),
    once per licence per reminder. The reminder email is the task layer's
    (licensing.tasks.send_expiry_reminders); this adds the webhook beside it, on the same rule:
    the most urgent reminder due, so a licence found late is not told twice."""
    today = today or timezone.localdate()
    reminders = sorted(set(settings.LICENCE_EXPIRY_REMINDER_DAYS))
    if not reminders:
        return 0
    told = 0
    for licence in _licences(
        status=LicenceStatus.ACTIVE,
        ends_on__gte=today,
        ends_on__lte=today + timedelta(days=reminders[-1]),
    ):
        days_left = (licence.ends_on - today).days
        days_before = min(n for n in reminders if n >= days_left)
        with transaction.atomic():
            _, is_new = LicenceNotice.objects.get_or_create(
                licence=licence, kind=NoticeKind.EXPIRING, days_before=days_before
            )
            if not is_new:
                continue
            webhook_event_emit(
                partner=licence.partner,
                event_type=WebhookEventType.LICENCE_EXPIRING,
                data={
                    "licence": licence_event_data(licence),
                    "days_left": days_left,
                    "renew_url": settings.SITE_URL
                    + reverse("api-licence-renew", args=[licence.number]),
                },
                event_key=f"licence.expiring:{licence.pk}:{days_before}d",
            )
            told += 1
    return told


# ---------------------------------------------------------------------------------------------
# Renewal
# ---------------------------------------------------------------------------------------------


def _renewal_use(licence: Licence) -> UseSpec:
    request = licence.request
    return UseSpec(
        use_type=licence.use_type,
        portion=licence.portion,
        excerpt_words=request.excerpt_words,
        territory=licence.territory,
        term=licence.term,
        exclusive=licence.exclusive,
        translation=request.translation,
        include_images=request.include_images,
        reach=request.reach,
    )


def licence_renewal_prefill(*, licence: Licence) -> dict[str, Any]:
    """The request a renewal would file: the same use of the same article, priced now with the
    rate card in force. `quote` is None (and `quote_error` says why) when the use can no longer
    be priced, e.g. the territory left the card. Saves nothing."""
    request = licence.request
    use = _renewal_use(licence)
    prefill: dict[str, Any] = {
        "renews": licence.number,
        "articles": [licence.article_id],
        "use_type": use.use_type,
        "portion": use.portion,
        "excerpt_words": use.excerpt_words,
        "territory": use.territory,
        "term": use.term,
        "exclusive": use.exclusive,
        "translation": use.translation,
        "translation_language": request.translation_language,
        "include_images": use.include_images,
        "reach": use.reach,
        "intended_url": request.intended_url,
        "outlet": request.outlet,
        "contact_name": request.contact_name,
        "contact_email": request.contact_email,
        "quote": None,
        "quote_error": "",
    }
    try:
        quote, _card = quote_for(partner=licence.partner, article_ids=[licence.article_id], use=use)
    except DomainError as exc:
        prefill["quote_error"] = exc.message
    else:
        prefill["quote"] = quote.to_dict()
    return prefill


def licence_renew(
    *,
    licence: Licence,
    terms_accepted: bool,
    actor_label: str = "",
    channel: str = "api",
    contact_name: str = "",
    contact_email: str = "",
) -> LicenceRequest:
    """File a new request for the same use at today's rate card. Revoked or superseded licences
    are not renewed (a takedown is final)."""
    if licence.status not in (LicenceStatus.ACTIVE, LicenceStatus.EXPIRED):
        raise Conflict(
            f"A {licence.get_status_display().lower()} licence cannot be renewed.",
            field="status",
            code="not_renewable",
        )
    if licence.article.withdrawn_at is not None:
        raise Conflict("The article has been withdrawn.", field="articles", code="withdrawn")
    request = licence.request
    return licence_request_submit(
        partner=licence.partner,
        contact_name=contact_name or request.contact_name,
        contact_email=contact_email or request.contact_email,
        article_ids=[licence.article_id],
        use=_renewal_use(licence),
        terms_accepted=terms_accepted,
        channel=channel,
        intended_url=request.intended_url,
        outlet=request.outlet,
        message=f"Renewal of licence {licence.number}.",
        translation_language=request.translation_language,
        actor_label=actor_label,
    )
