"""Median time to serve an already rendered package through the signed download view, measured
in process with Django's test client (no network, no server: the view, the token check, the
database reads and streaming the file from storage), over 200 requests per format. Files are
stored with FileSystemStorage in a temporary folder, the default in production.
Run `.venv/bin/python bench/package_serve.py` from anywhere."""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()
logging.disable(logging.INFO)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_test_environment,
)

REQUESTS = 200


def main() -> None:
    from licensing import services
    from licensing.package_models import Package
    from licensing.packages import download_link, packages_render
    from licensing.quoting import UseSpec
    from syndication.models import PartnerType
    from tests import factories as f

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    media = tempfile.mkdtemp(prefix="package-serve-")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=media, LICENSING_HOOKS={}):
        f.standard_rate_card()
        publication = f.PublicationFactory()
        article = f.ArticleFactory(publication=publication)
        partner = f.PartnerFactory(partner_type=PartnerType.EDUCATION)
        request = services.licence_request_submit(
            partner=partner,
            contact_name="Bench",
            contact_email="bench@gazette.example",
            article_ids=[article.pk],
            use=UseSpec(use_type="education", territory="gb", term="1y"),
            terms_accepted=True,
        )
        licence = request.licences.get()
        started = time.perf_counter()
        packages_render(licence_id=licence.pk)
        render_seconds = time.perf_counter() - started

        client = Client()
        every: list[float] = []
        print(f"package_serve: {REQUESTS} GETs per format, Django test client, in process")
        print(f"  (first render of all six formats: {render_seconds * 1000:.0f} ms)")
        for package in Package.objects.filter(licence=licence).order_by("pk"):
            path = download_link(package).removeprefix("http://127.0.0.1:8000")
            timings = []
            for _ in range(REQUESTS):
                begin = time.perf_counter()
                response = client.get(path)
                body = b"".join(response.streaming_content)
                timings.append(time.perf_counter() - begin)
                response.close()
                assert response.status_code == 200 and len(body) == package.size
            timings.sort()
            every += timings
            median = statistics.median(timings) * 1000
            p95 = timings[int(len(timings) * 0.95) - 1] * 1000
            print(
                f"  {package.format:<13} {package.size:>9} bytes  "
                f"median {median:6.2f} ms  p95 {p95:6.2f} ms"
            )
        overall = statistics.median(every) * 1000
        print(f"  all formats ({len(every)} requests): median {overall:.2f} ms")


if __name__ == "__main__":
    main()
