"""The emails each request event sends: subject, plain text and HTML, the partner's status link,
and the staff's admin link."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from licensing.links import request_id_from_status_token, status_url
from licensing.models import LicenceRequest
from licensing.notifications import EVENT_EMAILS
from licensing.quoting import UseSpec
from licensing.services import (
    licence_request_approve,
    licence_request_ask_info,
    licence_request_cancel,
    licence_request_lapse,
    licence_request_refund,
    licence_request_refuse,
    licence_request_reprice,
    licence_request_submit,
    licence_request_withdraw,
)
from syndication.emails import render_email
from tests import factories as f

pytestmark = pytest.mark.django_db

CONTACT = "Seán O'Brien & Co"
WEB_GB = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


@pytest.fixture
def desk(settings):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    settings.SITE_URL = "https://licensing.courier.example"
    return settings


@pytest.fixture
def newcomer(db):
    """An unverified partner: nothing is approved for it automatically."""
    return f.PartnerFactory(name="Valley Gazette", verified=False)


@pytest.fixture
def submit(article, rate_card, desk, django_capture_on_commit_callbacks):
    def _submit(partner, use=WEB_GB) -> LicenceRequest:
        with django_capture_on_commit_callbacks(execute=True):
            return licence_request_submit(
                partner=partner,
                contact_name=CONTACT,
                contact_email="sean@valley.example",
                article_ids=[article.pk],
                use=use,
                terms_accepted=True,
            )

    return _submit


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a service with its after-commit emails, and return only the mail it sent."""

    def _act(service, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            service(**kwargs)
        return {m.extra_headers["X-Template"]: m for m in mail.outbox}

    return _act


STATUS_LINK = re.compile(r"https://licensing\.courier\.example/requests/([^/\s\"]+)/")


def linked_request_ids(text: str) -> set[int | None]:
    # Tokens carry a timestamp, so compare what they point at, not their spelling.
    return {request_id_from_status_token(token) for token in STATUS_LINK.findall(text)}


def assert_partner_mail(message, licence_request) -> None:
    assert message.to == ["sean@valley.example"]
    assert linked_request_ids(message.body) == {licence_request.pk}
    assert linked_request_ids(message.alternatives[0].content) == {licence_request.pk}
    assert 'href="https://licensing.courier.example/requests/' in message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    # Plain text and subject are never HTML-escaped; the HTML part always is.
    assert f"Dear {CONTACT}," in message.body
    assert "Dear Seán O&#x27;Brien &amp; Co," in message.alternatives[0].content
    assert "&#x27;" not in message.subject and "&amp;" not in message.body


def assert_staff_mail(message, licence_request) -> None:
    link = (
        "https://licensing.courier.example/admin/licensing/licencerequest/"
        f"{licence_request.pk}/change/"
    )
    assert message.to == ["desk@courier.example"]
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"


def assert_staff_decision_mail(message, licence_request, *, decided_by: str) -> None:
    """A decision told to the desk names the request, the partner and who decided, in both
    parts; the HTML escapes the names and the text does not."""
    assert_staff_mail(message, licence_request)
    html = message.alternatives[0].content
    assert str(licence_request.pk) in message.subject
    assert "Valley Gazette" in message.subject
    assert "Partner: Valley Gazette (Commercial, GB)" in message.body
    assert "Valley Gazette (Commercial, GB)" in html
    assert decided_by in message.body
    assert decided_by.replace("'", "&#x27;") in html
    assert "&#x27;" not in message.body and "&#x27;" not in message.subject


@pytest.fixture
def editor(db):
    """The desk editor who decides; a name with an apostrophe shows escaping in the HTML."""
    return f.StaffFactory(first_name="Nia", last_name="O'Hara")


def test_every_event_template_renders_its_three_parts(article, rate_card, newcomer, submit):
    licence_request = submit(newcomer)
    context = {
        "request": licence_request,
        "event": licence_request.events.get(),
        "note": "A note.",
        "publication": article.publication,
        "status_url": status_url(licence_request),
        "site_url": "https://licensing.courier.example",
        "items": list(licence_request.items.select_related("article")),
        "licences": [],
    }
    names = {name for pair in EVENT_EMAILS.values() for name in pair if name}

    for name in sorted(names):
        subject, text, html = render_email(name, context)
        assert subject and "\n" not in subject, name
        assert text.strip() and html.lstrip().startswith("<!DOCTYPE html>"), name
    assert len(names) >= 11


def test_a_new_request_tells_the_requester_and_the_desk(article, newcomer, submit):
    licence_request = submit(newcomer)

    sent = {m.extra_headers["X-Template"]: m for m in mail.outbox}
    assert sorted(sent) == ["request_received", "staff_new_request"]
    received = sent["request_received"]
    assert received.subject == (
        f"We have your republishing request {licence_request.pk}: “{article.headline}”"
    )
    assert "Quoted price: £100.00" in received.body
    assert_partner_mail(received, licence_request)
    staff = sent["staff_new_request"]
    assert staff.subject == f"New request {licence_request.pk} from Valley Gazette (£100.00)"
    assert "not verified" in staff.body
    assert f"Contact: {CONTACT} <sean@valley.example>" in staff.body
    assert_staff_mail(staff, licence_request)


def test_a_refusal_gives_the_reason_to_the_partner_and_the_desk(newcomer, submit, act, editor):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_refuse,
        request=licence_request,
        actor=editor,
        reason="We sold exclusive rights in the UK.",
    )

    assert sorted(sent) == ["request_refused", "staff_request_refused"]
    message = sent["request_refused"]
    assert message.subject == f"Request {licence_request.pk}: we cannot license this use"
    assert "We sold exclusive rights in the UK." in message.body
    assert_partner_mail(message, licence_request)
    staff = sent["staff_request_refused"]
    assert staff.subject == f"Refused: request {licence_request.pk} (Valley Gazette)"
    assert staff.body.startswith(
        f"Nia O'Hara refused request {licence_request.pk} from Valley Gazette."
    )
    assert "Refused by: Nia O'Hara" in staff.body
    assert "The reason:\nWe sold exclusive rights in the UK." in staff.body
    assert "We sold exclusive rights in the UK." in staff.alternatives[0].content
    assert_staff_decision_mail(staff, licence_request, decided_by="Nia O'Hara")


