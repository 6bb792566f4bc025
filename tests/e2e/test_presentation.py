"""How the pages present themselves beyond a desktop browser in English: right-to-left Arabic,
a 375 px phone, print, the keyboard, and the copy button JavaScript adds to the public
verification page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from licensing.links import status_path
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    PASSWORD,
    fill_republish_form,
    given_a_licence,
    given_a_partner_editor,
    given_a_submitted_request,
    given_an_article_on_the_rate_card,
    portal_log_in,
    republish_path,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


def given_a_partner_with_a_licence() -> tuple[Any, Any, Any]:
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor()
    return article, user, given_a_licence(partner, article)


def public_and_portal_paths(article: Any, licence: Any) -> tuple[list[str], list[str]]:
    public = [
        reverse("licensing:republish-index"),
        republish_path(article),
        status_path(licence.request),
        reverse("licensing:licence-verify", kwargs={"number": licence.number}),
        reverse("portal:login"),
    ]
    portal = [
        reverse("portal:home"),
        reverse("portal:requests"),
        reverse("portal:request-detail", kwargs={"pk": licence.request_id}),
        reverse("portal:licences"),
        reverse("portal:licence-detail", kwargs={"number": licence.number}),
        reverse("portal:payments"),
        reverse("portal:keys"),
        reverse("portal:webhooks"),
    ]
    return public, portal


def test_arabic_pages_are_right_to_left_and_pass_axe(new_context):
    article, user, licence = given_a_partner_with_a_licence()
    page = new_context(locale="ar").new_page()  # the browser asks for Arabic (Accept-Language)

    page.goto(republish_path(article))
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The start of a line is on the right: the skip link and the brand sit at the right edge.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    axe(page)
    # Django's own form labels are in Arabic here, so the fields are found by id.
    page.goto(reverse("portal:login"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    axe(page)
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{reverse('portal:home')}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    axe(page)
    page.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))
    axe(page)


def test_on_a_375px_phone_no_page_scrolls_sideways(new_context):
    article, user, licence = given_a_partner_with_a_licence()
    page = new_context(viewport=PHONE).new_page()
    public, portal = public_and_portal_paths(article, licence)

    wide = []
    for path in public:
        page.goto(path)
        if path == republish_path(article):
            fill_republish_form(page)
            page.locator("#quote tr.total").wait_for()
        wide.append(_overflow(page, path))
    portal_log_in(page, user)
    for path in portal:
        page.goto(path)
        wide.append(_overflow(page, path))

    assert [w for w in wide if w] == []


def _overflow(page: Any, path: str) -> str:
    """'' when the page fits its viewport's width, else what is too wide."""
    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    return "" if scroll_width <= inner_width else f"{path}: {scroll_width}px > {inner_width}px"


def test_printing_leaves_out_navigation_and_forms(new_context):
    article, user, licence = given_a_partner_with_a_licence()
    given_a_submitted_request(licence.partner, article)  # an open request has a cancel form
    page = new_context().new_page()

    page.goto(republish_path(article))
    page.emulate_media(media="print")
    for hidden in (".skip-link", ".site-header nav", ".language-form", "#republish-form button"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator("h1").is_visible()

    page.emulate_media(media="screen")
    portal_log_in(page, user)
    page.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))
    assert page.locator(".portal-nav").is_visible()
    page.emulate_media(media="print")
    for hidden in (".portal-nav", ".portal-logout", ".language-form", ".copy-field button"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator("h1").is_visible()
    assert page.locator("#verify-url").is_visible()  # the link itself stays on paper


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(new_context):
    article, user, licence = given_a_partner_with_a_licence()
    page = new_context().new_page()
    portal_log_in(page, user)

    # (Not the sign-in page: its username field takes the focus on arrival, as Django's does.)
    for path in (
        republish_path(article),
        status_path(licence.request),
        reverse("portal:home"),
        reverse("portal:licence-detail", kwargs={"number": licence.number}),
    ):
        page.goto(path)
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.text]")
        assert focused == ["skip-link", "Skip to main content"], path
        assert page.locator(".skip-link").is_visible()  # it shows itself when focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", path


def test_the_copy_button_puts_the_verification_link_on_the_clipboard(new_context, live_server):
    _, _, licence = given_a_partner_with_a_licence()
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    path = reverse("licensing:licence-verify", kwargs={"number": licence.number})

    page.goto(path)
    button = page.get_by_role("button", name="Copy link")
    button.click()

    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + path
    page.locator("[data-copy-status]", has_text="Copy link").wait_for(state="attached")
    axe(page)
