"""A takedown delivers the IPTC kill notice: the `licence.revoked` webhook carries the ninjs with
pubStatus "canceled", and the licence's ninjs stays reachable as that notice, through the API
and the signed link already sent, while every other format answers 410."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from licensing import services
from licensing.aftercare import article_take_down
from licensing.package_models import Package
from licensing.packages import download_link
from syndication.webhooks import (
    webhook_endpoint_for,
    webhook_endpoint_set,
    webhook_signature_verify,
)
from tests import factories as f
from tests.aftercare.conftest import license_article, school

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(Path("/work/shared/standards/ninjs-schema_3.1.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
REASON = "A court order restrains publication of the second paragraph."


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def delivered(rate_card, article, receiver, on_commit):
    """A school licensed the article and was sent its packages; its receiver listens."""
    north = school("North Academy")
    webhook_endpoint_set(partner=north, url=receiver.url + "/north")
    with on_commit():
        licence = license_article(north, article)
    packages = {p.format: p for p in Package.objects.filter(licence=licence)}
    assert len(packages) == 6
    with packages["ninjs"].file.open("rb") as handle:
        assert json.loads(handle.read())["pubStatus"] == "usable"
    receiver.received.clear()
    return north, licence, packages


def test_a_takedown_sends_the_kill_notice_and_keeps_it_reachable(
    delivered, article, receiver, staff, client, on_commit
):
    north, licence, packages = delivered
    ninjs_link, pdf_link = download_link(packages["ninjs"]), download_link(packages["pdf"])

    # When staff take the article down
    with on_commit():
        article_take_down(article=article, actor=staff, reason=REASON)
    article.refresh_from_db()

    # Then the licensee's receiver gets a signed licence.revoked event carrying the kill notice
    (received,) = receiver.received
    assert (received.path, received.event) == ("/north", "licence.revoked")
    assert webhook_signature_verify(
        webhook_endpoint_for(north).secret, received.body, received.signature, 300
    )
    data = received.json["data"]
    assert (data["reason"], data["urgent"], data["licence"]["status"]) == (
        "takedown",
        True,
        "revoked",
    )
    kill = data["ninjs"]
    # valid ninjs 3.1: a new version of the same item, canceled, with nothing left to publish
    assert sorted(VALIDATOR.iter_errors(kill), key=str) == []
    assert (kill["uri"], kill["version"], kill["pubStatus"], kill["urgency"]) == (
        article.uri,
        "2",
        "canceled",
        1,
    )
    withdrawn = article.withdrawn_at.replace(microsecond=0).isoformat()
    assert kill["versionCreated"] == withdrawn.replace("+00:00", "Z")
    assert kill["representationType"] == "partial"
    assert not {"bodies", "renditions", "associations", "rightsInfo"} & set(kill)
    assert kill["edNote"].startswith("KILL: ") and REASON in kill["edNote"]
    assert f"Licence {licence.number} is revoked" in kill["usageTerms"]
    assert {"role": "licence", "value": licence.number} in kill["altIds"]

    # And the licensee's API serves the same kill notice as the licence's ninjs
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(north)}")
    assert data["ninjs_url"] == (
        f"http://127.0.0.1:8000/api/v1/licences/{licence.number}/packages/ninjs"
    )
    served = api.get(path_of(data["ninjs_url"]))
    assert served.status_code == 200
    assert served["Content-Type"] == "application/json"
    assert served["Content-Disposition"] == (
        f'attachment; filename="{licence.number}-canceled.ninjs.json"'
    )
    assert json.loads(served.content) == kill
    assert api.get(path_of(data["ninjs_url"]), HTTP_IF_NONE_MATCH=served["ETag"]).status_code == (
        304
    )
    # while every other format, and the list, answer 410 article_withdrawn
    for fmt in ("html", "pdf", "bundle"):
        gone = api.get(f"/api/v1/licences/{licence.number}/packages/{fmt}")
        assert (gone.status_code, gone.json()["error"]["code"]) == (410, "article_withdrawn")
    assert api.get(f"/api/v1/licences/{licence.number}/packages").status_code == 410
    # and another partner's key finds no such licence
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(school('South College'))}")
    assert stranger.get(path_of(data["ninjs_url"])).status_code == 404

    # And the signed ninjs link from the "ready" email now answers the kill notice; the PDF's, 410
    by_link = client.get(path_of(ninjs_link))
    assert by_link.status_code == 200
    assert json.loads(b"".join(by_link)) == kill
    refused = client.get(path_of(pdf_link))
    assert refused.status_code == 410
    assert b"The article has been withdrawn" in refused.content


def test_a_revocation_for_a_refund_carries_no_kill_notice(delivered, receiver, on_commit):
    north, licence, _ = delivered

    with on_commit():
        services.licence_request_refund(request=licence.request, reason="Paid twice")

    (received,) = receiver.received
    data = received.json["data"]
    assert (received.event, data["reason"]) == ("licence.revoked", "refund")
    assert "ninjs" not in data
    # The article still stands, so the ninjs is refused like the rest
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(north)}")
    response = api.get(f"/api/v1/licences/{licence.number}/packages/ninjs")
    assert (response.status_code, response.json()["error"]["code"]) == (410, "licence_revoked")
