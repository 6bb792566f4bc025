"""Upserting ninjs into the catalogue: created, updated (with a revision), unchanged, rejected."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from syndication.importing import article_import_ninjs, media_set_distributable
from syndication.models import Article, ArticleRevision, Media
from tests.syndication.ninjs_samples import (
    ARABIC,
    NO_HEADLINE,
    TIDE_GAUGES,
    load,
    minimal_31,
    with_body,
)

pytestmark = pytest.mark.django_db

DANGEROUS_BODY = (
    "<p>Water rose.<script>alert(1)</script></p>"
    '<p><img src="file:///etc/passwd" alt="x">'
    '<img src="https://courier.example/a.jpg" onerror="alert(2)" alt="Gauge"></p>'
    '<p><a href="javascript:alert(3)">Read more</a> '
    '<a href="https://courier.example/more" onclick="steal()">More</a></p>'
)


OWN_PICTURE = "https://courier.example/img/2026/03/harbour-wall.jpg"
REUTERS_PICTURE = "https://courier.example/img/2026/03/reuters-den-helder.jpg"


def media_rows(article):
    return list(
        article.media.order_by("position").values_list(
            "position", "source_url", "rights_holder", "distributable", "distributable_set_by_staff"
        )
    )


def test_a_new_document_creates_the_article_its_first_revision_and_its_media(publication, staff):
    # Given the tide gauges story, not yet in the catalogue
    # When staff import it
    result = article_import_ninjs(document=load(TIDE_GAUGES), actor=staff)

    # Then the article exists with its first revision, credited to the importer
    assert result.status == "created"
    assert result.reasons == []
    article = Article.objects.get(
        uri="urn:newsml:courier.example:2026:article:tide-gauges-record-high"
    )
    assert result.article == article
    assert article.publication == publication
    assert article.slug == "harbour-tide-gauges-record-highest-water-in-a-century"
    assert article.section == "environment"
    assert article.authors == ["Mara Quinn", "Tomas Reyes"]
    assert article.updated_at == datetime(2026, 3, 14, 9, 12, tzinfo=UTC)
    assert article.current_revision == 1
    assert list(article.revisions.values_list("number", "created_by")) == [(1, staff.pk)]
    # And the Reuters picture is recorded as not distributable, our own as distributable
    assert media_rows(article) == [
        (0, OWN_PICTURE, "Harbour Courier Ltd", True, False),
        (1, REUTERS_PICTURE, "Reuters", False, False),
    ]


def test_an_identical_reimport_is_unchanged_and_makes_no_revision(publication):
    # Given an imported article
    first = article_import_ninjs(document=load(TIDE_GAUGES))
    media_ids = list(first.article.media.values_list("pk", flat=True))

    # When the same document arrives again
    again = article_import_ninjs(document=load(TIDE_GAUGES))

    # Then nothing is written
    assert again.status == "unchanged"
    assert again.article.pk == first.article.pk
    assert ArticleRevision.objects.filter(article=first.article).count() == 1
    assert list(first.article.media.values_list("pk", flat=True)) == media_ids


def test_a_changed_body_makes_revision_2_with_the_correction_note(publication, staff):
    # Given an imported article
    article_import_ninjs(document=load(TIDE_GAUGES))

    # When the newsroom sends a corrected body with an editorial note
    corrected = with_body(load(TIDE_GAUGES), "<p>Water reached 4.78 metres above chart datum.</p>")
    corrected["edNote"] = "Corrects the height of the tide in the second paragraph."
    corrected["versionCreated"] = "2026-03-14T11:00:00Z"
    result = article_import_ninjs(document=corrected, actor=staff)

    # Then the article is updated with a second revision carrying the note
    assert result.status == "updated"
    article = Article.objects.get(pk=result.article.pk)
    assert article.current_revision == 2
    assert article.body_html == "<p>Water reached 4.78 metres above chart datum.</p>"
    # The newsroom's versionCreated is kept, not the import's clock
    assert article.updated_at == datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    assert list(article.revisions.values_list("number", "correction_note", "created_by")) == [
        (2, "Corrects the height of the tide in the second paragraph.", staff.pk),
        (1, "", None),
    ]
    # And sending the corrected version again changes nothing more
    assert article_import_ninjs(document=corrected).status == "unchanged"
    assert article.revisions.count() == 2


def test_a_metadata_change_updates_without_a_revision(publication):
    article_import_ninjs(document=load(TIDE_GAUGES))
    moved = copy.deepcopy(load(TIDE_GAUGES))
    moved["subjects"][0] = {"rel": "section", "name": "Science", "literal": "science"}

    result = article_import_ninjs(document=moved)

    assert result.status == "updated"
    assert result.article.section == "science"
    assert result.article.current_revision == 1
    assert result.article.revisions.count() == 1


def test_a_staff_rights_decision_survives_a_reimport(publication, staff):
    # Given an imported article whose Reuters picture staff cleared for syndication
    created = article_import_ninjs(document=load(TIDE_GAUGES)).article
    reuters = created.media.get(rights_holder="Reuters")
    media_set_distributable(media=reuters, distributable=True, actor=staff)

    # When the newsroom re-sends the story with a new caption on our own picture
    recaptioned = copy.deepcopy(load(TIDE_GAUGES))
    recaptioned["associations"][0]["descriptions"][0]["value"] = "The harbour wall at 03:40."
    result = article_import_ninjs(document=recaptioned)

    # Then the media are replaced, and the staff decision on the Reuters picture stands
    assert result.status == "updated"
    assert media_rows(result.article) == [
        (0, OWN_PICTURE, "Harbour Courier Ltd", True, False),
        (1, REUTERS_PICTURE, "Reuters", True, True),
    ]
    assert result.article.media.get(position=0).caption == "The harbour wall at 03:40."


def test_dangerous_body_html_is_sanitised_on_the_way_in(publication):
    # Given a body with a script, event handlers, a javascript: link and a local-file image
    document = with_body(minimal_31(), DANGEROUS_BODY)

    # When it is imported
    article = article_import_ninjs(document=document).article

    # Then only the safe parts are stored, in the article and in its revision
    expected = (
        '<p>Water rose.</p><p><img alt="x"><img src="https://courier.example/a.jpg" alt="Gauge">'
        '</p><p><a rel="noopener noreferrer">Read more</a> '
        '<a href="https://courier.example/more" rel="noopener noreferrer">More</a></p>'
    )
    article.refresh_from_db()
    assert article.body_html == expected
    assert article.revisions.get().body_html == expected
    for dangerous in ("<script", "onerror", "onclick", "javascript:", "file:", "/etc/passwd"):
        assert dangerous not in article.body_html
    # And re-sending the same raw body is recognised as unchanged
    assert article_import_ninjs(document=document).status == "unchanged"


def test_a_rejected_document_saves_nothing(publication):
    result = article_import_ninjs(document=load(NO_HEADLINE))

    assert result.status == "rejected"
    assert result.article is None
    assert result.errors == {
        "headline": ["A headline is required (headlines[].value or headline)."]
    }
    assert (Article.objects.count(), ArticleRevision.objects.count(), Media.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_rejected_update_leaves_the_article_as_it_was(publication):
    # Given an imported article
    article = article_import_ninjs(document=load(TIDE_GAUGES)).article

    # When a version with a local-file picture arrives
    broken = with_body(load(TIDE_GAUGES), "<p>Changed.</p>")
    broken["associations"][0]["renditions"][0]["href"] = "file:///etc/passwd"
    result = article_import_ninjs(document=broken)

    # Then it is rejected and the stored article, revisions and media are untouched
    assert result.status == "rejected"
    assert result.reasons == [("media[0].source_url", "A picture's href must be an http(s) URL.")]
    article.refresh_from_db()
    assert article.current_revision == 1
    assert "Changed." not in article.body_html
    assert article.media.count() == 2


def test_an_arabic_article_is_stored_right_to_left(publication):
    article = article_import_ninjs(document=load(ARABIC)).article

    assert article.language == "ar"
    assert article.is_rtl is True
    assert article.headline == "محطة تحلية جديدة تزوّد الميناء بالمياه العذبة"
    # The headline slugifies to nothing, so the slug comes from the canonical URL
    assert article.slug == "desalination-plant"