def test_a_blocked_territory_is_refused_automatically_with_the_engines_reason(newcomer, submit):
    licence_request = submit(newcomer, UseSpec(use_type="web", territory="asia", term="30d"))

    sent = {m.extra_headers["X-Template"]: m for m in mail.outbox}
    assert sorted(sent) == ["request_received", "request_refused", "staff_new_request"]
    assert "East Asia" in sent["request_refused"].body
    assert_partner_mail(sent["request_refused"], licence_request)


def test_an_approval_asks_the_partner_for_payment_and_tells_the_desk(
    article, newcomer, submit, act, editor
):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_approve,
        request=licence_request,
        actor=editor,
        note="Regular partner; fine to run.",
    )

    assert sorted(sent) == ["request_awaiting_payment", "staff_request_approved"]
    message = sent["request_awaiting_payment"]
    assert message.subject == f"Request {licence_request.pk} approved: £100.00 to pay"
    assert "Payment instructions follow in a separate email." in message.body
    assert_partner_mail(message, licence_request)
    staff = sent["staff_request_approved"]
    licence_request.refresh_from_db()
    assert staff.subject == (
        f"Approved: request {licence_request.pk} for Valley Gazette, £100.00 to pay"
    )
    assert staff.body.startswith(
        f"Nia O'Hara approved request {licence_request.pk} for Valley Gazette. "
        "It now waits for payment"
    )
    assert "Approved by: Nia O'Hara" in staff.body
    assert f"To pay: £100.00, by {licence_request.valid_until:%-d %B %Y}" in staff.body
    assert f"  - {article.headline}" in staff.body
    assert "Note with the approval:\nRegular partner; fine to run." in staff.body
    html = staff.alternatives[0].content
    assert "<strong>£100.00</strong>" in html
    assert "Regular partner; fine to run." in html
    assert_staff_decision_mail(staff, licence_request, decided_by="Nia O'Hara")


