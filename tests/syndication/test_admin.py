"""Staff admin: article edits go through the catalogue services, keys are shown once."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from syndication.importing import article_import_ninjs
from syndication.models import ApiKey, Article
from tests import factories as f
from tests.syndication.admin_forms import admin_form_data
from tests.syndication.ninjs_samples import TIDE_GAUGES, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def change_form(client: Client, article: Article) -> tuple[str, dict]:
    url = reverse("admin:syndication_article_change", args=[article.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, admin_form_data(response.content.decode(), "article_form")


def test_saving_a_new_body_in_the_admin_makes_a_revision_with_the_correction_note(
    staff_client, staff, publication
):
    # Given an imported article at revision 1
    article = article_import_ninjs(document=load(TIDE_GAUGES)).article
    url, data = change_form(staff_client, article)

    # When staff change the body (with a script in it) and explain the correction
    data["body_html"] = "<p>Water reached 4.78 metres.</p><script>alert(1)</script>"
    data["correction_note"] = "Corrects the height of the tide."
    response = staff_client.post(url, data)

    # Then the admin saved through the service: revision 2, sanitised, with the note
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.current_revision == 2
    assert article.body_html == "<p>Water reached 4.78 metres.</p>"
    assert list(article.revisions.values_list("number", "correction_note", "created_by")) == [
        (2, "Corrects the height of the tide.", staff.pk),
        (1, "", None),
    ]
    # And the pictures and their rights are as they were
    assert list(article.media.values_list("distributable", flat=True)) == [True, False]


def test_a_metadata_edit_in_the_admin_makes_no_revision(staff_client, publication):
    article = article_import_ninjs(document=load(TIDE_GAUGES)).article
    url, data = change_form(staff_client, article)

    data["section"] = "science"
    data["correction_note"] = "Not a correction."
    assert staff_client.post(url, data).status_code == 302

    article.refresh_from_db()
    assert (article.section, article.current_revision, article.revisions.count()) == (
        "science",
        1,
        1,
    )


def test_staff_clear_an_agency_picture_in_the_media_inline(staff_client, publication):
    # Given an article with a Reuters picture recorded as not distributable
    article = article_import_ninjs(document=load(TIDE_GAUGES)).article
    reuters = article.media.get(rights_holder="Reuters")
    url, data = change_form(staff_client, article)
    index = next(k for k, v in data.items() if k.endswith("-id") and v == str(reuters.pk))
    prefix = index.removesuffix("-id")

    # When staff tick "distributable" for it (they hold syndication rights for this picture)
    data[f"{prefix}-distributable"] = "on"
    assert staff_client.post(url, data).status_code == 302

    # Then the decision is recorded as staff's, so imports will keep it
    reuters.refresh_from_db()
    assert (reuters.distributable, reuters.distributable_set_by_staff) == (True, True)
    own = article.media.get(rights_holder="Harbour Courier Ltd")
    assert (own.distributable, own.distributable_set_by_staff) == (True, False)
    assert article.revisions.count() == 1


def test_adding_an_article_in_the_admin_uses_the_service(staff_client, staff, publication):
    url = reverse("admin:syndication_article_add")
    data = admin_form_data(staff_client.get(url).content.decode(), "article_form")
    data.update(
        publication=str(publication.pk),
        headline="Ferry returns to the winter timetable",
        body_html='<p onclick="x()">From Monday.</p>',
        canonical_url="https://courier.example/news/ferry-winter",
        language="en",
        published_at_0="2026-04-01",
        published_at_1="09:00:00",
        authors='["Ewan Lachlan"]',
        tags="[]",
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.slug == "ferry-returns-to-the-winter-timetable"
    assert article.uri == "https://courier.example/news/ferry-winter"
    assert article.body_html == "<p>From Monday.</p>"
    assert list(article.revisions.values_list("number", "created_by")) == [(1, staff.pk)]


def test_the_article_changelist_searches_filters_and_does_not_grow_queries_per_row(
    staff_client, publication, django_assert_max_num_queries
):
    f.ArticleFactory.create_batch(2, publication=publication)
    url = reverse("admin:syndication_article_changelist")
    with django_assert_max_num_queries(100) as few:
        staff_client.get(url)
    f.ArticleFactory.create_batch(6, publication=publication, section="science")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 8

    searched = staff_client.get(url, {"q": "number", "section": "science", "withdrawn": "no"})
    assert len(searched.context["cl"].result_list) == 6


def test_creating_an_api_key_shows_the_raw_key_once_and_stores_its_digest(
    staff_client, staff, partner
):
    # When staff add a key for a partner
    response = staff_client.post(
        reverse("admin:syndication_apikey_add"),
        {"partner": partner.pk, "name": "Newsroom CMS"},
        follow=True,
    )

    # Then the page they land on shows the raw key in a success message
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [m.message for m in response.context["messages"]]
    assert shown[0].startswith(f"New API key for {partner.name}: {key.prefix}_")
    raw = shown[0].split(": ", 1)[1].split(" ", 1)[0]
    assert shown[0] == (
        f"New API key for {partner.name}: {raw} (copy it now: it will not be shown again)."
    )
    assert raw in response.content.decode()
    # And only its digest is stored
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert (key.partner, key.name, key.created_by) == (partner, "Newsroom CMS", staff)
    assert raw not in [str(value) for value in ApiKey.objects.values().get().values()]
    # And it is never shown again, nor is its digest
    for url in (
        reverse("admin:syndication_apikey_changelist"),
        reverse("admin:syndication_apikey_change", args=[key.pk]),
    ):
        page = staff_client.get(url).content.decode()
        assert raw not in page
        assert key.digest not in page


def test_the_revoke_action_revokes_the_selected_keys(staff_client, partner):
    f.api_key_for(partner, "one")
    f.api_key_for(partner, "two")
    keep = ApiKey.objects.get(name="two")
    revoke = ApiKey.objects.get(name="one")

    response = staff_client.post(
        reverse("admin:syndication_apikey_changelist"),
        {"action": "revoke_selected", "_selected_action": [revoke.pk]},
    )

    assert response.status_code == 302
    revoke.refresh_from_db()
    keep.refresh_from_db()
    assert revoke.revoked_at is not None
    assert keep.revoked_at is None


@pytest.mark.parametrize(
    ("changelist", "make"),
    [
        (
            "admin:syndication_apikey_changelist",
            lambda: f.api_key_for(f.PartnerFactory()),
        ),
        ("admin:syndication_partner_changelist", lambda: f.PartnerFactory()),
    ],
)
def test_changelists_do_not_grow_queries_per_row(
    staff_client, changelist, make, django_assert_max_num_queries
):
    url = reverse(changelist)
    make()
    with django_assert_max_num_queries(100) as one:
        assert staff_client.get(url).status_code == 200
    for _ in range(5):
        make()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert staff_client.get(url).status_code == 200
