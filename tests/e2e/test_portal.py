"""The partner portal and the public verification page in a real browser: a partner's own
pages pass axe-core, and another partner's licence cannot be reached by typing its URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tests.e2e.conftest import axe
from tests.e2e.steps import (
    given_a_licence,
    given_a_partner_editor,
    given_a_submitted_request,
    given_an_article_on_the_rate_card,
    portal_log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_anyone_can_verify_a_licence_number(page):
    article = given_an_article_on_the_rate_card()
    partner, _ = given_a_partner_editor()
    licence = given_a_licence(partner, article)

    page.goto(reverse("licensing:licence-verify", kwargs={"number": licence.number}))

    assert page.locator("h1 .licence-number").inner_text() == licence.number
    assert page.locator("h1 .status").inner_text() == "Active"
    axe(page)


def test_every_portal_page_a_partner_reaches_from_the_menu_passes_axe(page):
    article = given_an_article_on_the_rate_card()
    partner, user = given_a_partner_editor()
    licence = given_a_licence(partner, article)
    given_a_submitted_request(partner, f.ArticleFactory(publication=article.publication))
    for signed_out in (reverse("portal:password-reset"), reverse("portal:login")):
        page.goto(signed_out)
        axe(page)
    portal_log_in(page, user)
    axe(page)

    menu = page.locator("nav a[href^='/portal/']")
    paths = list(dict.fromkeys(menu.evaluate_all("links => links.map(a => a.pathname)")))
    assert len(paths) == 8, paths
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        axe(page)
    for path in (
        reverse("portal:request-detail", kwargs={"pk": licence.request_id}),
        reverse("portal:licence-detail", kwargs={"number": licence.number}),
    ):
        page.goto(path)
        axe(page)


def test_a_partner_cannot_open_another_partners_licence_by_url(new_context, stripe_standin):
    article = given_an_article_on_the_rate_card()
    owner, _ = given_a_partner_editor()
    licence = given_a_licence(owner, article)
    _, stranger = given_a_partner_editor(name="Rival Post")
    page = new_context().new_page()
    portal_log_in(page, stranger)

    response = page.goto(reverse("portal:licence-detail", kwargs={"number": licence.number}))

    assert response.status == 404
    assert licence.number not in page.content()
    assert article.headline not in page.content()
    response = page.goto(reverse("portal:request-detail", kwargs={"pk": licence.request_id}))
    assert response.status == 404
    assert article.headline not in page.content()
