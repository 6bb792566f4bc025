"""The whole correction chain, end to end: the newsroom corrects a licensed article through the
catalogue service; each active licence gets the new revision's packages stored beside the old
ones, and each licensee's receiver is told by a signed webhook with the correction note. A
revoked licence gets neither."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from licensing import services
from licensing.package_models import Package
from syndication.services import article_update
from syndication.webhooks import (
    webhook_endpoint_for,
    webhook_endpoint_set,
    webhook_signature_verify,
)
from tests.aftercare.conftest import license_article, school

pytestmark = pytest.mark.django_db

NOTE = "An earlier version misstated the height of the tide by a metre."
CORRECTED_BODY = "<p>The gauges recorded 5.2 metres, the highest in a century.</p>"
ALL_FORMATS = ["bundle", "html", "licence_json", "ninjs", "pdf", "snippet"]


def stored(package: Package) -> bytes:
    with package.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def issued(rate_card, article, receiver, on_commit):
    """Three schools licensed the article and were sent its packages; one was then refunded."""
    licences = {}
    for name, path in (("North Academy", "/north"), ("South College", "/south"), ("West", "/w")):
        partner = school(name)
        webhook_endpoint_set(partner=partner, url=receiver.url + path)
        with on_commit():
            licences[path] = license_article(partner, article)
    with on_commit():
        services.licence_request_refund(request=licences["/w"].request, reason="Paid twice")
    receiver.received.clear()
    mail.outbox.clear()
    return licences


def test_a_correction_rerenders_each_active_licences_packages_and_tells_each_licensee(
    issued, article, receiver, on_commit
):
    first = {
        path: set(Package.objects.filter(licence=lic).values_list("pk", "revision__number"))
        for path, lic in issued.items()
    }
    assert all(len(rows) == 6 and {r for _, r in rows} == {1} for rows in first.values())

    # When the newsroom corrects the article through the catalogue service
    with on_commit():
        article, revision = article_update(
            article=article, body_html=CORRECTED_BODY, correction_note=NOTE
        )
    assert revision is not None and revision.number == 2

    for path in ("/north", "/south"):
        licence = issued[path]
        # Then each active licence has the six formats of revision 2, beside revision 1's
        packages = Package.objects.filter(licence=licence)
        assert (
            set(packages.filter(revision__number=1).values_list("pk", "revision__number"))
            == (first[path])
        )
        corrected = {p.format: p for p in packages.filter(revision=revision)}
        assert sorted(corrected) == ALL_FORMATS
        assert "5.2 metres" in stored(corrected["html"]).decode()
        ninjs = json.loads(stored(corrected["ninjs"]))
        assert (ninjs["version"], ninjs["edNote"], ninjs["pubStatus"]) == ("2", NOTE, "usable")
        assert corrected["pdf"].file.name.endswith(f"/r2/{licence.number}-r2.pdf")

        # And its receiver got one signed article.corrected event with the correction note
        (event,) = [r for r in receiver.received if r.path == path]
        assert event.event == "article.corrected"
        assert webhook_signature_verify(
            webhook_endpoint_for(licence.partner).secret, event.body, event.signature, 300
        )
        data = event.json["data"]
        assert data["licence"]["number"] == licence.number
        assert (data["correction"]["revision"], data["correction"]["note"]) == (2, NOTE)

        # And its notice contacts got the correction and the corrected files by email
        to_desk = [m for m in mail.outbox if f"desk@{licence.partner.domains[0]}" in m.to]
        assert sorted(m.extra_headers["X-Template"] for m in to_desk) == [
            "licence_corrected",
            "licence_packages_ready",
        ]

    # And the refunded licence got no new packages and no event
    west = issued["/w"]
    assert (
        set(Package.objects.filter(licence=west).values_list("pk", "revision__number"))
        == (first["/w"])
    )
    assert [r.path for r in receiver.received if r.path == "/w"] == []
