"""The review queue in the admin, told as a desk editor's day: the queue opens on waiting work,
oldest first; each decision is an admin action that calls one service per request."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from licensing import services
from licensing.models import Licence, LicenceRequest, RequestEvent, RequestStatus
from licensing.quoting import UseSpec
from tests import factories as f

S = RequestStatus
D = Decimal
WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)
ACTION = "CHANGE_FORM-action"  # the change page's action field (Django's change-form actions)


def changelist(query: str = "") -> str:
    return reverse("admin:licensing_licencerequest_changelist") + query


def change_page(request: LicenceRequest) -> str:
    return reverse("admin:licensing_licencerequest_change", args=[request.pk])


def submit(partner, articles, **kwargs) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[a.pk for a in articles],
        use=WEB_GB_30D,
        terms_accepted=True,
        **kwargs,
    )


def created_days_ago(request: LicenceRequest, days: int) -> LicenceRequest:
    LicenceRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return request


def audit(request: LicenceRequest) -> list[tuple[str, str, str]]:
    return list(
        RequestEvent.objects.filter(request=request)
        .order_by("pk")
        .values_list("action", "from_status", "to_status")
    )


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def unverified_partner(db):
    # Unverified partners are never approved automatically, so their requests wait for staff.
    return f.PartnerFactory(verified=False, name="Coastal Futures Trust")


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_the_queue_lists_waiting_requests_oldest_first(
    desk, rate_card, article, unverified_partner, staff
):
    # Given three waiting requests of different ages, one refused and one awaiting payment
    newest = created_days_ago(submit(unverified_partner, [article]), 1)
    oldest = created_days_ago(submit(unverified_partner, [article]), 5)
    middle = created_days_ago(submit(unverified_partner, [article]), 3)
    services.licence_request_start_review(request=middle, actor=staff)
    refused = submit(unverified_partner, [article])
    services.licence_request_refuse(request=refused, actor=staff, reason="Not for this outlet.")
    approved = submit(unverified_partner, [article])
    services.licence_request_approve(request=approved, actor=staff)

    # When staff open the queue
    response = desk.get(changelist())

    # Then it shows only what waits for staff, oldest first, under the default "waiting" filter
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [oldest.pk, middle.pk, newest.pk]
    assert "5\xa0days" in response.text  # timesince keeps number and unit together
    assert "£100.00" in response.text

    # And "All" shows every request
    everything = desk.get(changelist("?queue=all"))
    assert len(everything.context["cl"].result_list) == 5
    assert desk.get(changelist("?queue=refused")).context["cl"].result_list[0].pk == refused.pk


def test_the_change_page_explains_the_request_and_offers_the_decisions(
    desk, rate_card, article, unverified_partner
):
    # Given a waiting request for one article
    request = submit(unverified_partner, [article])

    # When staff open it
    response = desk.get(change_page(request))

    # Then the quote is shown line by line, with the partner's facts and the audit trail
    assert response.status_code == 200
    body = response.text
    assert "Base fee: web, full article" in body
    assert "Term: 30 days" in body
    assert "Subtotal" in body and "£100.00" in body
    assert article.headline in body
    assert "Non-profit" not in body and "Commercial" in body
    assert "submitted" in body  # the audit trail's first row
    # And the buttons are the decisions open to a submitted request, and nothing is editable
    assert response.context["review_buttons"] == [
        ("start_review", "Start review"),
        ("approve", "Approve"),
        ("refuse", "Refuse"),
        ("reprice", "Re-price"),
        ("ask_info", "Ask the partner for information"),
    ]
    assert 'name="_save"' not in body
    assert 'name="contact_email"' not in body


def test_approving_from_the_change_page_waits_for_payment_and_tells_partner_and_desk(
    desk,
    rate_card,
    article,
    unverified_partner,
    staff,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    # Given a paid request waiting for staff
    request = submit(unverified_partner, [article])

    # When staff press "Approve" on its change page (the browser also sends the empty dropdown)
    form = desk.post(
        change_page(request), {ACTION: ["", "approve"], "_selected_action": request.pk}
    )

    # Then they are asked for an optional note first
    assert form.status_code == 200
    assert form.templates[0].name == "admin/licensing/action_form.html"
    assert LicenceRequest.objects.get(pk=request.pk).status == S.SUBMITTED

    # When they confirm with a note
    with django_capture_on_commit_callbacks(execute=True):
        done = desk.post(
            change_page(request),
            {
                ACTION: "approve",
                "_selected_action": request.pk,
                "apply": "1",
                "note": "Fine by the desk.",
            },
        )

    # Then the request waits for payment, audited twice, and partner and desk each have an email
    assert done.status_code == 302
    assert done.url == change_page(request)
    request.refresh_from_db()
    assert request.status == S.AWAITING_PAYMENT
    assert audit(request)[1:] == [
        ("approved", "submitted", "approved"),
        ("awaiting_payment", "approved", "awaiting_payment"),
    ]
    assert RequestEvent.objects.get(request=request, action="approved").actor == staff
    assert request.decision_note == "Fine by the desk."
    assert [(m.to, m.extra_headers["X-Template"]) for m in mail.outbox] == [
        (["ada@gazette.example"], "request_awaiting_payment"),
        (["desk@courier.example"], "staff_request_approved"),
    ]
    desk_mail = mail.outbox[1]
    assert f"{staff.get_username()} approved request {request.pk}" in desk_mail.body
    assert "Fine by the desk." in desk_mail.body
    assert texts(done) == ["Approved: 1 request."]


def test_asking_the_partner_for_information_from_the_change_page(
    desk,
    rate_card,
    article,
    unverified_partner,
    staff,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]
    # Given a submitted request
    request = submit(unverified_partner, [article])
    mail.outbox.clear()

    # When staff press "Ask the partner for information", they are asked for the question
    form = desk.post(change_page(request), {ACTION: "ask_info", "_selected_action": request.pk})
    assert form.status_code == 200
    assert form.templates[0].name == "admin/licensing/action_form.html"
    assert "question" in form.context["form"].fields

    # And an empty question is sent back with an error, changing nothing
    empty = desk.post(
        change_page(request),
        {ACTION: "ask_info", "_selected_action": request.pk, "apply": "1", "question": " "},
    )
    assert empty.status_code == 200
    assert empty.context["form"].errors == {"question": ["This field is required."]}
    assert LicenceRequest.objects.get(pk=request.pk).info_requested_at is None

    # When they send a question
    with django_capture_on_commit_callbacks(execute=True):
        done = desk.post(
            change_page(request),
            {
                ACTION: "ask_info",
                "_selected_action": request.pk,
                "apply": "1",
                "question": "Which edition will carry it?",
            },
        )

    # Then the request is in review, marked as waiting for the partner, with the question audited
    assert done.status_code == 302
    assert done.url == change_page(request)
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
    assert request.info_requested_at is not None
    assert audit(request)[1:] == [
        ("in_review", "submitted", "in_review"),
        ("info_requested", "in_review", "in_review"),
    ]
    asked = RequestEvent.objects.get(request=request, action="info_requested")
    assert (asked.note, asked.actor) == ("Which edition will carry it?", staff)
    # And the partner has the question, the desk a copy
    assert [(m.to, m.extra_headers["X-Template"]) for m in mail.outbox] == [
        (["ada@gazette.example"], "request_info_requested"),
        (["desk@courier.example"], "staff_request_info_requested"),
    ]
    assert "Which edition will carry it?" in mail.outbox[0].body
    assert "Which edition will carry it?" in mail.outbox[1].body
    assert texts(done) == ["Queried: 1 request."]
    # And, being in review, it no longer offers "Start review"
    assert desk.get(change_page(request)).context["review_buttons"][0] == ("approve", "Approve")


def test_refusing_without_a_reason_shows_an_error_and_changes_nothing(
    desk, rate_card, article, unverified_partner
):
    # Given a waiting request
    request = submit(unverified_partner, [article])
    events_before = audit(request)

    # When staff refuse it with an empty reason
    response = desk.post(
        change_page(request),
        {ACTION: "refuse", "_selected_action": request.pk, "apply": "1", "reason": "   "},
    )

    # Then the form comes back with the error, and the request is as it was
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert "Please correct the errors below." in response.text
    request.refresh_from_db()
    assert request.status == S.SUBMITTED
    assert audit(request) == events_before


def test_repricing_with_a_reason_changes_the_total_and_explains_it(
    desk, rate_card, article, unverified_partner
):
    # Given a waiting request quoted at £100
    request = submit(unverified_partner, [article])
    assert request.total == D("100.00")

    # When staff re-price it from the queue, with a reason
    response = desk.post(
        changelist(),
        {
            "action": "reprice",
            "_selected_action": [request.pk],
            "apply": "1",
            "total": "80.00",
            "reason": "Long-standing partner rate",
        },
    )

    # Then the total is the new one and the quote gains a staff line that makes it add up
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.total == D("80.00")
    last = request.quote["lines"][-1]
    assert last["code"] == "staff_adjustment"
    assert D(last["amount"]) == D("-20.00")
    assert last["rule"] == "Re-priced by staff: Long-standing partner rate"
    assert audit(request)[-1] == ("repriced", "submitted", "submitted")


def test_bulk_approval_reports_what_was_done_and_what_could_not_be(
    desk, rate_card, article, unverified_partner, staff
):
    # Given three requests, one of which staff have already refused
    first, second, refused = (submit(unverified_partner, [article]) for _ in range(3))
    services.licence_request_refuse(request=refused, actor=staff, reason="Wrong outlet.")

    # When staff select all three in the full list and approve them
    response = desk.post(
        changelist("?queue=all"),
        {
            "action": "approve",
            "_selected_action": [first.pk, second.pk, refused.pk],
            "apply": "1",
            "note": "",
        },
    )

    # Then two are approved and the refused one is named in an error
    assert response.status_code == 302
    assert texts(response) == [
        f"Request #{refused.pk} was not approved: "
        "A request that is refused cannot become approved.",
        "Approved: 2 requests.",
    ]
    statuses = dict(
        LicenceRequest.objects.filter(pk__in=[first.pk, second.pk, refused.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {
        first.pk: S.AWAITING_PAYMENT,
        second.pk: S.AWAITING_PAYMENT,
        refused.pk: S.REFUSED,
    }


def test_recording_an_offline_payment_issues_the_licences(
    desk, rate_card, article, unverified_partner, staff
):
    # Given an approved request waiting for payment
    request = submit(unverified_partner, [article])
    services.licence_request_approve(request=request, actor=staff)
    assert desk.get(change_page(request)).context["review_buttons"] == [
        ("withdraw", "Withdraw approval"),
        ("mark_paid", "Record payment received"),
    ]

    # When staff record that the money arrived by bank transfer
    response = desk.post(
        change_page(request),
        {
            ACTION: "mark_paid",
            "_selected_action": request.pk,
            "apply": "1",
            "note": "Bank transfer, ref CFT-0042",
        },
    )

    # Then the request is fulfilled with its licence, and the note is in the audit trail
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.FULFILLED
    assert Licence.objects.filter(request=request).count() == 1
    paid = RequestEvent.objects.get(request=request, action="paid")
    assert (paid.note, paid.actor) == ("Bank transfer, ref CFT-0042", staff)


def test_the_queue_costs_the_same_number_of_queries_for_5_and_25_requests(
    desk, rate_card, publication, unverified_partner
):
    # Given partners of different types with two-article requests
    articles = [f.ArticleFactory(publication=publication) for _ in range(2)]
    partners = [unverified_partner, f.PartnerFactory(verified=False, partner_type="education")]

    def add(n: int) -> None:
        for i in range(n):
            submit(partners[i % 2], articles)

    def queries_for_the_queue() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = desk.get(changelist())
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(5)
    five = queries_for_the_queue()
    add(20)
    twenty_five = queries_for_the_queue()

    assert twenty_five == five
    assert LicenceRequest.objects.count() == 25


def test_the_audit_trail_is_not_editable_anywhere(desk, rate_card, article, unverified_partner):
    # Given a request with its first audit row
    request = submit(unverified_partner, [article])

    # Then the audit trail has no admin page of its own
    with pytest.raises(NoReverseMatch):
        reverse("admin:licensing_requestevent_changelist")
    # And the request page shows it as text, not as form fields
    body = desk.get(change_page(request)).text
    assert "Audit trail" in body
    assert 'name="events-0-note"' not in body
    assert 'name="events-0-action"' not in body


def test_staff_find_requests_by_headline_partner_or_email_and_narrow_by_age_and_amount(
    desk, rate_card, publication, unverified_partner, staff
):
    # Given an old two-article request, and a new single-article one from a broadcaster
    tide = f.ArticleFactory(publication=publication, headline="Tide gauges break records")
    ferry = f.ArticleFactory(publication=publication, headline="Ferry subsidy saved")
    old = created_days_ago(submit(unverified_partner, [tide, ferry]), 9)
    radio = f.PartnerFactory(verified=False, name="Saltings FM", partner_type="broadcaster")
    new = submit(radio, [ferry])

    def listed(query: str) -> list[int]:
        return [r.pk for r in desk.get(changelist(query)).context["cl"].result_list]

    # Then search matches an article headline (once per request, with the right count)...
    assert listed("?q=Ferry+subsidy") == [old.pk, new.pk]
    assert [
        r.article_count for r in desk.get(changelist("?q=Ferry")).context["cl"].result_list
    ] == [
        2,
        1,
    ]
    # ...the partner's name and the contact's email
    assert listed("?q=Saltings") == [new.pk]
    assert listed("?q=ada@gazette.example") == [old.pk, new.pk]
    # And the filters narrow by age, amount and partner type
    assert listed("?age=7d") == [old.pk]
    assert listed("?age=today") == [new.pk]
    assert listed("?amount=100-500") == [old.pk, new.pk]
    assert listed("?amount=free") == []
    assert listed("?partner__partner_type__exact=broadcaster") == [new.pk]
