"""Who hears about what: each audited request event maps to the emails it sends."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from licensing.links import status_url
from licensing.models import LicenceRequest, RequestEvent
from syndication.emails import send_templated_email
from syndication.models import Publication

# action -> (partner template, staff template); None where that side is not told.
EVENT_EMAILS: dict[str, tuple[str | None, str | None]] = {
    "submitted": ("request_received", "staff_new_request"),
    "auto_refused": ("request_refused", None),
    "refused": ("request_refused", "staff_request_refused"),
    # A paid approval; a free one is fulfilled at once and the desk hears of it as "fulfilled".
    "awaiting_payment": ("request_awaiting_payment", "staff_request_approved"),
    "repriced": ("request_repriced", "staff_request_repriced"),
    "info_requested": ("request_info_requested", "staff_request_info_requested"),
    "fulfilled": ("request_fulfilled", "staff_request_fulfilled"),
    "cancelled": ("request_cancelled", "staff_request_cancelled"),
    "withdrawn": ("request_cancelled", None),
    "lapsed": ("request_lapsed", None),
    "refunded": ("request_refunded", "staff_request_refunded"),
}


def _decided_by(event: RequestEvent) -> str:
    """Who made the decision, as the desk knows them; empty for the system's own decisions."""
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return "" if event.actor_label in ("", "system") else event.actor_label


def _approval_note(event: RequestEvent) -> str:
    """The note given with an approval. It is stored on the "approved" event, which sends no
    email; the "awaiting_payment" event that follows it in the same transaction does."""
    if event.action != "awaiting_payment":
        return ""
    note = (
        RequestEvent.objects.filter(request_id=event.request_id, action="approved", pk__lt=event.pk)
        .order_by("-pk")
        .values_list("note", flat=True)
        .first()
    )
    return note or ""


def send_for_event(*, request_id: int, event_id: int) -> int:
    """Send the emails for one event, once. Returns how many messages went out."""
    with transaction.atomic():
        event = (
            RequestEvent.objects.select_for_update()
            .filter(pk=event_id, request_id=request_id, notified_at__isnull=True)
            .first()
        )
        if event is None:
            return 0
        partner_template, staff_template = EVENT_EMAILS.get(event.action, (None, None))
        request = (
            LicenceRequest.objects.select_related("partner")
            .prefetch_related("items__article", "licences__article")
            .get(pk=request_id)
        )
        context = {
            "request": request,
            "event": event,
            "note": event.note,
            "publication": Publication.current(),
            "status_url": status_url(request),
            "site_url": settings.SITE_URL,
            "items": list(request.items.all()),
            "licences": list(request.licences.all()),
            "decided_by": _decided_by(event),
            "approval_note": _approval_note(event),
        }
        sent = 0
        if partner_template:
            sent += send_templated_email(
                template=partner_template,
                to=[request.contact_email],
                context=context,
                reply_to=[settings.DEFAULT_FROM_EMAIL],
            )
        if staff_template:
            sent += send_templated_email(
                template=staff_template, to=settings.STAFF_NOTIFICATION_EMAILS, context=context
            )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
        return sent
