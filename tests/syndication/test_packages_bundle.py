"""The signed ZIP bundle: contents, manifest, and what a partner's integrity check catches."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from syndication.packages import signing
from syndication.packages.bundle import render_bundle, verify_bundle
from tests.fixtures.packages import samples


@pytest.fixture(scope="module")
def bundle() -> bytes:
    return render_bundle(samples.english())


def rezip(archive: bytes, change) -> bytes:
    """A copy of the bundle with `change(files)` applied, as a tamperer would make it."""
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        files = {name: source.read(name) for name in source.namelist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in files.items():
            target.writestr(name, content)
    return out.getvalue()


def test_bundle_holds_every_format_the_pictures_and_a_manifest(bundle):
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        contents = {name: archive.read(name) for name in names}

    assert names == [
        "article-snippet.html",
        "article.html",
        "article.pdf",
        "images/01-harbour-gauges.jpg",
        "images/03-chart.png",
        "licence.json",
        "manifest.json",
        "manifest.json.sig",
        "ninjs.json",
    ]
    assert manifest["licence"] == "HC-2026-000123"
    assert manifest["signature"]["algorithm"] == "Ed25519"
    assert manifest["signature"]["key_id"] == signing.key_id(signing.public_key_bytes())
    assert manifest["files"] == [
        {
            "path": name,
            "sha256": hashlib.sha256(contents[name]).hexdigest(),
            "size": len(contents[name]),
        }
        for name in names
        if not name.startswith("manifest.json")
    ]
    assert (
        contents["images/01-harbour-gauges.jpg"] == (samples.FIXTURES / "harbour.jpg").read_bytes()
    )
    assert contents["article.pdf"].startswith(b"%PDF-1.7")


def test_agency_picture_is_nowhere_in_the_bundle(bundle):
    agency = (samples.FIXTURES / "agency.jpg").read_bytes()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            assert agency not in content, name
            assert samples.AGENCY_SRC.encode() not in content, name
            assert b"agency-crowd" not in content, name


def test_a_partner_verifies_the_signature_with_the_published_key_alone(bundle):
    # Given only the bundle and the publisher's published key (base64, 32 raw bytes)
    published = signing.public_key_b64()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        manifest = archive.read("manifest.json")
        signature = base64.b64decode(archive.read("manifest.json.sig"))

    # When they check it with plain `cryptography`, nothing of ours, it verifies
    Ed25519PublicKey.from_public_bytes(base64.b64decode(published)).verify(signature, manifest)
    # And the service's own checker agrees
    assert verify_bundle(bundle, published).ok


def test_a_changed_file_is_caught(bundle):
    tampered = rezip(bundle, lambda files: files.update({"article.html": b"<p>changed</p>"}))

    check = verify_bundle(tampered, signing.public_key_b64())

    assert (check.ok, check.problems) == (False, ("article.html does not match its SHA-256",))


def test_a_rewritten_manifest_and_an_extra_file_are_caught(bundle):
    def add_and_relist(files):
        files["images/agency.jpg"] = b"smuggled"
        manifest = json.loads(files["manifest.json"])
        manifest["files"].append({"path": "images/agency.jpg", "sha256": "0" * 64, "size": 8})
        files["manifest.json"] = json.dumps(manifest).encode()

    relisted = rezip(bundle, add_and_relist)
    smuggled = rezip(bundle, lambda files: files.update({"extra.txt": b"x"}))

    assert verify_bundle(relisted, signing.public_key_b64()).problems == (
        "the manifest signature does not match the key",
    )
    assert verify_bundle(smuggled, signing.public_key_b64()).problems == (
        "extra.txt is not in the manifest",
    )


def test_another_key_does_not_verify(bundle):
    stranger = signing.public_key_b64(Ed25519PrivateKey.generate())

    assert not verify_bundle(bundle, stranger).ok


def test_a_configured_key_signs_instead_of_the_derived_one(settings):
    seed = bytes(range(32))
    settings.PACKAGE_SIGNING_KEY = base64.b64encode(seed).decode()

    expected = Ed25519PrivateKey.from_private_bytes(seed)

    assert signing.public_key_bytes() == signing.public_key_bytes(expected)
    assert signing.verify(b"m", signing.sign(b"m"), signing.public_key_b64(expected))


def test_same_package_zips_to_the_same_bytes(bundle):
    assert render_bundle(samples.english()) == bundle
