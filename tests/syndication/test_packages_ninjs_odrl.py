"""ninjs 3.1 against the official schema, and licence.json as ODRL/RightsML JSON-LD."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from syndication.packages.ninjs import ninjs_document, render_ninjs
from syndication.packages.odrl import (
    ODRL,
    RIGHTSML_PROFILE,
    licence_policy,
    licensee_iri,
    render_licence_json,
)
from tests.fixtures.packages import samples

SCHEMA = json.loads(Path("/work/shared/standards/ninjs-schema_3.1.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
RDF_TYPE = rdflib.RDF.type
OD = rdflib.Namespace(ODRL)
# The ODRL 2.2 vocabulary terms a licence.json may use (W3C ODRL Vocabulary & Expression 2.2).
ODRL_PROPERTIES = {
    "profile", "assigner", "assignee", "target", "permission", "prohibition", "duty",
    "constraint", "action", "leftOperand", "operator", "rightOperand", "unit", "attributedParty",
}  # fmt: skip
ODRL_VALUES = {
    "Agreement", "distribute", "attribute", "compensate", "modify", "spatial", "dateTime",
    "deliveryChannel", "virtualLocation", "payAmount", "purpose",
    "eq", "neq", "lteq", "gteq", "isAnyOf",
}  # fmt: skip
IPTC_CODES = ("http://cvx.iptc.org/iso3166-1a2/", "http://cvx.iptc.org/iso4217a/")


def graph_of(data) -> rdflib.Graph:
    # The context is inline: rdflib parses it with no network access. rdflib 7.6's own JSON-LD
    # parser builds a ConjunctiveGraph internally and warns about it; only that is silenced.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return rdflib.Graph().parse(data=render_licence_json(data), format="json-ld")


def assert_only_odrl_and_rightsml_terms(graph: rdflib.Graph, data) -> None:
    allowed_iris = {
        data.article.canonical_url,
        data.publication.site_url,
        data.licence.verify_url,
        RIGHTSML_PROFILE,
        licensee_iri(data),
    }
    for _subject, predicate, obj in graph:
        if predicate == RDF_TYPE:
            assert obj == OD.Agreement
            continue
        assert str(predicate).removeprefix(ODRL) in ODRL_PROPERTIES, predicate
        if isinstance(obj, rdflib.URIRef) and str(obj).startswith(ODRL):
            assert str(obj).removeprefix(ODRL) in ODRL_VALUES, obj
        elif isinstance(obj, rdflib.URIRef):
            assert str(obj) in allowed_iris or str(obj).startswith(IPTC_CODES), obj


def test_ninjs_is_valid_ninjs_3_1_with_the_licence_in_it():
    data = samples.english()

    document = json.loads(render_ninjs(data))

    assert sorted(VALIDATOR.iter_errors(document), key=str) == []
    assert document["uri"] == "urn:newsml:courier.example:2026:article:harbour-tide-gauges"
    assert document["version"] == "2"
    assert document["pubStatus"] == "usable"
    assert document["firstCreated"] == "2026-03-02T07:00:00Z"
    assert document["language"] == "en"
    assert document["headlines"] == [{"role": "main", "value": "Harbour installs new tide gauges"}]
    assert document["by"] == "Amira Patel and Tom Reid"
    assert document["copyrightHolder"] == "Harbour Courier Ltd"
    assert document["expires"] == "2026-05-02T23:59:59Z"
    assert {"role": "licence", "value": "HC-2026-000123"} in document["altIds"]
    assert document["usageTerms"].startswith("Licence HC-2026-000123: non-exclusive licence")
    assert [r["href"] for r in document["renditions"]] == ["article.html", "article.pdf"]
    rights = document["rightsInfo"]
    assert rights["langId"] == ODRL
    assert json.loads(rights["encodedRights"]) == json.loads(json.dumps(licence_policy(data)))
    body = document["bodies"][0]
    assert body["contentType"] == "text/html"
    assert '<img src="images/01-harbour-gauges.jpg" alt="Tide gauge">' in body["value"]
    assert [a["renditions"][0]["href"] for a in document["associations"]] == [
        "images/01-harbour-gauges.jpg",
        "images/03-chart.png",
    ]


def test_ninjs_leaves_the_agency_picture_out():
    text = render_ninjs(samples.english()).decode()

    assert samples.AGENCY_SRC not in text
    assert "agency" not in text
    assert "Crowds at the harbour opening" not in text


def test_withdrawn_article_ninjs_is_a_valid_kill_notice_with_nothing_to_publish():
    data = samples.english(
        withdrawn=True,
        withdrawn_at=datetime(2026, 3, 20, 9, 30, tzinfo=UTC),
        withdrawn_reason="Court order",
    )

    document = ninjs_document(data)

    assert list(VALIDATOR.iter_errors(document)) == []
    # A new version of the same item (the sample is revision 2), canceled, dated at the takedown
    assert (document["uri"], document["version"], document["pubStatus"]) == (
        "urn:newsml:courier.example:2026:article:harbour-tide-gauges",
        "3",
        "canceled",
    )
    assert document["versionCreated"] == "2026-03-20T09:30:00Z"
    assert document["edNote"] == (
        "KILL: Harbour Courier withdrew this article on 2026-03-20 (Court order). "
        "Remove it from every page, feed and archive where it appears."
    )
    text = render_ninjs(data).decode()
    for published_part in ("bodies", "renditions", "associations", "rightsInfo", "Engineers"):
        assert published_part not in text


def test_arabic_ninjs_is_valid():
    document = ninjs_document(samples.arabic())

    assert list(VALIDATOR.iter_errors(document)) == []
    assert document["language"] == "ar"
    assert "associations" not in document


def test_licence_json_is_an_odrl_agreement_in_the_rightsml_profile():
    data = samples.english()

    graph = graph_of(data)

    licence = rdflib.URIRef(samples.VERIFY_URL)
    assert (licence, RDF_TYPE, OD.Agreement) in graph
    assert (licence, OD.profile, rdflib.URIRef(RIGHTSML_PROFILE)) in graph
    assert (licence, OD.assignee, rdflib.URIRef("https://northern-gazette.example/")) in graph
    permission = graph.value(licence, OD.permission)
    assert graph.value(permission, OD.action) == OD.distribute
    constraints = {
        (graph.value(c, OD.leftOperand), graph.value(c, OD.operator)): sorted(
            map(str, graph.objects(c, OD.rightOperand))
        )
        for c in graph.objects(permission, OD.constraint)
    }
    assert constraints == {
        (OD.dateTime, OD.gteq): ["2026-04-02"],
        (OD.dateTime, OD.lteq): ["2026-05-02"],
        (OD.spatial, OD.isAnyOf): [
            "http://cvx.iptc.org/iso3166-1a2/GB",
            "http://cvx.iptc.org/iso3166-1a2/IE",
        ],
        (OD.deliveryChannel, OD.eq): ["web"],
        (OD.virtualLocation, OD.isAnyOf): [
            "northern-gazette.example",
            "www.northern-gazette.example",
        ],
    }
    duties = {graph.value(d, OD.action): d for d in graph.objects(permission, OD.duty)}
    assert set(duties) == {OD.attribute, OD.compensate}
    payment = graph.value(duties[OD.compensate], OD.constraint)
    assert graph.value(payment, OD.leftOperand) == OD.payAmount
    assert graph.value(payment, OD.rightOperand).toPython() == Decimal("150.00")
    assert graph.value(payment, OD.unit) == rdflib.URIRef("http://cvx.iptc.org/iso4217a/GBP")
    prohibition = graph.value(licence, OD.prohibition)
    assert graph.value(prohibition, OD.action) == OD.modify
    assert_only_odrl_and_rightsml_terms(graph, data)


def test_free_perpetual_worldwide_licence_has_no_payment_end_or_territory():
    data = samples.english()
    data = replace(
        data,
        licence=replace(
            data.licence, fee=Decimal("0"), paid=False, ends_on=None, territory_countries=()
        ),
    )

    graph = graph_of(data)

    left_operands = set(graph.objects(None, OD.leftOperand))
    assert left_operands == {OD.dateTime, OD.deliveryChannel, OD.virtualLocation, OD.purpose}
    assert set(graph.objects(None, OD.action)) == {OD.distribute, OD.attribute, OD.modify}
    assert "expires" not in ninjs_document(data)


@settings(max_examples=40, deadline=None)
@given(
    domains=st.lists(st.from_regex(r"[a-z]{1,10}\.example", fullmatch=True), max_size=3),
    countries=st.lists(st.sampled_from(["GB", "IE", "FR", "DE", "US"]), unique=True),
    fee=st.decimals(min_value=0, max_value=100000, places=2),
    ends_on=st.one_of(st.none(), st.dates(min_value=date(2026, 4, 3))),
)
def test_any_terms_give_a_parseable_odrl_only_licence(domains, countries, fee, ends_on):
    data = samples.english()
    terms = replace(
        data.licence,
        partner_domains=tuple(domains),
        territory_countries=tuple(countries),
        fee=fee,
        ends_on=ends_on,
    )
    data = replace(data, licence=terms)

    graph = graph_of(data)

    assert_only_odrl_and_rightsml_terms(graph, data)
    assert (OD.compensate in set(graph.objects(None, OD.action))) == (fee > 0)
    assert list(VALIDATOR.iter_errors(ninjs_document(data))) == []
