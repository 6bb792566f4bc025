"""The public pages: the republish catalogue, an article's request form with its explained quote,
and the signed status page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensing.forms import SERVICE_FIELD_ALIASES, RepublishForm
from licensing.links import request_id_from_status_token, status_token
from licensing.models import LicenceRequest, RequestStatus
from licensing.services import (
    licence_request_ask_info,
    licence_request_refuse,
    licence_request_start_review,
)
from syndication.errors import DomainError
from syndication.forms_errors import add_domain_error
from syndication.models import Partner, SyndicationStatus
from syndication.services import article_update
from tests import factories as f

pytestmark = pytest.mark.django_db
TIMES = "\u00d7"  # the multiplication sign the quote engine writes before a factor


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limiter counts in the cache; every story starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "contact_name": "Ada O'Neill",
        "contact_email": "ada@valley.example",
        "outlet": "Valley Gazette",
        "website": "https://valley.example/",
        "requester_type": "commercial",
        "country": "GB",
        "reach": "50000",
        "use_type": "web",
        "portion": "full",
        "excerpt_words": "",
        "territory": "gb",
        "term": "30d",
        "include_images": "on",
        "intended_url": "https://valley.example/news/tides",
        "message": "",
        "accept_terms": "on",
        "website_url": "",
        "action": "submit",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def quote_rows(html: str) -> list[tuple[str, str]]:
    """The quote table's rows as (rule, amount), body and footer, in order."""
    table = re.search(r'<table class="quote-lines">(.*?)</table>', html, re.S)
    assert table, "no quote table on the page"
    rows = re.findall(
        r'<th scope="row">(.*?)</th>\s*<td class="amount">(.*?)</td>', table.group(1), re.S
    )
    return [(_text(rule), _text(amount)) for rule, amount in rows]


def status_request_id(path: str) -> int | None:
    # Status tokens carry a timestamp, so compare what a link points at, not its spelling.
    match = re.fullmatch(r"/requests/([^/]+)/", path)
    return request_id_from_status_token(match.group(1)) if match else None


def republish_url(article) -> str:
    return reverse("licensing:republish", kwargs={"slug": article.slug})


# ---------------------------------------------------------------------------------------------
# The form and its quote
# ---------------------------------------------------------------------------------------------


