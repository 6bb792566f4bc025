"""Packages on S3-compatible storage: the real boto3 client speaks HTTP to a local S3 stand-in
(moto's threaded server on loopback). Issuing a licence stores every format in the bucket with
the recorded size and checksum, and the signed link streams the bucket's bytes through the
service: the partner never sees a bucket address."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator

import boto3
import pytest
from django.core import mail
from moto.server import ThreadedMotoServer

from config.storage import default_storage_setting
from licensing.package_models import Package
from licensing.packages import FORMATS, _store, download_link
from tests.packages.conftest import HARBOUR

pytestmark = pytest.mark.django_db

REGION = "eu-west-1"
KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}
PREFIX = "republish"
_buckets = itertools.count(1)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 on a free loopback port (port 0: the OS picks), for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, s3_endpoint):
    """A new private bucket, and the default storage switched to it the way STORAGE_BACKEND=s3
    does in the settings."""
    name = f"packages-test-{next(_buckets)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_setting(
            "s3",
            bucket=name,
            endpoint_url=s3_endpoint,
            region=REGION,
            prefix=PREFIX,
            addressing_style="path",
            **KEYS,
        ),
    }
    yield client, name
    client.close()


def objects(client, name: str) -> dict[str, int]:
    listing = client.list_objects_v2(Bucket=name)
    return {item["Key"]: item["Size"] for item in listing.get("Contents", [])}


def object_bytes(client, name: str, key: str) -> bytes:
    return client.get_object(Bucket=name, Key=key)["Body"].read()


# `bucket` before `licence`: the article's picture and the packages both go to the bucket.
def test_issued_packages_are_stored_in_the_bucket_and_served_through_the_signed_link(
    bucket, licence, client, s3_endpoint
):
    s3, name = bucket
    packages = list(Package.objects.filter(licence=licence).select_related("revision"))
    number = licence.number

    # Then every format is one object under the prefix, named as on the file system
    assert sorted(p.format for p in packages) == sorted(FORMATS)
    package_keys = {f"{PREFIX}/{p.file.name}": p for p in packages}
    assert set(package_keys) == {
        f"{PREFIX}/packages/{number}/r1/{number}{spec.suffix}" for spec in FORMATS.values()
    }
    # And the picture was stored and read back through the bucket too
    stored = objects(s3, name)
    assert set(stored) == set(package_keys) | {
        f"{PREFIX}/media/harbour.jpg",
        f"{PREFIX}/media/agency-crowd.jpg",
    }
    assert object_bytes(s3, name, f"{PREFIX}/media/harbour.jpg") == HARBOUR
    # And each object has the size and SHA-256 recorded on its row
    for key, package in package_keys.items():
        body = object_bytes(s3, name, key)
        assert stored[key] == package.size == len(body)
        assert hashlib.sha256(body).hexdigest() == package.sha256

    # When the partner follows the signed link for the bundle
    bundle = next(p for p in packages if p.format == "bundle")
    link = download_link(bundle)
    assert link.startswith("http://127.0.0.1:8000/downloads/")
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))

    # Then the service streams the bucket's bytes itself, rather than sending them elsewhere
    assert response.status_code == 200
    assert response.streaming
    assert "Location" not in response
    assert response["Content-Disposition"] == f'attachment; filename="{number}.zip"'
    assert response["Content-Length"] == str(bundle.size)
    assert response["ETag"] == f'"{bundle.sha256}"'
    served = b"".join(response.streaming_content)
    assert served == object_bytes(s3, name, f"{PREFIX}/{bundle.file.name}")
    assert hashlib.sha256(served).hexdigest() == bundle.sha256

    # And the email's links are the service's own: no bucket address anywhere
    (email,) = [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_packages_ready"]
    bodies = [email.body, email.alternatives[0].content]
    assert all(len(re.findall(r"http://127\.0\.0\.1:8000/downloads/", b)) >= 6 for b in bodies)
    assert not any(s3_endpoint in b or name in b for b in bodies)


def test_a_worker_that_loses_the_race_leaves_the_winners_object_in_the_bucket(bucket, licence):
    s3, name = bucket
    pdf = Package.objects.get(licence=licence, format="pdf")
    content = object_bytes(s3, name, f"{PREFIX}/{pdf.file.name}")
    before = objects(s3, name)

    # When a second worker stores the same format: it gets a name of its own, loses on the
    # unique constraint and removes its copy
    assert _store(licence, licence.revision, "pdf", content) is False
    assert objects(s3, name) == before

    # When the second worker wrote the very name of the winner (an object store has no exclusive
    # create: both saw the name free), it must not delete the file the winning row points at
    s3.delete_object(Bucket=name, Key=f"{PREFIX}/{pdf.file.name}")
    assert _store(licence, licence.revision, "pdf", content) is False
    assert objects(s3, name) == before
    assert object_bytes(s3, name, f"{PREFIX}/{pdf.file.name}") == content
