"""The partner receives one "your licences are ready" email with a signed link per format; a link
returns the stored bytes until it expires, and is refused when altered, expired, or when the
licence or the article no longer stands."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from jobs.models import EmailLog
from licensing import services
from licensing.aftercare import article_take_down
from licensing.package_models import Package
from licensing.packages import download_link, packages_deliver
from licensing.tasks_packages import render_packages
from syndication.packages.bundle import verify_bundle
from tests import factories as f
from tests.packages.conftest import license_articles

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://127\.0\.0\.1:8000(/downloads/\S+)")


def ready_emails() -> list:
    return [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_packages_ready"]


def path_of(package: Package, **kwargs) -> str:
    return download_link(package, **kwargs).removeprefix("http://127.0.0.1:8000")


def test_one_ready_email_goes_to_the_requester_and_notice_contacts_with_working_links(
    licence, client
):
    # Then one email went out, to the requester and the contacts who receive notices
    (email,) = ready_emails()
    assert email.to == ["ada@northacademy.example", "desk@northacademy.example"]
    assert email.subject == f"Your files for licence {licence.number} are ready"
    # With one link per format, each returning exactly the stored file
    links = LINK.findall(email.body)
    assert len(links) == 6
    stored = {p.sha256: p for p in Package.objects.filter(licence=licence)}
    served = set()
    for path in links:
        response = client.get(path)
        assert response.status_code == 200
        served.add(hashlib.sha256(b"".join(response.streaming_content)).hexdigest())
    assert served == set(stored)
    # And the HTML part carries the same links
    html = email.alternatives[0].content
    assert sorted(LINK.findall(html.replace('"', " "))) == sorted(links)
    # And every package is recorded as delivered
    assert not Package.objects.filter(licence=licence, delivered_at__isnull=True).exists()


def test_the_ready_email_is_not_sent_twice(licence, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        render_packages.enqueue(licence_id=licence.pk)
        sent_again = packages_deliver(request_id=licence.request_id)

    assert sent_again == 0
    assert len(ready_emails()) == 1
    assert EmailLog.objects.filter(template="licence_packages_ready").count() == 1


def test_a_request_for_two_articles_gets_one_email_once_both_are_rendered(
    rate_card, illustrated, north, on_commit
):
    second = f.ArticleFactory(publication=illustrated.publication)
    with on_commit():
        first_licence, second_licence = license_articles(north, [illustrated, second])

    (email,) = ready_emails()
    assert email.subject == "Your files for 2 licences are ready"
    assert first_licence.number in email.body and second_licence.number in email.body
    assert len(LINK.findall(email.body)) == 12


def test_a_download_names_the_file_by_licence_number_and_tags_it_with_its_checksum(licence, client):
    pdf = Package.objects.get(licence=licence, format="pdf")

    response = client.get(path_of(pdf))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{licence.number}.pdf"'
    assert response["ETag"] == f'"{pdf.sha256}"'
    assert int(response["Content-Length"]) == pdf.size
    # A client that holds these bytes already is told so
    again = client.get(path_of(pdf), headers={"If-None-Match": f'"{pdf.sha256}"'})
    assert again.status_code == 304


def test_an_altered_link_is_refused_with_403(licence, client):
    pdf = Package.objects.get(licence=licence, format="pdf")
    html = Package.objects.get(licence=licence, format="html")
    token = path_of(pdf).rsplit("/", 1)[1]
    # Pointing a signed token at another package breaks the signature
    value, _, rest = token.partition(":")
    forged = f"{html.pk}.{value.split('.')[1]}:{rest}"

    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        response = client.get(reverse("licensing:package-download", args=[bad]))
        assert response.status_code == 403
        assert b"Download link not valid" in response.content


def test_an_expired_link_is_refused_with_410(licence, client):
    pdf = Package.objects.get(licence=licence, format="pdf")
    path = path_of(pdf, ttl=timedelta(days=30))

    with time_machine.travel(datetime.now(UTC) + timedelta(days=29)):
        assert client.get(path).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        response = client.get(path)
    assert response.status_code == 410
    assert b"This download link expired on" in response.content


def test_a_link_made_with_a_zero_ttl_setting_has_expired_already(licence, client, settings):
    settings.PACKAGE_LINK_TTL_DAYS = 0

    response = client.get(path_of(Package.objects.get(licence=licence, format="html")))

    assert response.status_code == 410


def test_a_revoked_licence_downloads_nothing(licence, client, on_commit):
    path = path_of(Package.objects.get(licence=licence, format="pdf"))

    with on_commit():
        services.licence_request_refund(request=licence.request, reason="Paid twice")

    response = client.get(path)
    assert response.status_code == 410
    assert f"Licence {licence.number} has been revoked".encode() in response.content


def test_a_withdrawn_article_downloads_nothing(licence, client, staff):
    path = path_of(Package.objects.get(licence=licence, format="bundle"))

    article_take_down(article=licence.article, actor=staff, reason="Legal complaint")

    response = client.get(path)
    assert response.status_code == 410
    assert b"The article has been withdrawn" in response.content


def test_the_published_signing_key_verifies_a_stored_bundle(licence, client):
    bundle = Package.objects.get(licence=licence, format="bundle")
    with bundle.file.open("rb") as handle:
        content = handle.read()

    key = client.get("/.well-known/republish-signing-key").json()
    same = client.get("/packages/signing-key.json").json()

    assert key == same
    assert key["alg"] == "Ed25519" and len(key["kid"]) == 16
    assert verify_bundle(content, key["public_key"]).ok
    # And a key that is not ours does not
    other = "A" * 43 + "="
    assert not verify_bundle(content, other).ok
