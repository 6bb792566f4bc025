"""Steps the browser stories share: filling the republish form, reading the quote, staff
approving a request in the admin, and the people and articles the stories start from."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from licensing import services as licensing
from licensing.models import Licence, LicenceRequest
from licensing.quoting import UseSpec
from tests import factories as f

TIMES = "\u00d7"  # the multiplication sign the quote engine writes before a factor
PASSWORD = "correct horse battery"  # every user from tests/factories.py UserFactory

EDITOR = {
    "contact_name": "Ada O'Neill",
    "contact_email": "ada@valley.example",
    "outlet": "Valley Gazette",
    "website": "https://valley.example/",
    "country": "GB",
    "reach": "150000",
    "intended_url": "https://valley.example/news/tides",
}


def given_an_article_on_the_rate_card() -> Any:
    """The standard card (web full article £100, reach 100,000+ ×1.5) and one article."""
    f.standard_rate_card()
    return f.ArticleFactory(publication=f.PublicationFactory(), slug="tide-gauges-record-high")


def republish_path(article: Any) -> str:
    return reverse("licensing:republish", kwargs={"slug": article.slug})


def fill_republish_form(page: Any, values: dict[str, str] | None = None) -> None:
    """Type into the form as a person would: by label, one field at a time."""
    values = {**EDITOR, **(values or {})}
    form = page.locator("#republish-form")
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)


def quote_rows(page: Any, where: str = ".quote-panel") -> list[tuple[str, str]]:
    """The explained quote as (rule, amount) rows, body then footer, as the reader sees them."""
    rows = page.locator(f"{where} table.quote-lines tr:has(th[scope=row])")
    return [
        (
            " ".join(row.locator("th").inner_text().split()),
            " ".join(row.locator("td").inner_text().split()),
        )
        for row in rows.all()
    ]


def status_token(page: Any) -> str:
    match = re.search(r"/requests/([^/]+)/$", page.url)
    assert match, f"not on a status page: {page.url}"
    return match.group(1)


def admin_log_in(page: Any, staff: Any) -> None:
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def admin_approve(page: Any, licence_request: LicenceRequest, *, note: str = "") -> None:
    """From the review queue: open the request, press Approve, confirm on the action's form."""
    page.goto(reverse("admin:licensing_licencerequest_changelist"))
    page.get_by_role("link", name=str(licence_request.pk), exact=True).click()
    page.wait_for_url(re.compile(rf"/licencerequest/{licence_request.pk}/change/$"))
    page.get_by_role("button", name="Approve", exact=True).click()
    if note:
        page.get_by_label("Note").fill(note)
    page.locator("input[type=submit][value=Approve]").click()
    page.locator(".messagelist .success").wait_for()


WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def given_a_submitted_request(partner: Any, article: Any) -> LicenceRequest:
    """An unverified partner's £100 web use, waiting for staff (as the form would file it)."""
    return licensing.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=WEB_GB_30D,
        terms_accepted=True,
    )


def given_a_partner_editor(**partner_fields: Any) -> tuple[Any, Any]:
    """A partner and a user who signs into the portal for it."""
    partner = f.PartnerFactory(verified=False, **partner_fields)
    user = f.UserFactory(first_name="Ada", last_name="Editor")
    f.PartnerMembershipFactory(user=user, partner=partner)
    return partner, user


def portal_log_in(page: Any, user: Any) -> None:
    page.goto(reverse("portal:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^(Log|Sign) in$")).click()
    page.wait_for_url(re.compile(r"/portal/$"))


def given_a_licence(partner: Any, article: Any) -> Licence:
    """A request approved by staff and paid by bank transfer: one active licence."""
    licence_request = given_a_submitted_request(partner, article)
    staff = f.StaffFactory()
    licensing.licence_request_approve(request=licence_request, actor=staff)
    licensing.licence_request_mark_paid(request=licence_request, actor=staff, note="Transfer")
    return Licence.objects.get(request=licence_request)


def admin_approve_as_staff(
    new_context: Callable[..., Any], licence_request: LicenceRequest
) -> None:
    """Staff, in their own browser, approve the request from the review queue."""
    page = new_context().new_page()
    admin_log_in(page, f.StaffFactory())
    admin_approve(page, licence_request)
    page.close()
