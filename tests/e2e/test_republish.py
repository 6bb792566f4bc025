"""A partner editor on the public pages in a real browser: the 404 page, the live explained quote,
filing a request, errors beside their fields, the form without JavaScript, and axe-core on each
page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from licensing.models import LicenceRequest, RequestStatus
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    TIMES,
    fill_republish_form,
    given_an_article_on_the_rate_card,
    quote_rows,
    republish_path,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUOTE_150K = [
    ("Base fee: web, full article", "£100.00"),
    (f"Requester: commercial {TIMES}1", "£0.00"),
    (f"Reach 100,000+ {TIMES}1.5", "+£50.00"),
    (f"Territory: United Kingdom {TIMES}1", "£0.00"),
    (f"Term: 30 days {TIMES}1", "£0.00"),
    ("Subtotal", "£150.00"),
    ("Total", "£150.00"),
]


def test_an_editor_sees_the_quote_explained_live_and_files_the_request(page):
    article = given_an_article_on_the_rate_card()

    # A mistyped address gets the site's own 404 page, which leads on to the catalogue.
    response = page.goto("/republish-this/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    axe(page)
    page.get_by_role("link", name="Browse the articles you can republish").click()
    page.wait_for_url(f"**{reverse('licensing:republish-index')}")
    axe(page)
    page.get_by_role("link", name=article.headline).first.click()
    page.wait_for_url(f"**{republish_path(article)}")
    axe(page)
    fill_republish_form(page)

    # The script re-prices as fields change: no button pressed yet.
    page.locator("#quote tr.total").wait_for()
    assert quote_rows(page) == QUOTE_150K
    page.get_by_label("Audience").fill("50000")
    page.locator("#quote tr.line-reach", has_text=f"Reach 0+ {TIMES}1").wait_for()
    assert quote_rows(page)[-1] == ("Total", "£100.00")
    page.get_by_label("Audience").fill("150000")
    page.locator("#quote tr.total", has_text="£150.00").wait_for()
    assert quote_rows(page) == QUOTE_150K
    axe(page)

    page.get_by_label("I accept the licence terms").check()
    page.get_by_role("button", name="Send the request").click()

    page.wait_for_url(re.compile(r"/requests/[^/]+/$"))
    assert page.locator("h1 .status").inner_text() == "Submitted"
    assert quote_rows(page) == QUOTE_150K
    licence_request = LicenceRequest.objects.get()
    assert page.locator("h1").inner_text() == f"Request {licence_request.pk} Submitted"
    assert licence_request.status == RequestStatus.SUBMITTED
    assert licence_request.total == 150
    assert licence_request.contact_email == "ada@valley.example"
    axe(page)


def test_bad_input_is_shown_beside_each_field_and_what_was_typed_is_kept(page):
    article = given_an_article_on_the_rate_card()
    page.goto(republish_path(article))
    fill_republish_form(page, {"contact_email": "ada-at-valley", "message": "For Sunday's issue."})

    page.get_by_role("button", name="Send the request").click()

    page.locator("#form-errors").wait_for()
    for field, message in [
        ("contact_email", "Enter a valid email address."),
        ("accept_terms", "Accept the licence terms to send the request."),
    ]:
        error = page.locator(f"#id_{field}_error")
        assert error.inner_text() == message
        described_by = page.locator(f"#id_{field}").get_attribute("aria-describedby") or ""
        assert f"id_{field}_error" in described_by.split()
        # Beside the field: inside the same field wrapper.
        assert page.locator(f"#field-{field} #id_{field}_error").count() == 1
    assert page.get_by_label("Email").input_value() == "ada-at-valley"
    assert page.get_by_label("Your name").input_value() == "Ada O'Neill"
    assert page.get_by_label("Audience").input_value() == "150000"
    assert page.get_by_label("Message to the syndication desk").input_value() == (
        "For Sunday's issue."
    )
    assert not page.get_by_label("I accept the licence terms").is_checked()
    assert LicenceRequest.objects.count() == 0
    axe(page)


def test_without_javascript_the_quote_button_prices_the_use(new_context):
    article = given_an_article_on_the_rate_card()
    page = new_context(java_script_enabled=False).new_page()
    page.goto(republish_path(article))
    fill_republish_form(page)
    assert page.locator("#quote table").count() == 0

    page.get_by_role("button", name="Show the price").click()

    page.locator("#quote tr.total").wait_for()
    assert quote_rows(page) == QUOTE_150K
    assert page.get_by_label("Your name").input_value() == "Ada O'Neill"
    assert LicenceRequest.objects.count() == 0