def test_an_automatic_approval_tells_the_desk_the_rate_card_decided(
    article, rate_card, desk, django_capture_on_commit_callbacks
):
    # A verified partner under the card's auto-approval limit is approved with nobody deciding.
    partner = f.PartnerFactory(name="Valley Gazette", verified=True)

    with django_capture_on_commit_callbacks(execute=True):
        licence_request = licence_request_submit(
            partner=partner,
            contact_name=CONTACT,
            contact_email="sean@valley.example",
            article_ids=[article.pk],
            use=WEB_GB,
            terms_accepted=True,
        )

    assert licence_request.status == "awaiting_payment"
    sent = {m.extra_headers["X-Template"]: m for m in mail.outbox}
    staff = sent["staff_request_approved"]
    assert staff.body.startswith(
        f"Request {licence_request.pk} for Valley Gazette was approved automatically "
        "under the rate card."
    )
    assert "Approved by: the rate card (automatic)" in staff.body
    assert_staff_mail(staff, licence_request)


def test_a_free_approval_tells_the_desk_once_as_licensed(newcomer, submit, act, editor):
    # Given a request staff have re-priced to nothing
    paid = submit(newcomer)
    licence_request_reprice(request=paid, actor=editor, total=Decimal("0"), reason="Goodwill.")

    # When they approve it, it is fulfilled at once
    sent = act(licence_request_approve, request=paid, actor=editor)

    # Then the desk hears of it once, as licensed, not also as "approved, to pay"

    assert sorted(sent) == [
        "licence_packages_ready",
        "request_fulfilled",
        "staff_request_fulfilled",
    ]
    assert_staff_mail(sent["staff_request_fulfilled"], paid)


def test_a_new_price_shows_old_and_new_to_the_partner_and_the_desk(newcomer, submit, act, editor):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_reprice,
        request=licence_request,
        actor=editor,
        total=Decimal("80"),
        reason="Regional outlet rate.",
    )

    assert sorted(sent) == ["request_repriced", "staff_request_repriced"]
    message = sent["request_repriced"]
    assert message.subject == f"A new price for request {licence_request.pk}"
    assert "Was: £100.00\nNow: £80.00" in message.body
    assert "Why: Regional outlet rate." in message.body
    assert_partner_mail(message, licence_request)
    staff = sent["staff_request_repriced"]
    assert staff.subject == (
        f"Re-priced: request {licence_request.pk} (Valley Gazette), now £80.00"
    )
    assert staff.body.startswith(
        f"Nia O'Hara changed the price of request {licence_request.pk} from Valley Gazette."
    )
    assert "Re-priced by: Nia O'Hara" in staff.body
    assert "Was: £100.00\nNow: £80.00\nThe reason: Regional outlet rate." in staff.body
    html = staff.alternatives[0].content
    assert "<s>£100.00</s>" in html and "<strong>£80.00</strong>" in html
    assert "Regional outlet rate." in html
    assert_staff_decision_mail(staff, licence_request, decided_by="Nia O'Hara")


def test_a_question_from_the_desk_quotes_it_to_the_partner_and_the_desk(
    newcomer, submit, act, editor
):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_ask_info,
        request=licence_request,
        actor=editor,
        question="Will it run behind your paywall?",
    )

    # Moving into review on the way sends nothing of its own; the question is the news.
    assert sorted(sent) == ["request_info_requested", "staff_request_info_requested"]
    message = sent["request_info_requested"]
    assert message.subject == f"A question about your request {licence_request.pk}"
    assert "Will it run behind your paywall?" in message.body
    assert_partner_mail(message, licence_request)
    staff = sent["staff_request_info_requested"]
    assert staff.subject == f"Question sent: request {licence_request.pk} (Valley Gazette)"
    assert staff.body.startswith(
        f"Nia O'Hara asked Valley Gazette for more information about request {licence_request.pk}."
    )
    assert "Asked by: Nia O'Hara" in staff.body
    assert f"Contact: {CONTACT} <sean@valley.example>" in staff.body
    assert "The question:\nWill it run behind your paywall?" in staff.body
    assert "Will it run behind your paywall?" in staff.alternatives[0].content
    assert_staff_decision_mail(staff, licence_request, decided_by="Nia O'Hara")


