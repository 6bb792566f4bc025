"""Issuing a licence renders every package format once, in the background, into storage, with
the checksum and size of the stored bytes; re-running the work stores nothing new."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from licensing.models import LicenceStatus
from licensing.package_models import Package
from licensing.packages import packages_render
from licensing.tasks_packages import render_packages
from tests.packages.conftest import AGENCY, AGENCY_SRC, HARBOUR, REMOTE_SRC

pytestmark = pytest.mark.django_db

ALL_FORMATS = ["html", "snippet", "pdf", "ninjs", "licence_json", "bundle"]


def stored_bytes(package: Package) -> bytes:
    with package.file.open("rb") as handle:
        return handle.read()


def test_issuing_a_licence_stores_all_six_formats_once_with_checksum_and_size(licence):
    # Given a licence issued for a free use (the fixture ran the on-commit render task)
    packages = {p.format: p for p in Package.objects.filter(licence=licence)}

    # Then every format is stored once, for the licensed revision
    assert sorted(packages) == sorted(ALL_FORMATS)
    assert {p.revision for p in packages.values()} == {licence.revision}
    for package in packages.values():
        content = stored_bytes(package)
        assert package.sha256 == hashlib.sha256(content).hexdigest()
        assert package.size == len(content) > 0
    # And under the licence number, with the right types
    assert packages["pdf"].file.name == f"packages/{licence.number}/r1/{licence.number}.pdf"
    assert stored_bytes(packages["pdf"]).startswith(b"%PDF-")
    assert {f: p.content_type for f, p in packages.items()} == {
        "html": "text/html; charset=utf-8",
        "snippet": "text/html; charset=utf-8",
        "pdf": "application/pdf",
        "ninjs": "application/json",
        "licence_json": "application/ld+json",
        "bundle": "application/zip",
    }
    policy = json.loads(stored_bytes(packages["licence_json"]))
    assert (policy["type"], policy["uid"]) == (
        "Agreement",
        f"http://127.0.0.1:8000/licences/{licence.number}/verify",
    )


def test_the_bundle_carries_the_stored_pdf_byte_for_byte(licence):
    pdf = stored_bytes(Package.objects.get(licence=licence, format="pdf"))
    bundle = stored_bytes(Package.objects.get(licence=licence, format="bundle"))

    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.read("article.pdf") == pdf


def test_running_the_render_again_creates_nothing(licence, django_capture_on_commit_callbacks):
    before = list(Package.objects.order_by("pk").values_list("pk", "sha256", "file"))

    # When the service and the task run again for the same licence
    assert packages_render(licence_id=licence.pk) == []
    with django_capture_on_commit_callbacks(execute=True):
        result = render_packages.enqueue(licence_id=licence.pk)

    # Then nothing new is stored
    assert result.return_value == 0
    assert list(Package.objects.order_by("pk").values_list("pk", "sha256", "file")) == before


def test_the_agency_picture_is_in_no_stored_package(licence):
    packages = {p.format: stored_bytes(p) for p in Package.objects.filter(licence=licence)}

    # The bundle holds our own picture only (the one without a stored file is left out)
    with zipfile.ZipFile(io.BytesIO(packages["bundle"])) as archive:
        names = archive.namelist()
        pictures = [n for n in names if n.startswith("images/")]
        assert pictures == ["images/01-harbour.jpg"]
        assert archive.read("images/01-harbour.jpg") == HARBOUR
        assert all(AGENCY not in archive.read(name) for name in names)
    # And neither the agency picture's address nor its bytes are in any file
    for fmt, content in packages.items():
        assert AGENCY_SRC.encode() not in content, fmt
        assert AGENCY not in content, fmt
    html = packages["html"].decode()
    assert REMOTE_SRC not in html
    # It is listed as an exclusion, and so is the picture we hold no file for
    assert "Crowds at the opening (Reuters)" in html
    assert "The breakwater at dawn (Harbour Courier Ltd): not supplied (no stored file)" in html


def test_a_revoked_licence_is_not_rendered(licence):
    Package.objects.filter(licence=licence).delete()
    type(licence).objects.filter(pk=licence.pk).update(status=LicenceStatus.REVOKED)

    assert packages_render(licence_id=licence.pk) == []
    assert not Package.objects.filter(licence=licence).exists()
