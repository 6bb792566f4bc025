"""Reading ninjs: the legacy flat form, 2.x and 3.x, and what is reported when it cannot be read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from syndication.models import Article, Media
from syndication.ninjs import (
    MAX_LENGTHS,
    ArticleInput,
    MediaInput,
    NinjsInvalid,
    is_agency,
    parse_ninjs,
)
from tests.syndication.ninjs_samples import (
    ARABIC,
    FERRY_PREMIUM,
    FIXTURES,
    NO_HEADLINE,
    STANDARDS,
    TIDE_GAUGES,
    load,
    minimal_31,
)

OURS = ("Harbour Courier Ltd", "The Harbour Courier")


def schema(version: str) -> Draft202012Validator:
    return Draft202012Validator(
        json.loads((STANDARDS / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))
    )


def errors_of(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(NinjsInvalid) as caught:
        parse_ninjs(document, own_rights_holders=OURS)
    return caught.value.errors


# ---------------------------------------------------------------------------------------------
# The sample files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [TIDE_GAUGES, FERRY_PREMIUM, ARABIC, NO_HEADLINE])
def test_every_sample_file_is_valid_ninjs_31(name):
    # Given a sample file, then the official 3.1 schema accepts it (even the one without a
    # headline: the schema requires only a uri, our catalogue needs more).
    assert list(schema("3.1").iter_errors(load(name))) == []


def test_the_sample_folder_holds_exactly_the_four_samples():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == [
        TIDE_GAUGES,
        FERRY_PREMIUM,
        ARABIC,
        NO_HEADLINE,
    ]


def test_a_31_article_with_an_own_and_an_agency_picture():
    # Given the tide gauges story, with the staff photographer's picture and a Reuters one
    article = parse_ninjs(load(TIDE_GAUGES), own_rights_holders=OURS)

    # Then every field is read, and only our own picture may be passed on
    assert article == ArticleInput(
        uri="urn:newsml:courier.example:2026:article:tide-gauges-record-high",
        canonical_url="https://courier.example/news/2026/03/14/tide-gauges-record-high",
        headline="Harbour tide gauges record highest water in a century",
        standfirst=(
            "The harbour board's instruments show the sea rising faster than the flood "
            "defences were built for."
        ),
        authors=["Mara Quinn", "Tomas Reyes"],
        dateline="PORT ELLEN",
        section="environment",
        tags=["Climate change", "Flooding"],
        language="en-GB",
        published_at=datetime(2026, 3, 14, 6, 30, tzinfo=UTC),
        updated_at=datetime(2026, 3, 14, 9, 12, tzinfo=UTC),
        body_html=load(TIDE_GAUGES)["bodies"][0]["value"],
        embargo_until=None,
        premium=False,
        syndication_status="available",
        correction_note="",
        media=[
            MediaInput(
                caption="Spray over the harbour wall at high water on Friday morning.",
                credit="Photo: Mara Quinn",
                rights_holder="Harbour Courier Ltd",
                source_url="https://courier.example/img/2026/03/harbour-wall.jpg",
                distributable=True,
            ),
            MediaInput(
                caption="A storm surge breaks over the sea wall at Den Helder, the Netherlands.",
                credit="Photo: Jan Vos/Reuters",
                rights_holder="Reuters",
                source_url="https://courier.example/img/2026/03/reuters-den-helder.jpg",
                distributable=False,
            ),
        ],
    )


def test_premium_restricted_and_embargoed_come_from_standard_properties():
    article = parse_ninjs(load(FERRY_PREMIUM), own_rights_holders=OURS)

    assert article.premium is True  # subject rel "access", literal "premium"
    assert article.syndication_status == "restricted"  # usageTerms "... by arrangement ..."
    assert article.embargo_until == datetime(2026, 3, 13, 0, 1, tzinfo=UTC)
    assert article.section == "local"
    assert article.tags == ["Transport"]
    assert article.authors == ["Ewan Lachlan"]  # from `by`, without its "By"
    assert article.dateline == "OBAN"
    assert article.standfirst == ""
    assert article.media == []


def test_an_arabic_article_keeps_its_language_and_names():
    article = parse_ninjs(load(ARABIC), own_rights_holders=OURS)

    assert article.language == "ar"
    assert article.headline == "محطة تحلية جديدة تزوّد الميناء بالمياه العذبة"
    assert article.authors == ["سارة منصور"]
    assert article.dateline == "العقبة"
    assert article.section == "environment"
    assert article.tags == ["المياه"]
    assert [m.distributable for m in article.media] == [True]


def test_the_sample_without_a_headline_is_refused_with_the_reason():
    assert errors_of(load(NO_HEADLINE)) == [
        ("headline", "A headline is required (headlines[].value or headline).")
    ]


# ---------------------------------------------------------------------------------------------
# Other versions
# ---------------------------------------------------------------------------------------------


def test_the_legacy_flat_form_with_dict_associations():
    # Given a document in the flat form many CMSs still emit (ninjs 1.x names)
    document = {
        "uri": "https://courier.example/news/pier-repairs",
        "type": "text",
        "headline": "Pier repairs to start in May",
        "description_text": "Contractors will close the north pier for six weeks.",
        "body_html": "<p>Work on the north pier begins on 4 May.</p>",
        "byline": "By Ewan Lachlan, Mara Quinn",
        "place": [{"name": "OBAN"}],
        "firstcreated": "2026-02-01T10:00:00+00:00",
        "versioncreated": "2026-02-01T11:30:00+00:00",
        "language": "en",
        "embargoed": "2026-02-02T00:00:00Z",
        "ednote": "Corrects the contractor's name in the second paragraph.",
        "usageterms": "Not for syndication.",
        "associations": {
            "featuremedia": {
                "type": "picture",
                "byline": "Photo: AFP",
                "description_text": "The north pier at low tide.",
                "renditions": {
                    "thumbnail": {"href": "https://courier.example/img/pier-t.jpg", "width": 200},
                    "viewImage": {"href": "https://courier.example/img/pier.jpg", "width": 1200},
                },
            }
        },
    }

    # When it is read
    article = parse_ninjs(document, own_rights_holders=OURS)

    # Then the flat names map onto the same article fields
    assert article.headline == "Pier repairs to start in May"
    assert article.standfirst == "Contractors will close the north pier for six weeks."
    assert article.body_html == "<p>Work on the north pier begins on 4 May.</p>"
    assert article.authors == ["Ewan Lachlan", "Mara Quinn"]
    assert article.dateline == "OBAN"
    assert article.canonical_url == "https://courier.example/news/pier-repairs"  # the http uri
    assert article.published_at == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert article.updated_at == datetime(2026, 2, 1, 11, 30, tzinfo=UTC)
    assert article.embargo_until == datetime(2026, 2, 2, tzinfo=UTC)
    assert article.correction_note == "Corrects the contractor's name in the second paragraph."
    assert article.syndication_status == "not_for_syndication"
    # And the AFP credit makes the picture an exclusion even with no copyright holder given
    assert article.media == [
        MediaInput(
            caption="The north pier at low tide.",
            credit="Photo: AFP",
            rights_holder="",
            source_url="https://courier.example/img/pier.jpg",
            distributable=False,
        )
    ]


def test_a_22_document_with_lower_case_names():
    # Given a ninjs 2.2 document (the 2.x names are all lower case)
    document = {
        "uri": "urn:newsml:courier.example:2026:article:harbour-dredging",
        "type": "text",
        "firstcreated": "2026-01-20T08:00:00Z",
        "versioncreated": "2026-01-21T08:00:00Z",
        "language": "en-GB",
        "headlines": [
            {"role": "main", "value": "Harbour dredging finds a wreck"},
            {"role": "subhead", "value": "Divers identify a nineteenth-century schooner"},
        ],
        "bodies": [
            {"contenttype": "text/plain", "value": "Divers found the wreck.\n\nIt is a schooner."}
        ],
        "by": "Tomas Reyes",
        "located": "PORT ELLEN",
        "altids": [{"role": "canonical", "value": "https://courier.example/news/dredging-wreck"}],
        "embargoed": "2026-01-20T12:00:00+01:00",
        "ednote": "Updates the schooner's name.",
        "copyrightholder": "Harbour Courier Ltd",
        "associations": [
            {
                "name": "featureimage",
                "uri": "urn:newsml:getty.example:picture:schooner",
                "type": "picture",
                "by": "Chris Dale",
                "copyrightholder": "Getty Images",
                "descriptions": [{"role": "caption", "value": "The schooner's bow."}],
                "renditions": [
                    {"name": "original", "href": "https://courier.example/img/schooner.jpg"}
                ],
            }
        ],
    }
    assert list(schema("2.2").iter_errors(document)) == []

    article = parse_ninjs(document, own_rights_holders=OURS)

    assert article.headline == "Harbour dredging finds a wreck"
    assert article.standfirst == "Divers identify a nineteenth-century schooner"
    assert article.body_html == "<p>Divers found the wreck.</p><p>It is a schooner.</p>"
    assert article.authors == ["Tomas Reyes"]
    assert article.canonical_url == "https://courier.example/news/dredging-wreck"
    assert article.embargo_until == datetime(2026, 1, 20, 11, 0, tzinfo=UTC)
    assert article.correction_note == "Updates the schooner's name."
    assert article.media == [
        MediaInput(
            caption="The schooner's bow.",
            credit="Chris Dale",
            rights_holder="Getty Images",
            source_url="https://courier.example/img/schooner.jpg",
            distributable=False,
        )
    ]


def test_publisher_extensions_are_read_when_present():
    document = minimal_31(
        **{
            "x-premium": True,
            "x-syndication": "not_for_syndication",
            "x-section": "business",
            "x-correction": "Corrects the boat's class.",
            "edNote": "Internal: check the photo caption.",
        }
    )

    article = parse_ninjs(document, own_rights_holders=OURS)

    assert (article.premium, article.syndication_status, article.section) == (
        True,
        "not_for_syndication",
        "business",
    )
    assert article.correction_note == "Corrects the boat's class."  # x-correction wins


def test_a_withheld_item_is_not_for_syndication_whatever_the_extension_says():
    document = minimal_31(pubStatus="withheld", **{"x-syndication": "available"})
    assert parse_ninjs(document).syndication_status == "not_for_syndication"


# ---------------------------------------------------------------------------------------------
# Rights and refusals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("holder", "credit", "distributable"),
    [
        ("", "Photo: Mara Quinn", True),
        ("Harbour Courier Ltd", "Mara Quinn", True),
        ("the harbour  courier", "Mara Quinn", True),  # the publication's name, any case
        ("Associated Press", "Photo: Kim Lee", False),
        ("Harbour Courier Ltd", "Photo: Kim Lee/AP", False),  # our holder, agency credit
        ("Island Photo Club", "Ann Bell", False),  # anyone else's copyright
        ("", "Getty Images for the Harbour Board", False),
        ("", "Photo: Paul Mapp", True),  # "AP" only as a word
    ],
)
def test_which_pictures_may_be_passed_on(holder, credit, distributable):
    association = {
        "name": "featureimage",
        "uri": "urn:picture:1",
        "type": "picture",
        "by": credit,
        "renditions": [{"name": "original", "href": "https://courier.example/img/1.jpg"}],
    }
    if holder:
        association["copyrightHolder"] = holder
    article = parse_ninjs(minimal_31(associations=[association]), own_rights_holders=OURS)
    assert [m.distributable for m in article.media] == [distributable]


def test_is_agency_reads_whole_words():
    assert [is_agency(n) for n in ("REUTERS/Jan Vos", "AFP via Getty", "Apple", "")] == [
        True,
        True,
        False,
        False,
    ]


def test_text_associations_are_not_media():
    related = {"name": "related", "uri": "urn:article:2", "type": "text", "headlines": []}
    assert parse_ninjs(minimal_31(associations=[related])).media == []


def test_an_empty_document_names_every_missing_field():
    assert errors_of({}) == [
        ("uri", "The ninjs uri is required: imports are keyed on it."),
        ("headline", "A headline is required (headlines[].value or headline)."),
        ("body_html", "A body is required (bodies[].value or body_html)."),
        (
            "canonical_url",
            "No canonical web address: add an altIds entry with role 'canonical', an html "
            "rendition, or use an http(s) uri.",
        ),
        ("published_at", "A publication time is required (firstCreated)."),
    ]


def test_a_document_that_is_not_an_object_is_refused():
    assert errors_of(["not", "a", "document"]) == [
        ("document", "Expected a JSON object (one ninjs document).")
    ]


def test_a_time_without_offset_a_bad_status_and_a_local_file_picture_are_refused():
    document = minimal_31(
        embargoedUntil="2026-04-02T09:00:00",
        associations=[
            {
                "name": "featureimage",
                "uri": "urn:picture:1",
                "type": "picture",
                "renditions": [{"name": "original", "href": "file:///etc/passwd"}],
            }
        ],
        **{"x-syndication": "maybe"},
    )
    assert errors_of(document) == [
        (
            "embargo_until",
            "embargoedUntil '2026-04-02T09:00:00' needs a time zone offset (Z or +01:00).",
        ),
        ("media[0].source_url", "A picture's href must be an http(s) URL."),
        (
            "syndication_status",
            "x-syndication must be one of available, restricted, not_for_syndication.",
        ),
    ]


def test_an_overlong_headline_is_refused_before_the_database_sees_it():
    document = minimal_31(headlines=[{"value": "x" * 501}])
    assert errors_of(document) == [("headline", "Longer than 500 characters.")]


def test_the_length_limits_match_the_models():
    article_limits = {
        name: Article._meta.get_field(name).max_length
        for name in ("uri", "canonical_url", "headline", "dateline", "section", "language")
    }
    media_limits = {
        name: Media._meta.get_field(name).max_length
        for name in ("credit", "rights_holder", "source_url")
    }
    assert article_limits | media_limits == MAX_LENGTHS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
ninjs_keys = st.sampled_from(
    [
        "uri", "headlines", "headline", "bodies", "body_html", "by", "byline", "people",
        "located", "place", "subjects", "genres", "altIds", "renditions", "associations",
        "firstCreated", "versionCreated", "embargoedUntil", "embargoed", "language",
        "usageTerms", "pubStatus", "x-premium", "x-syndication", "descriptions",
    ]
)  # fmt: skip


# The machine is shared with other test runs: generation speed is not what is under test.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(ninjs_keys, json_values, max_size=10))
def test_any_json_object_either_parses_or_is_refused_with_reasons(document):
    # Whatever the newsroom sends, the reader answers an ArticleInput or a list of reasons;
    # it never fails with some other exception.
    try:
        result = parse_ninjs(document, own_rights_holders=OURS)
    except NinjsInvalid as exc:
        assert exc.errors
        assert all(isinstance(p, str) and isinstance(m, str) for p, m in exc.errors)
    else:
        assert result.uri and result.headline and result.body_html.strip()