def test_fulfilment_lists_the_licences_for_both_sides(article, submit):
    educator = f.PartnerFactory(name="Harbour College", partner_type="education", verified=False)

    licence_request = submit(educator, UseSpec(use_type="education", territory="gb", term="1y"))

    sent = {m.extra_headers["X-Template"]: m for m in mail.outbox}
    number = licence_request.licences.get().number
    ends = timezone.localdate() + timedelta(days=365)
    assert sorted(sent) == [
        "licence_packages_ready",
        "request_fulfilled",
        "request_received",
        "staff_new_request",
        "staff_request_fulfilled",
    ]
    partner_mail = sent["request_fulfilled"]
    assert partner_mail.subject == f"Your licence for request {licence_request.pk}"
    assert number in partner_mail.body
    assert f"United Kingdom, {timezone.localdate():%-d %B %Y} to {ends:%-d %B %Y}" in (
        partner_mail.body
    )
    assert number in partner_mail.alternatives[0].content
    assert_partner_mail(partner_mail, licence_request)
    staff_mail = sent["staff_request_fulfilled"]
    assert staff_mail.subject == f"Licensed: request {licence_request.pk} for Harbour College"
    assert number in staff_mail.body
    assert_staff_mail(staff_mail, licence_request)


def test_a_cancellation_tells_the_partner_and_the_desk(newcomer, submit, act):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_cancel,
        request=licence_request,
        actor_label="partner:status-page",
        reason="Story spiked.",
    )

    assert sorted(sent) == ["request_cancelled", "staff_request_cancelled"]
    assert sent["request_cancelled"].subject == f"Request {licence_request.pk} cancelled"
    assert_partner_mail(sent["request_cancelled"], licence_request)
    assert "Their reason: Story spiked." in sent["staff_request_cancelled"].body
    assert_staff_mail(sent["staff_request_cancelled"], licence_request)


def test_a_withdrawn_approval_says_so(newcomer, submit, act, staff):
    licence_request = submit(newcomer)
    licence_request_approve(request=licence_request, actor=staff)

    sent = act(
        licence_request_withdraw,
        request=licence_request,
        actor=staff,
        reason="The article is being corrected.",
    )

    message = sent["request_cancelled"]
    assert message.subject == f"Request {licence_request.pk}: approval withdrawn"
    assert "We have had to withdraw our approval" in message.body
    assert "The reason: The article is being corrected." in message.body
    assert_partner_mail(message, licence_request)


def test_a_lapsed_request_invites_a_new_one(article, newcomer, submit, act):
    licence_request = submit(newcomer)

    sent = act(
        licence_request_lapse,
        request=licence_request,
        today=licence_request.valid_until + timedelta(days=1),
    )

    message = sent["request_lapsed"]
    assert message.subject == f"Request {licence_request.pk} has lapsed"
    assert f"https://licensing.courier.example/republish/{article.slug}/" in message.body
    assert_partner_mail(message, licence_request)


def test_a_refund_names_the_revoked_licences(submit, act):
    educator = f.PartnerFactory(name="Harbour College", partner_type="education", verified=False)
    licence_request = submit(educator, UseSpec(use_type="education", territory="gb", term="1y"))
    number = licence_request.licences.get().number

    sent = act(
        licence_request_refund,
        request=licence_request,
        actor_label="system",
        reason="Charged twice by mistake.",
    )

    assert sorted(sent) == ["request_refunded", "staff_request_refunded"]
    message = sent["request_refunded"]
    assert message.subject == f"Request {licence_request.pk} refunded: licences revoked"
    assert f"  {number}\n" in message.body
    assert "The reason: Charged twice by mistake." in message.body
    assert_partner_mail(message, licence_request)
    assert f"Revoked: {number}" in sent["staff_request_refunded"].body
    assert_staff_mail(sent["staff_request_refunded"], licence_request)
