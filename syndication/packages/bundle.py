"""The delivery bundle: a ZIP of every format, the distributable pictures, and manifest.json
listing each file's SHA-256, signed with the service's Ed25519 key (manifest.json.sig)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from syndication.packages import signing
from syndication.packages.data import PackageData, image_path
from syndication.packages.html import read_image, render_html, render_snippet
from syndication.packages.ninjs import render_ninjs
from syndication.packages.odrl import render_licence_json
from syndication.packages.pdf import render_pdf

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
# A fixed timestamp for every entry: the same package zips to the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def bundle_files(
    data: PackageData, *, pdf: Callable[[PackageData], bytes] = render_pdf
) -> dict[str, bytes]:
    """Every file of the bundle but the manifest, by path. `pdf` lets a caller that already
    rendered the PDF (to store it) pass it in instead of rendering twice."""
    files = {
        "article.html": render_html(data, images="files").encode("utf-8"),
        "article-snippet.html": render_snippet(data, images="files").encode("utf-8"),
        "article.pdf": pdf(data),
        "ninjs.json": render_ninjs(data),
        "licence.json": render_licence_json(data),
    }
    for index, image in enumerate(data.images):
        if image.distributable:
            files[image_path(index, image)] = read_image(image)
    return files


def manifest(
    data: PackageData, files: dict[str, bytes], key: Ed25519PrivateKey | None = None
) -> bytes:
    public_key = signing.public_key_bytes(key)
    document = {
        "licence": data.licence.number,
        "article": data.article.canonical_url,
        "revision": data.article.revision,
        "verify_url": data.licence.verify_url,
        "signature": {
            "algorithm": signing.ALGORITHM,
            "file": SIGNATURE,
            "key_id": signing.key_id(public_key),
            "signed": "the exact bytes of manifest.json",
        },
        "files": [
            {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
            for path, content in sorted(files.items())
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def render_bundle(
    data: PackageData,
    *,
    key: Ed25519PrivateKey | None = None,
    pdf: Callable[[PackageData], bytes] = render_pdf,
) -> bytes:
    files = bundle_files(data, pdf=pdf)
    manifest_bytes = manifest(data, files, key)
    files[MANIFEST] = manifest_bytes
    files[SIGNATURE] = (signing.sign(manifest_bytes, key) + "\n").encode("ascii")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            # Pictures and the PDF are compressed already.
            compressed = path.endswith((".html", ".json"))
            info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


@dataclass(frozen=True)
class BundleCheck:
    ok: bool
    problems: tuple[str, ...]


def verify_bundle(archive_bytes: bytes, public_key_b64: str) -> BundleCheck:
    """What a partner does: check the manifest's signature with the published key, then every
    file's SHA-256, and that the ZIP holds no file the manifest does not list."""
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        names = set(archive.namelist())
        if not {MANIFEST, SIGNATURE} <= names:
            return BundleCheck(False, ("manifest.json or its signature is missing",))
        manifest_bytes = archive.read(MANIFEST)
        signature = archive.read(SIGNATURE).decode("ascii").strip()
        if not signing.verify(manifest_bytes, signature, public_key_b64):
            return BundleCheck(False, ("the manifest signature does not match the key",))
        listed = json.loads(manifest_bytes)["files"]
        for entry in listed:
            if entry["path"] not in names:
                problems.append(f"{entry['path']} is missing")
            elif hashlib.sha256(archive.read(entry["path"])).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['path']} does not match its SHA-256")
        unlisted = names - {entry["path"] for entry in listed} - {MANIFEST, SIGNATURE}
        problems.extend(f"{name} is not in the manifest" for name in sorted(unlisted))
    return BundleCheck(not problems, tuple(problems))