def test_the_republish_page_shows_the_article_and_the_form_with_the_cards_options(
    client, article, rate_card
):
    response = client.get(republish_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert article.headline in html
    assert "Harbour instruments show the sea is rising faster" in html
    assert "By Mara Quinn" in html
    territories = re.findall(r'<option value="([^"]*)"', html.split('name="territory"')[1])[:4]
    assert territories == ["gb", "eu", "worldwide", "asia"]
    terms_select = html.split('name="term"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)"', terms_select) == ["30d", "1y", "perpetual"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<details class="licence-terms" id="licence-terms">' in html
    # The honeypot is out of reach for people and screen readers.
    assert '<div class="hp" aria-hidden="true">' in html
    assert re.search(r'<input type="text" name="website_url"[^>]*tabindex="-1"', html)


def test_quote_explains_the_standard_web_price_line_by_line(client, article, rate_card):
    response = client.post(republish_url(article), form_data(action="quote", reach="50000"))

    assert response.status_code == 200
    assert quote_rows(response.content.decode()) == [
        ("Base fee: web, full article", "£100.00"),
        (f"Requester: commercial {TIMES}1", "£0.00"),
        (f"Reach 0+ {TIMES}1", "£0.00"),
        (f"Territory: United Kingdom {TIMES}1", "£0.00"),
        (f"Term: 30 days {TIMES}1", "£0.00"),
        ("Subtotal", "£100.00"),
        ("Total", "£100.00"),
    ]
    assert LicenceRequest.objects.count() == 0
    assert Partner.objects.count() == 0


def test_a_bigger_audience_adds_the_reach_line(client, article, rate_card):
    response = client.post(republish_url(article), form_data(action="quote", reach="150000"))

    rows = quote_rows(response.content.decode())
    assert (f"Reach 100,000+ {TIMES}1.5", "+£50.00") in rows
    assert rows[-1] == ("Total", "£150.00")


def test_quote_needs_no_contact_details_but_shows_exclusions(client, article, rate_card):
    f.MediaFactory(
        article=article, caption="Flooded quay", credit="Wire Agency", rights_holder="Wire Agency",
        distributable=False,
    )  # fmt: skip

    response = client.post(
        republish_url(article),
        form_data(action="quote", contact_name="", contact_email="", outlet="", accept_terms=""),
    )

    html = response.content.decode()
    assert quote_rows(html)[-1] == ("Total", "£100.00")
    assert "Flooded quay (Wire Agency)" in html
    assert 'class="errorlist"' not in html


def test_the_quote_fragment_returns_the_same_lines(client, article, rate_card):
    page = client.post(republish_url(article), form_data(action="quote", reach="150000"))

    fragment = client.post(
        reverse("licensing:republish-quote", kwargs={"slug": article.slug}),
        form_data(action="quote", reach="150000"),
    )

    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert quote_rows(html) == quote_rows(page.content.decode())


def test_the_quote_fragment_lists_what_is_missing(client, article, rate_card):
    response = client.post(
        reverse("licensing:republish-quote", kwargs={"slug": article.slug}),
        form_data(action="quote", reach="", country="Britain"),
    )

    html = response.content.decode()
    assert 'class="quote-lines"' not in html
    assert "Enter a two-letter country code, e.g. GB." in html
    assert '<a href="#id_reach">Audience</a>: This field is required.' in html


def test_a_blocked_territory_is_explained_as_a_refusal(client, article, rate_card):
    response = client.post(republish_url(article), form_data(action="quote", territory="asia"))

    html = unescape(response.content.decode())
    refusals = re.search(r'<div class="refusals" role="alert">(.*?)</div>', html, re.S)
    assert refusals, "no refusal shown"
    assert "We cannot license this use" in refusals.group(1)
    assert "East Asia" in refusals.group(1) and "KP" in refusals.group(1)
    assert 'class="quote-lines"' not in html


# ---------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------


def test_submitting_files_one_request_emails_both_sides_and_redirects_to_its_status(
    client, article, rate_card, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@courier.example"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(republish_url(article), form_data())

    licence_request = LicenceRequest.objects.get()
    assert response.status_code == 303
    assert status_request_id(response["Location"]) == licence_request.pk
    assert licence_request.status == RequestStatus.SUBMITTED
    assert licence_request.total == 100
    assert licence_request.contact_name == "Ada O'Neill"
    assert licence_request.partner.name == "Valley Gazette"
    assert licence_request.partner.verified is False
    assert [item.article for item in licence_request.items.all()] == [article]

    partner_mail, staff_mail = sorted(mail.outbox, key=lambda m: m.to != ["ada@valley.example"])
    assert partner_mail.to == ["ada@valley.example"]
    assert partner_mail.subject == (
        f"We have your republishing request {licence_request.pk}: “{article.headline}”"
    )
    links = re.compile(r'http://127\.0\.0\.1:8000(/requests/[^/\s"]+/)')
    assert {status_request_id(p) for p in links.findall(partner_mail.body)} == {licence_request.pk}
    html_links = links.findall(partner_mail.alternatives[0].content)
    assert {status_request_id(p) for p in html_links} == {licence_request.pk}
    assert "Dear Ada O'Neill," in partner_mail.body  # plain text is not HTML-escaped
    assert staff_mail.to == ["desk@courier.example"]
    assert staff_mail.subject == f"New request {licence_request.pk} from Valley Gazette (£100.00)"
    admin_link = (
        f"http://127.0.0.1:8000/admin/licensing/licencerequest/{licence_request.pk}/change/"
    )
    assert admin_link in staff_mail.body
    assert admin_link in staff_mail.alternatives[0].content

    status_page = client.get(response["Location"])
    assert status_page.status_code == 200
    assert '<span class="status status-submitted">Submitted</span>' in status_page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_email": "not-an-email"}, "contact_email", "Enter a valid email address."),
        ({"territory": "mars"}, "territory", "Select a valid choice. mars is not one of"),
        ({"accept_terms": ""}, "accept_terms", "Accept the licence terms to send the request."),
    ],
)
def test_bad_input_is_shown_beside_its_field_keeping_what_was_typed_and_saving_nothing(
    client, article, rate_card, overrides, field, message
):
    response = client.post(
        republish_url(article), form_data(contact_name="Ada Typed-This", **overrides)
    )

    assert response.status_code == 200
    html = response.content.decode()
    error_list = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert error_list and message in unescape(error_list.group(1))
    assert re.search(
        rf'<[^>]*aria-describedby="[^"]*id_{field}_error[^"]*"[^>]*id="id_{field}"', html
    )
    assert 'value="Ada Typed-This"' in html
    assert 'value="https://valley.example/news/tides"' in html
    assert LicenceRequest.objects.count() == 0
    assert Partner.objects.count() == 0


@pytest.mark.parametrize(
    ("action", "overrides", "field", "message"),
    [
        (
            "submit",
            {"contact_email": "ada@valley"},
            "contact_email",
            "Enter a valid email address.",
        ),
        ("quote", {"contact_email": "ada@valley"}, "contact_email", "Enter a valid email address."),
        ("submit", {"website": "valley gazette"}, "website", "Enter a valid URL."),
        ("submit", {"accept_terms": ""}, "accept_terms", "Accept the licence terms"),
    ],
)
def test_a_mistake_in_a_field_the_price_ignores_keeps_the_quote_in_view(
    client, article, rate_card, action, overrides, field, message
):
    # Given a valid use, when the partner gets only a contact detail or the terms wrong...
    response = client.post(
        republish_url(article),
        form_data(action=action, contact_name="Ada Typed-This", reach="150000", **overrides),
    )

    # ...then the page comes back with the error beside its field and the price still shown.
    assert response.status_code == 200
    html = response.content.decode()
    error_list = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert error_list and message in unescape(error_list.group(1))
    assert re.search(
        rf'<[^>]*aria-describedby="[^"]*id_{field}_error[^"]*"[^>]*id="id_{field}"', html
    )
    assert quote_rows(html) == [
        ("Base fee: web, full article", "£100.00"),
        (f"Requester: commercial {TIMES}1", "£0.00"),
        (f"Reach 100,000+ {TIMES}1.5", "+£50.00"),
        (f"Territory: United Kingdom {TIMES}1", "£0.00"),
        (f"Term: 30 days {TIMES}1", "£0.00"),
        ("Subtotal", "£150.00"),
        ("Total", "£150.00"),
    ]
    assert 'value="Ada Typed-This"' in html
    for typed in overrides.values():
        if typed:
            assert f'value="{typed}"' in html
    assert LicenceRequest.objects.count() == 0
    assert Partner.objects.count() == 0


def test_the_quote_fragment_prices_the_use_despite_a_bad_email(client, article, rate_card):
    response = client.post(
        reverse("licensing:republish-quote", kwargs={"slug": article.slug}),
        form_data(action="quote", contact_email="ada@valley"),
    )

    assert quote_rows(response.content.decode())[-1] == ("Total", "£100.00")


def test_a_mistake_in_a_priced_field_still_withholds_the_quote(client, article, rate_card):
    response = client.post(
        republish_url(article), form_data(contact_email="ada@valley", reach="lots")
    )

    html = response.content.decode()
    assert 'id="id_contact_email_error"' in html
    assert 'id="id_reach_error"' in html
    assert 'class="quote-lines"' not in html
    assert "Correct the marked fields to see the price." in html


def test_a_filled_honeypot_looks_like_success_but_saves_nothing(client, article, rate_card):
    response = client.post(republish_url(article), form_data(website_url="http://spam.example"))

    assert response.status_code == 200
    assert "Thank you: your request has been sent" in unescape(response.content.decode())
    assert LicenceRequest.objects.count() == 0
    assert Partner.objects.count() == 0
    assert mail.outbox == []


def test_submissions_past_the_rate_limit_get_429_but_quotes_are_not_counted(
    client, article, rate_card, settings
):
    settings.REPUBLISH_RATE_LIMIT = "2/h"
    url = republish_url(article)
    for _ in range(5):
        assert client.post(url, form_data(action="quote")).status_code == 200

    first = client.post(url, form_data(contact_email="one@valley.example"))
    second = client.post(url, form_data(contact_email="two@valley.example"))
    third = client.post(url, form_data(contact_email="three@valley.example"))

    assert (first.status_code, second.status_code, third.status_code) == (303, 303, 429)
    assert "Too many requests" in third.content.decode()
    assert LicenceRequest.objects.count() == 2


def test_a_logged_in_partner_user_gets_prefilled_fields_and_files_for_their_partner(
    client, article, rate_card
):
    partner = f.PartnerFactory(name="Coastal Times", country="IE", monthly_uniques=80_000)
    user = f.UserFactory(username="ines", email="ines@coastal.example", first_name="Inès")
    f.PartnerMembershipFactory(user=user, partner=partner)
    client.force_login(user)

    page = client.get(republish_url(article)).content.decode()
    response = client.post(
        republish_url(article),
        form_data(contact_email="ines@coastal.example", outlet="Coastal Times", country="IE"),
    )

    assert 'value="Coastal Times"' in page
    assert 'value="ines@coastal.example"' in page
    assert 'value="IE"' in page
    assert response.status_code == 303
    licence_request = LicenceRequest.objects.get()
    assert licence_request.partner == partner
    # A verified partner under the card's £250 limit is approved automatically.
    assert licence_request.status == RequestStatus.AWAITING_PAYMENT
    assert Partner.objects.count() == 1
    status_page = client.get(response["Location"]).content.decode()
    assert '<span class="status status-awaiting_payment">Awaiting payment</span>' in status_page
    # Without Stripe keys the page asks for a bank transfer quoting the request number.
    assert (
        f"Please pay £{licence_request.total} by bank transfer, quoting your request number "
        f"{licence_request.pk}." in status_page
    )
    assert "Cancel the request" not in status_page


def test_domain_errors_land_on_the_field_they_name(rate_card):
    form = RepublishForm(form_data(), card=rate_card)
    assert form.is_valid()

    add_domain_error(form, DomainError("Too long.", field="excerpt"), aliases=SERVICE_FIELD_ALIASES)
    add_domain_error(form, DomainError("No rate card.", field="articles"))

    assert form.errors == {"excerpt_words": ["Too long."], "__all__": ["No rate card."]}


# ---------------------------------------------------------------------------------------------
# Articles that cannot be licensed
# ---------------------------------------------------------------------------------------------


def test_a_not_for_syndication_article_explains_why_and_shows_no_form(
    client, publication, rate_card
):
    article = f.ArticleFactory(
        publication=publication, syndication_status=SyndicationStatus.NOT_FOR_SYNDICATION
    )

    response = client.get(republish_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This article is not available for syndication" in html
    assert 'id="republish-form"' not in html
    assert article.headline in html


def test_an_embargoed_article_explains_the_embargo_without_showing_the_story(
    client, publication, rate_card
):
    until = timezone.now() + timedelta(days=1)
    article = f.ArticleFactory(publication=publication, embargo_until=until)

    response = client.get(republish_url(article))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This article is under embargo until" in html
    assert 'id="republish-form"' not in html
    assert article.headline not in html
    # Nor is it on the public list.
    assert article.headline not in client.get(reverse("licensing:republish-index")).content.decode()


def test_a_withdrawn_article_explains_why(client, article, rate_card):
    article_update(article=article, withdrawn_at=timezone.now(), withdrawn_reason="Legal")

    html = client.get(republish_url(article)).content.decode()

    assert "This article has been withdrawn and can no longer be licensed." in html
    assert 'id="republish-form"' not in html


def test_an_unknown_slug_is_404(client, rate_card):
    assert client.get("/republish/no-such-story/").status_code == 404


def test_an_arabic_article_is_marked_right_to_left(client, publication, rate_card):
    article = f.ArticleFactory(
        publication=publication,
        language="ar",
        headline="ارتفاع منسوب البحر في الميناء",
        standfirst="أجهزة قياس المد تسجل رقما قياسيا",
    )

    html = client.get(republish_url(article)).content.decode()

    assert '<h1 lang="ar" dir="rtl">ارتفاع منسوب البحر في الميناء</h1>' in html
    assert '<p class="standfirst" lang="ar" dir="rtl">أجهزة قياس المد تسجل رقما قياسيا</p>' in html
    assert re.search(r'<html lang="en-gb" dir="ltr">', html)


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


def test_the_catalogue_lists_licensable_articles_newest_first_with_search_and_section(
    client, publication, django_assert_max_num_queries
):
    now = timezone.now()
    older = f.ArticleFactory(
        publication=publication, headline="Ferry timetable cut", section="transport",
        published_at=now - timedelta(days=3),
    )  # fmt: skip
    newer = f.ArticleFactory(
        publication=publication, headline="Harbour tides rise", section="environment",
        published_at=now - timedelta(days=1),
    )  # fmt: skip
    f.ArticleFactory(
        publication=publication, headline="Reserved interview",
        syndication_status=SyndicationStatus.NOT_FOR_SYNDICATION,
    )  # fmt: skip
    for n in range(25):
        f.ArticleFactory(
            publication=publication, headline=f"Archive piece {n}", section="archive",
            published_at=now - timedelta(days=30 + n),
        )  # fmt: skip
    url = reverse("licensing:republish-index")

    with django_assert_max_num_queries(4):
        first_page = client.get(url)

    html = first_page.content.decode()
    assert first_page.status_code == 200
    assert "27 articles" in html
    assert html.index("Harbour tides rise") < html.index("Ferry timetable cut")
    assert "Reserved interview" not in html
    assert f'href="{republish_url(newer)}"' in html
    assert "Page 1 of 2" in html
    searched = client.get(url, {"q": "ferry"}).content.decode()
    assert "Ferry timetable cut" in searched and "Harbour tides rise" not in searched
    sectioned = client.get(url, {"section": "environment"}).content.decode()
    assert "Harbour tides rise" in sectioned and older.headline not in sectioned
    assert '<option value="environment" selected>' in sectioned


# ---------------------------------------------------------------------------------------------
# The status page
# ---------------------------------------------------------------------------------------------


def _submit(client, article, **overrides):
    response = client.post(republish_url(article), form_data(**overrides))
    assert response.status_code == 303, response.content.decode()[:2000]
    return LicenceRequest.objects.latest("pk"), response["Location"]


def test_a_tampered_status_token_is_404(client, article, rate_card):
    licence_request, location = _submit(client, article)
    token = status_token(licence_request)

    assert client.get(location).status_code == 200
    assert client.get(f"/requests/{token[:-2]}xx/").status_code == 404
    assert client.get("/requests/not-a-token/").status_code == 404


def test_the_status_page_shows_the_quote_timeline_and_articles_without_staff_names(
    client, article, rate_card, staff
):

    licence_request, location = _submit(client, article, reach="150000")
    licence_request_ask_info(
        request=licence_request, actor=staff, question="Which edition will carry it?"
    )

    html = unescape(client.get(location).content.decode())

    assert (f"Reach 100,000+ {TIMES}1.5", "+£50.00") in quote_rows(html)
    assert "Request received" in html
    assert "Question from the syndication desk" in html
    assert "Which edition will carry it?" in html
    assert staff.username not in html
    assert "United Kingdom" in html and "30 days" in html
    assert article.headline in html


def test_the_partner_can_cancel_from_the_status_page(
    client, article, rate_card, django_capture_on_commit_callbacks
):
    licence_request, location = _submit(client, article)
    mail.outbox.clear()
    page = client.get(location).content.decode()
    assert "Cancel the request" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("licensing:request-cancel", kwargs={"token": status_token(licence_request)}),
            {"reason": "We ran a wire story instead."},
        )

    assert response.status_code == 303
    assert status_request_id(response["Location"]) == licence_request.pk
    licence_request.refresh_from_db()
    assert licence_request.status == RequestStatus.CANCELLED
    assert licence_request.decision_note == "We ran a wire story instead."
    event = licence_request.events.get(action="cancelled")
    assert event.actor_label == "partner:status-page"
    after = client.get(location).content.decode()
    assert '<span class="status status-cancelled">Cancelled</span>' in after
    assert "Your request has been cancelled." in after
    assert "Cancel the request" not in after
    assert sorted(m.extra_headers["X-Template"] for m in mail.outbox) == [
        "request_cancelled",
        "staff_request_cancelled",
    ]


def test_cancelling_a_decided_request_is_refused_with_a_message(client, article, rate_card, staff):

    licence_request, _location = _submit(client, article)
    licence_request_refuse(request=licence_request, actor=staff, reason="Rights unclear.")

    response = client.post(
        reverse("licensing:request-cancel", kwargs={"token": status_token(licence_request)}),
        follow=True,
    )

    html = response.content.decode()
    assert "Only a request waiting for a decision can be cancelled; this one is refused." in html
    licence_request.refresh_from_db()
    assert licence_request.status == RequestStatus.REFUSED


def test_a_free_education_use_is_licensed_at_once_and_shows_its_licence_numbers(
    client, article, rate_card, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        licence_request, location = _submit(
            client,
            article,
            requester_type="education",
            use_type="education",
            term="1y",
            contact_email="lecturer@college.example",
        )

    assert licence_request.status == RequestStatus.FULFILLED
    year = timezone.localdate().year
    html = client.get(location).content.decode()
    assert '<span class="status status-fulfilled">Fulfilled</span>' in html
    assert f'<code class="licence-number">HC-{year}-000001</code>' in html
    assert "United Kingdom" in html
    ends = timezone.localdate() + timedelta(days=365)
    assert f'<time datetime="{ends:%Y-%m-%d}">' in html
    assert ("Free use: Non-profit education", "£0.00") in quote_rows(html)
    fulfilled = [m for m in mail.outbox if m.extra_headers["X-Template"] == "request_fulfilled"]
    assert len(fulfilled) == 1
    assert fulfilled[0].to == ["lecturer@college.example"]
    assert f"HC-{year}-000001" in fulfilled[0].body
    assert f"HC-{year}-000001" in fulfilled[0].alternatives[0].content


def test_status_page_query_count_does_not_grow_with_events(
    client, article, rate_card, staff, django_assert_max_num_queries
):

    licence_request, location = _submit(client, article)
    licence_request_start_review(request=licence_request, actor=staff)
    for n in range(5):
        licence_request_ask_info(request=licence_request, actor=staff, question=f"Question {n}?")

    with django_assert_max_num_queries(10):
        response = client.get(location)

    assert response.status_code == 200


def test_the_cancel_button_needs_the_csrf_token(article, rate_card, client):

    licence_request, _location = _submit(client, article)
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(
        reverse("licensing:request-cancel", kwargs={"token": status_token(licence_request)})
    )

    assert response.status_code == 403
    licence_request.refresh_from_db()
    assert licence_request.status == RequestStatus.SUBMITTED


def test_the_republish_form_is_refused_without_the_csrf_token(article, rate_card):
    # Given a browser that has the form's cookie but posts without the token
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(republish_url(article)).status_code == 200

    # When it submits the request form
    response = strict.post(republish_url(article), form_data())

    # Then the post is refused and nothing is filed
    assert response.status_code == 403
    assert LicenceRequest.objects.count() == 0
    assert Partner.objects.filter(name="Valley Gazette").count() == 0
    # And the site's own page says what happened and what to do, not Django's bare one
    page = response.content.decode()
    assert "Your form could not be sent" in page
    assert "Nothing was saved." in page
    assert "Go back, reload the page and send the form again." in page
    assert 'href="/republish/"' in page
