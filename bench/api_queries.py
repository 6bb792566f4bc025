"""How many SQL queries the partner API's list endpoints cost per page size (they should not grow).

Run: .venv/bin/python bench/api_queries.py
Builds a throwaway test database, seeds 60 articles and 60 requests for one partner, then prints
e.g. "GET /api/v1/articles page_size=20: 3 queries (20 results)"."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ENDPOINTS = ("/api/v1/articles", "/api/v1/requests", "/api/v1/licences")
PAGE_SIZES = (5, 20, 50)


def seed() -> str:
    """60 articles (two pictures each, one an agency's) and 60 requests of one partner:
    a third waiting for staff, a third awaiting payment, a third paid with their licences.
    Returns the partner's raw API key."""
    from licensing import services
    from licensing.quoting import UseSpec
    from tests import factories as f

    f.standard_rate_card()
    publication = f.PublicationFactory()
    articles = []
    for _ in range(60):
        article = f.ArticleFactory(publication=publication)
        f.MediaFactory(article=article, position=0)
        f.MediaFactory(article=article, position=1, credit="Wire Agency", distributable=False)
        articles.append(article)
    partner = f.PartnerFactory()
    waiting = UseSpec(use_type="web", territory="eu", term="perpetual", reach=partner.reach)
    auto = UseSpec(
        use_type="web", territory="gb", term="30d", include_images=False, reach=partner.reach
    )
    for i in range(60):
        pair = [articles[i].pk, articles[(i + 1) % 60].pk]
        request = services.licence_request_submit(
            partner=partner,
            contact_name="Ada Editor",
            contact_email="ada@gazette.example",
            article_ids=pair,
            use=waiting if i % 3 == 0 else auto,
            terms_accepted=True,
            channel="api",
        )
        if i % 3 == 2:
            services.licence_request_mark_paid(request=request, actor_label="bench")
    return f.api_key_for(partner)


def measure(raw_key: str) -> list[str]:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.get(ENDPOINTS[0])  # the first call records the key's last use: a one-off write
    lines = []
    for path in ENDPOINTS:
        for size in PAGE_SIZES:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, {"page_size": size})
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}: {response.content}")
            results = len(response.json()["results"])
            lines.append(f"GET {path} page_size={size}: {len(queries)} queries ({results} results)")
    return lines


def main() -> None:
    runner = DiscoverRunner(verbosity=0, interactive=False)
    runner.setup_test_environment()
    old_config = runner.setup_databases()
    try:
        with (
            tempfile.TemporaryDirectory() as static_root,
            override_settings(STATIC_ROOT=static_root),
        ):
            logging.disable(logging.INFO)  # the services log every transition
            raw_key = seed()
            logging.disable(logging.NOTSET)
            for line in measure(raw_key):
                print(line)
    finally:
        runner.teardown_databases(old_config)
        runner.teardown_test_environment()


if __name__ == "__main__":
    main()
